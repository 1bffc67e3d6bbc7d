package check

import (
	"regexp"
	"strings"
)

// instanceSize is what an EC2 instance type offers a task.
type instanceSize struct {
	VCPU      int
	MemoryMiB int
}

// memoryRatio is the GiB of memory per vCPU of the general families ecsgen knows, by the class
// letter of the family (c compute, m general, r memory). Burstable t families are listed by
// size because their ratio varies.
var memoryRatio = map[byte]int{'c': 2, 'm': 4, 'r': 8}

// vcpusBySize is the vCPU count of the standard sizes of c, m and r families from the 5th
// generation on.
var vcpusBySize = map[string]int{
	"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "9xlarge": 36,
	"12xlarge": 48, "16xlarge": 64, "18xlarge": 72, "24xlarge": 96, "32xlarge": 128,
	"48xlarge": 192,
}

// burstable sizes of the t3, t3a and t4g families.
var burstable = map[string]instanceSize{
	"nano": {2, 512}, "micro": {2, 1024}, "small": {2, 2048}, "medium": {2, 4096},
	"large": {2, 8192}, "xlarge": {4, 16384}, "2xlarge": {8, 32768},
}

var family = regexp.MustCompile(`^([cmr])([5-8])([a-z]*)\.(.+)$`)

// lookupInstance returns the size of well-known instance types, and false for the others (the
// capacity rules then stay silent rather than guess).
func lookupInstance(instanceType string) (instanceSize, bool) {
	if fam, size, ok := strings.Cut(instanceType, "."); ok && (fam == "t3" || fam == "t3a" || fam == "t4g") {
		s, ok := burstable[size]
		return s, ok
	}
	m := family.FindStringSubmatch(instanceType)
	if m == nil {
		return instanceSize{}, false
	}
	if m[4] == "medium" && strings.Contains(m[3], "g") { // Graviton mediums have 1 vCPU
		return instanceSize{1, memoryRatio[m[1][0]] * 1024}, true
	}
	v, ok := vcpusBySize[m[4]]
	if !ok {
		return instanceSize{}, false
	}
	return instanceSize{v, v * memoryRatio[m[1][0]] * 1024}, true
}

// registeredMemory estimates the memory an instance registers with ECS: the operating system
// and the agent keep part of it (an m4.large with 8192 MiB registers about 7985 MiB). The
// estimate keeps 5 %, which errs on the safe side for small instances.
func registeredMemory(s instanceSize) int {
	return s.MemoryMiB * 95 / 100
}
