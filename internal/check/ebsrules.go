package check

import (
	"fmt"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
)

// Amazon EBS volumes configured at launch (volumes.<name>.ebs): sizes (R84), IOPS and
// throughput (R85) per volume type, encryption and file system (R86), where ECS can attach them
// (R87), one per task (R88). Sources: the ECS API reference (ServiceManagedEBSVolumeConfiguration), the
// EC2 API reference (CreateVolume) for today's gp3 and io2 limits, and the ECS developer guide
// (Use Amazon EBS volumes with Amazon ECS).

func init() { rules = append(rules, checkEBSVolumes) }

// ebsLimits are, per volume type, the sizes in GiB and the provisioned IOPS it accepts
// (iops.max 0: the type takes no IOPS setting).
var ebsLimits = map[string]struct {
	sizeMin, sizeMax int
	iopsMin, iopsMax int
	iopsRequired     bool
}{
	"gp3":      {1, 65536, 3000, 80000, false},
	"gp2":      {1, 16384, 0, 0, false},
	"io1":      {4, 16384, 100, 64000, true},
	"io2":      {4, 65536, 100, 256000, true},
	"st1":      {125, 16384, 0, 0, false},
	"sc1":      {125, 16384, 0, 0, false},
	"standard": {1, 1024, 0, 0, false},
}

func checkEBSVolumes(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		p := "services." + name
		var ebs []string
		for _, vname := range sortedKeys(svc.Volumes) {
			if svc.Volumes[vname].EBS != nil {
				ebs = append(ebs, vname)
			}
		}
		if len(ebs) > 1 {
			c.errorf("R88", p+".volumes."+ebs[1]+".ebs", "mount one EBS volume in several containers, or use EFS for the others",
				"a task has at most one volume configured at launch, and this service has %d (%s)", len(ebs), strings.Join(ebs, ", "))
		}
		for _, vname := range ebs {
			v := svc.Volumes[vname].EBS
			vp := p + ".volumes." + vname + ".ebs"
			lim := ebsLimits[v.Type]
			switch {
			case v.SizeInGiB == 0 && v.SnapshotID == "":
				c.errorf("R84", vp+".sizeInGiB", fmt.Sprintf("set sizeInGiB (%d–%d for %s), or snapshotId", lim.sizeMin, lim.sizeMax, v.Type),
					"an empty volume needs a size")
			case v.SizeInGiB != 0 && (v.SizeInGiB < lim.sizeMin || v.SizeInGiB > lim.sizeMax):
				c.errorf("R84", vp+".sizeInGiB", fmt.Sprintf("use %d–%d, or another type", lim.sizeMin, lim.sizeMax),
					"a %s volume of %d GiB cannot be created", v.Type, v.SizeInGiB)
			}
			switch {
			case lim.iopsMax == 0 && v.IOPS != 0:
				c.errorf("R85", vp+".iops", "remove it, or use type gp3, io1 or io2", "a %s volume takes no provisioned IOPS", v.Type)
			case lim.iopsRequired && v.IOPS == 0:
				c.errorf("R85", vp+".iops", fmt.Sprintf("set iops (%d–%d)", lim.iopsMin, lim.iopsMax), "a %s volume needs its provisioned IOPS", v.Type)
			case v.IOPS != 0 && (v.IOPS < lim.iopsMin || v.IOPS > lim.iopsMax):
				c.errorf("R85", vp+".iops", fmt.Sprintf("use %d–%d", lim.iopsMin, lim.iopsMax), "a %s volume cannot have %d IOPS", v.Type, v.IOPS)
			}
			if v.Throughput != 0 && v.Type != "gp3" {
				c.errorf("R85", vp+".throughput", "remove it, or use type gp3", "only gp3 volumes take a throughput setting, this one is %s", v.Type)
			}
			if v.KMSKey != "" && !v.Encrypted {
				c.errorf("R86", vp+".kmsKey", "remove kmsKey, or set encrypted: true", "a KMS key encrypts the volume, but encrypted is false")
			}
			windows := strings.HasPrefix(svc.RuntimePlatform.OperatingSystemFamily, "WINDOWS")
			if windows && v.FilesystemType != "" && v.FilesystemType != "NTFS" {
				c.errorf("R86", vp+".filesystemType", `use "NTFS"`, "a Windows task mounts NTFS volumes only")
			}
			if !windows && v.FilesystemType == "NTFS" {
				c.errorf("R86", vp+".filesystemType", `use "xfs", "ext4" or "ext3"`, "a Linux task cannot mount an NTFS volume")
			}
			if svc.Deployment.Strategy == schema.CodeDeployBlueGreen {
				c.errorf("R87", vp, `use another deployment.strategy ("rolling", or ECS-native "blueGreen")`,
					"ECS attaches EBS volumes only to tasks of services it deploys itself, not through CodeDeploy")
			}
			if s.OnFargate(svc) {
				if pv := s.PlatformVersion(svc); pv == "1.3.0" {
					c.errorf("R87", p+".platformVersion", `use "1.4.0" or "LATEST"`, "EBS volumes need Fargate platform version 1.4.0 or later (volume %s)", vname)
				}
				if windows {
					c.errorf("R87", vp, "run the service on EC2 capacity, or on Linux", "Fargate attaches EBS volumes to Linux tasks only")
				}
			}
		}
	}
}
