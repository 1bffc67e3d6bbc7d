package check

import (
	"strconv"
	"strings"
)

//go:generate go run ./geninstancetypes instancetypes.go

// instanceSize is what an EC2 instance type offers a task.
type instanceSize struct {
	VCPU      int
	MemoryMiB int
}

// lookupInstance returns the size of an instance type from instanceTypes (every type EC2's
// DescribeInstanceTypes lists, generated from moto's copy of it), and false for a type the
// table does not have: the capacity rules then stay silent rather than guess.
func lookupInstance(instanceType string) (instanceSize, bool) {
	s, ok := instanceTypes[instanceType]
	return s, ok
}

// registeredMemory estimates the memory an instance registers with ECS: the operating system
// keeps part of the instance's memory (an m4.large with 8192 MiB registers about 7985 MiB; the
// estimate keeps 5 %, which errs on the safe side for small instances), and the agent's
// ECS_RESERVED_MEMORY setting, when the spec sets it, reserves more for processes outside ECS.
func registeredMemory(s instanceSize, agentSettings map[string]string) int {
	reg := s.MemoryMiB * 95 / 100
	if v, err := strconv.Atoi(strings.TrimSpace(agentSettings["ECS_RESERVED_MEMORY"])); err == nil && v > 0 {
		reg -= v
	}
	return reg
}
