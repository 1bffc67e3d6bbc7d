// Package schema holds the spec language: the CUE schema users write against (spec.cue,
// embedded in the binary) and the Go types a validated spec decodes into.
//
// The Go types are the model every later stage works on. This package must not import CUE, so
// that checks and generators stay plain Go; the loader (internal/load) and the JSON Schema
// generator (schema/jsonschema) are the only places where CUE values exist. A test keeps the two definitions from drifting apart.
package schema

import (
	_ "embed"
	"encoding/json"
	"slices"
	"strings"
)

// CUE is the source of the #Spec schema.
//
//go:embed spec.cue
var CUE []byte

// Spec is a whole, validated deployment spec with every default applied.
type Spec struct {
	System  string            `json:"system"`
	Env     string            `json:"env"`
	Region  string            `json:"region"`
	Account string            `json:"account,omitempty"`
	Naming  string            `json:"naming"`
	Tags    map[string]string `json:"tags"`
	// Ephemeral: see schema/spec.cue.
	Ephemeral bool               `json:"ephemeral"`
	Network   Network            `json:"network"`
	Cluster   Cluster            `json:"cluster"`
	Services  map[string]Service `json:"services"`

	LoadBalancers map[string]LoadBalancer `json:"loadBalancers"`
	ExecutionRole RoleRef                 `json:"executionRole"`
	Notifications Notifications           `json:"notifications"`
	Logs          Logs                    `json:"logs"`
	Waivers       []Waiver                `json:"waivers"`
}

// Logs configures the log groups ecsgen creates.
type Logs struct {
	// DeletionPolicy is "Retain" or "Delete".
	DeletionPolicy string `json:"deletionPolicy"`
}

type Waiver struct {
	Rule   string `json:"rule"`
	Path   string `json:"path,omitempty"`
	Reason string `json:"reason"`
}

// Covers reports whether the waiver accepts a finding of rule at path.
func (w Waiver) Covers(rule, path string) bool {
	if w.Rule != rule {
		return false
	}
	return w.Path == "" || path == w.Path || strings.HasPrefix(path, w.Path+".") || strings.HasPrefix(path, w.Path+"[")
}

type Notifications struct {
	Topic   string   `json:"topic,omitempty"`
	Emails  []string `json:"emails"`
	Encrypt bool     `json:"encrypt"`
	KMSKey  string   `json:"kmsKey,omitempty"`
}

// Metric is "cpu", "memory", "requestCount", "responseTime" or a custom CloudWatch metric.
type Metric struct {
	Predefined string
	Custom     *CustomMetric
}

type CustomMetric struct {
	Namespace  string            `json:"namespace"`
	Name       string            `json:"name"`
	Dimensions map[string]string `json:"dimensions"`
	Statistic  string            `json:"statistic"`
	Unit       string            `json:"unit,omitempty"`
	// LoadBalancer is a key of Spec.LoadBalancers whose full name becomes the LoadBalancer
	// dimension.
	LoadBalancer string `json:"loadBalancer,omitempty"`
}

// OfTargetGroup reports whether the metric is one of the service's load balancer target group:
// requestCount or responseTime.
func (m Metric) OfTargetGroup() bool {
	return m.Predefined == "requestCount" || m.Predefined == "responseTime"
}

func (m *Metric) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.Predefined)
	}
	m.Custom = &CustomMetric{}
	return json.Unmarshal(b, m.Custom)
}

func (m Metric) MarshalJSON() ([]byte, error) {
	if m.Custom != nil {
		return json.Marshal(m.Custom)
	}
	return json.Marshal(m.Predefined)
}

// Secret is a value of a container's secrets: a reference as ECS takes it (ValueFrom: an SSM
// parameter name or ARN, or a full Secrets Manager ARN), or a Secrets Manager secret by name.
type Secret struct {
	ValueFrom string
	ByName    *SecretByName
}

// SecretByName is a Secrets Manager secret of the spec's account and region, by its name.
type SecretByName struct {
	SecretsManager string `json:"secretsManager"`
	Key            string `json:"key,omitempty"`
	VersionStage   string `json:"versionStage,omitempty"`
	VersionID      string `json:"versionId,omitempty"`
}

func (v *Secret) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &v.ValueFrom)
	}
	v.ByName = &SecretByName{}
	return json.Unmarshal(b, v.ByName)
}

func (v Secret) MarshalJSON() ([]byte, error) {
	if v.ByName != nil {
		return json.Marshal(v.ByName)
	}
	return json.Marshal(v.ValueFrom)
}

type TargetTracking struct {
	Metric           Metric  `json:"metric"`
	Target           float64 `json:"target"`
	ScaleInCooldown  int     `json:"scaleInCooldown"`
	ScaleOutCooldown int     `json:"scaleOutCooldown"`
	DisableScaleIn   bool    `json:"disableScaleIn"`
}

type StepScaling struct {
	Alarm          ScalingAlarm `json:"alarm"`
	AdjustmentType string       `json:"adjustmentType"`
	// Aggregation is empty when the spec leaves it to the alarm's statistic: see Aggregation.
	Aggregation string `json:"aggregation,omitempty"`
	Steps       []Step `json:"steps"`
	Cooldown    int    `json:"cooldown"`
	Notify      bool   `json:"notify"`
}

// MetricAggregation is the policy's MetricAggregationType: the spec's aggregation, or the
// alarm's statistic when that is Minimum or Maximum, otherwise Average.
func (sp StepScaling) MetricAggregation() string {
	if sp.Aggregation != "" {
		return sp.Aggregation
	}
	switch sp.Alarm.Statistic {
	case "Minimum", "Maximum":
		return sp.Alarm.Statistic
	}
	return "Average"
}

type ScalingAlarm struct {
	Metric            Metric  `json:"metric"`
	Statistic         string  `json:"statistic"`
	Period            int     `json:"period"`
	EvaluationPeriods int     `json:"evaluationPeriods"`
	Comparison        string  `json:"comparison"`
	Threshold         float64 `json:"threshold"`
}

type Step struct {
	Lower      *float64 `json:"lower,omitempty"`
	Upper      *float64 `json:"upper,omitempty"`
	Adjustment int      `json:"adjustment"`
}

type ScheduledScaling struct {
	Schedule string `json:"schedule"`
	Timezone string `json:"timezone,omitempty"`
	Min      *int   `json:"min,omitempty"`
	Max      *int   `json:"max,omitempty"`
}

// PredictiveScaling is a predictive scaling policy of a service or an Auto Scaling group.
type PredictiveScaling struct {
	Metric               string  `json:"metric"`
	Target               float64 `json:"target"`
	Mode                 string  `json:"mode"`
	SchedulingBufferTime *int    `json:"schedulingBufferTime,omitempty"`
	MaxCapacityBreach    string  `json:"maxCapacityBreach"`
	MaxCapacityBuffer    *int    `json:"maxCapacityBuffer,omitempty"`
}

type ServiceAutoscaling struct {
	Min            int                          `json:"min"`
	Max            int                          `json:"max"`
	Suspend        SuspendedState               `json:"suspend"`
	TargetTracking map[string]TargetTracking    `json:"targetTracking"`
	StepScaling    map[string]StepScaling       `json:"stepScaling"`
	Scheduled      map[string]ScheduledScaling  `json:"scheduled"`
	Predictive     map[string]PredictiveScaling `json:"predictive"`
}

type SuspendedState struct {
	ScaleIn   bool `json:"scaleIn"`
	ScaleOut  bool `json:"scaleOut"`
	Scheduled bool `json:"scheduled"`
}

type GroupScaling struct {
	TargetTracking map[string]TargetTracking    `json:"targetTracking"`
	StepScaling    map[string]StepScaling       `json:"stepScaling"`
	Scheduled      map[string]ScheduledScaling  `json:"scheduled"`
	Predictive     map[string]PredictiveScaling `json:"predictive"`
}

type Replacement struct {
	Enabled      bool   `json:"enabled"`
	BatchSize    int    `json:"batchSize"`
	Pause        string `json:"pause"`
	MinInService *int   `json:"minInService,omitempty"`
}

// MinInstancesInService is the rolling replacement's MinInstancesInService: the spec's, or
// size.min at most size.max − 1.
func (c EC2Capacity) MinInstancesInService() int {
	if c.Replacement.MinInService != nil {
		return *c.Replacement.MinInService
	}
	return min(c.Size.Min, c.Size.Max-1)
}

// AgentSettings are the ecs.config settings of a capacity's instances: the cluster's, with the
// capacity's own over them.
func (s *Spec) AgentSettings(capacity string) map[string]string {
	out := map[string]string{}
	for k, v := range s.Cluster.Agent.Settings {
		out[k] = v
	}
	c := s.Cluster.Capacity.EC2[capacity]
	if _, set := out["ECS_ENABLE_SPOT_INSTANCE_DRAINING"]; c.Spot != nil && !set {
		out["ECS_ENABLE_SPOT_INSTANCE_DRAINING"] = "true"
	}
	for k, v := range c.AgentSettings {
		out[k] = v
	}
	return out
}

type LoadBalancer struct {
	Name                    string              `json:"name,omitempty"`
	Type                    string              `json:"type"`
	Scheme                  string              `json:"scheme"`
	Subnets                 []string            `json:"subnets,omitempty"`
	AllowFrom               []string            `json:"allowFrom"`
	IdleTimeout             int                 `json:"idleTimeout"`
	DeletionProtection      bool                `json:"deletionProtection"`
	DropInvalidHeaderFields bool                `json:"dropInvalidHeaderFields"`
	AccessLogs              AccessLogs          `json:"accessLogs"`
	RestrictEgress          bool                `json:"restrictEgress"`
	Listeners               map[string]Listener `json:"listeners"`
}

type AccessLogs struct {
	Enabled         *bool  `json:"enabled,omitempty"`
	Bucket          string `json:"bucket,omitempty"`
	Prefix          string `json:"prefix,omitempty"`
	ExpireAfterDays int    `json:"expireAfterDays"`
}

type Listener struct {
	Port         int      `json:"port"`
	Protocol     string   `json:"protocol"`
	Certificates []string `json:"certificates"`
	SSLPolicy    string   `json:"sslPolicy"`
	AllowFrom    []string `json:"allowFrom,omitempty"`
}

type ServiceLoadBalancer struct {
	Name                string       `json:"name"`
	Listener            string       `json:"listener"`
	TestListener        string       `json:"testListener,omitempty"`
	TargetGroupNames    []string     `json:"targetGroupNames,omitempty"`
	Container           string       `json:"container,omitempty"`
	Port                int          `json:"port,omitempty"`
	Rule                ListenerRule `json:"rule"`
	HealthCheck         TargetHealth `json:"healthCheck"`
	DeregistrationDelay int          `json:"deregistrationDelay"`
	SlowStart           int          `json:"slowStart,omitempty"`
	Stickiness          *Stickiness  `json:"stickiness,omitempty"`
	// ProtocolVersion is what the load balancer speaks to the tasks: HTTP1 (the default), HTTP2
	// or GRPC (the target group's ProtocolVersion).
	ProtocolVersion string `json:"protocolVersion"`
	// AdditionalTargets are further ports of the service behind the same load balancer.
	AdditionalTargets map[string]AdditionalTarget `json:"additionalTargets"`
}

// AdditionalTarget is a further port of a service behind its load balancer, with its own
// target group and listener rule.
type AdditionalTarget struct {
	Listener            string       `json:"listener"`
	Container           string       `json:"container,omitempty"`
	Port                int          `json:"port"`
	Rule                ListenerRule `json:"rule"`
	HealthCheck         TargetHealth `json:"healthCheck"`
	DeregistrationDelay int          `json:"deregistrationDelay"`
	SlowStart           int          `json:"slowStart,omitempty"`
	Stickiness          *Stickiness  `json:"stickiness,omitempty"`
	ProtocolVersion     string       `json:"protocolVersion"`
}

// AsLoadBalancer is the additional target as the service's load balancer settings of its own,
// on the service's load balancer (name).
func (t AdditionalTarget) AsLoadBalancer(name, defaultContainer string) ServiceLoadBalancer {
	container := t.Container
	if container == "" {
		container = defaultContainer
	}
	return ServiceLoadBalancer{Name: name, Listener: t.Listener, Container: container, Port: t.Port, Rule: t.Rule,
		HealthCheck: t.HealthCheck, DeregistrationDelay: t.DeregistrationDelay, SlowStart: t.SlowStart, Stickiness: t.Stickiness,
		ProtocolVersion: t.ProtocolVersion}
}

type ListenerRule struct {
	Hosts     []string            `json:"hosts"`
	Paths     []string            `json:"paths"`
	SourceIPs []string            `json:"sourceIps"`
	Headers   map[string][]string `json:"headers"`
	Priority  int                 `json:"priority,omitempty"`
}

// Narrowing is how many source-IP and header conditions narrow the rule beyond its hosts and
// paths.
func (r ListenerRule) Narrowing() int {
	n := len(r.Headers)
	if len(r.SourceIPs) > 0 {
		n++
	}
	return n
}

type TargetHealth struct {
	Port    int    `json:"port,omitempty"`
	Path    string `json:"path"`
	Matcher string `json:"matcher"`
	// GrpcCode is the gRPC status codes counted healthy (protocol version GRPC only).
	GrpcCode           string `json:"grpcCode,omitempty"`
	Interval           int    `json:"interval"`
	Timeout            int    `json:"timeout"`
	HealthyThreshold   int    `json:"healthyThreshold"`
	UnhealthyThreshold int    `json:"unhealthyThreshold"`
}

type Stickiness struct {
	Duration int `json:"duration"`
}

type Network struct {
	VPC            string   `json:"vpc,omitempty"`
	Subnets        []string `json:"subnets"`
	PublicSubnets  []string `json:"publicSubnets"`
	PrivateSubnets []string `json:"privateSubnets"`
	SecurityGroups []string `json:"securityGroups"`
	// Create: see CreatedNetwork (network.go).
	Create *CreatedNetwork `json:"create,omitempty"`
}

type Cluster struct {
	Name              string                  `json:"name,omitempty"`
	ContainerInsights string                  `json:"containerInsights"`
	Capacity          Capacity                `json:"capacity"`
	DefaultStrategy   map[string]StrategyItem `json:"defaultStrategy,omitempty"`
	Agent             Agent                   `json:"agent"`
	InstanceRole      InstanceRole            `json:"instanceRole"`
	ExecuteCommand    *ExecuteCommand         `json:"executeCommand,omitempty"`
	UserData          []string                `json:"userData"`

	// Namespace: see servicediscovery.go.
	Namespace *Namespace `json:"namespace,omitempty"`
}

type Capacity struct {
	EC2 map[string]EC2Capacity `json:"ec2"`
}

type StrategyItem struct {
	Base   int `json:"base"`
	Weight int `json:"weight"`
}

type EC2Capacity struct {
	InstanceType                 string            `json:"instanceType"`
	AutoScalingGroupName         string            `json:"autoScalingGroupName,omitempty"`
	AMI                          string            `json:"ami,omitempty"`
	InstanceProfile              string            `json:"instanceProfile,omitempty"`
	KeyName                      string            `json:"keyName,omitempty"`
	RootVolume                   RootVolume        `json:"rootVolume"`
	DetailedMonitoring           bool              `json:"detailedMonitoring"`
	AssociatePublicIP            bool              `json:"associatePublicIp"`
	MetadataHopLimit             int               `json:"metadataHopLimit"`
	SSMAccess                    bool              `json:"ssmAccess"`
	Size                         Size              `json:"size"`
	Cooldown                     int               `json:"cooldown"`
	HealthCheck                  HealthCheck       `json:"healthCheck"`
	Subnets                      []string          `json:"subnets,omitempty"`
	Ingress                      []IngressRule     `json:"ingress"`
	GroupMetrics                 []string          `json:"groupMetrics"`
	Tags                         map[string]string `json:"tags"`
	ManagedScaling               ManagedScaling    `json:"managedScaling"`
	ManagedTerminationProtection bool              `json:"managedTerminationProtection"`
	ManagedDraining              bool              `json:"managedDraining"`
	Scaling                      GroupScaling      `json:"scaling"`
	Notifications                bool              `json:"notifications"`
	Replacement                  Replacement       `json:"replacement"`
	AgentSettings                map[string]string `json:"agentSettings"`
	UserData                     []string          `json:"userData"`
	InstanceTypes                []string          `json:"instanceTypes"`
	Spot                         *Spot             `json:"spot,omitempty"`
}

// Spot is the Spot part of a capacity's mixed instances policy.
type Spot struct {
	OnDemandBase       int    `json:"onDemandBase"`
	OnDemandPercent    int    `json:"onDemandPercent"`
	AllocationStrategy string `json:"allocationStrategy"`
}

// AllInstanceTypes are the instance types a capacity may launch: instanceType, then
// instanceTypes.
func (c EC2Capacity) AllInstanceTypes() []string {
	return append([]string{c.InstanceType}, c.InstanceTypes...)
}

// Mixed reports whether the capacity's group has a mixed instances policy.
func (c EC2Capacity) Mixed() bool { return len(c.InstanceTypes) > 0 || c.Spot != nil }

type RootVolume struct {
	Size       int    `json:"size"`
	Type       string `json:"type"`
	KMSKey     string `json:"kmsKey,omitempty"`
	DeviceName string `json:"deviceName"`
}

type Size struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

type HealthCheck struct {
	Type        string `json:"type"`
	GracePeriod int    `json:"gracePeriod"`
}

type IngressRule struct {
	Description         string `json:"description"`
	Protocol            string `json:"protocol"`
	FromPort            int    `json:"fromPort"`
	ToPort              int    `json:"toPort"`
	CIDR                string `json:"cidr,omitempty"`
	SourceSecurityGroup string `json:"sourceSecurityGroup,omitempty"`
}

type ManagedScaling struct {
	Enabled        bool `json:"enabled"`
	TargetCapacity int  `json:"targetCapacity"`
	MinimumStep    int  `json:"minimumStep"`
	MaximumStep    int  `json:"maximumStep"`
	InstanceWarmup int  `json:"instanceWarmup"`
}

type Agent struct {
	LoggingDrivers       []string          `json:"loggingDrivers"`
	TaskCleanupWait      string            `json:"taskCleanupWait,omitempty"`
	ContainerStopTimeout string            `json:"containerStopTimeout,omitempty"`
	ImageCleanup         ImageCleanup      `json:"imageCleanup"`
	Settings             map[string]string `json:"settings"`
}

type ImageCleanup struct {
	Enabled        bool   `json:"enabled"`
	Interval       string `json:"interval,omitempty"`
	MinimumAge     string `json:"minimumAge,omitempty"`
	ImagesPerCycle int    `json:"imagesPerCycle,omitempty"`
}

type Service struct {
	// DesiredCount is nil when the spec leaves it out: see Service.InitialDesiredCount.
	DesiredCount *int                    `json:"desiredCount,omitempty"`
	Capacity     map[string]StrategyItem `json:"capacity,omitempty"`
	Family       string                  `json:"family,omitempty"`
	// NetworkMode is empty when the spec leaves it to ecsgen: see Spec.NetworkMode.
	NetworkMode            string               `json:"networkMode,omitempty"`
	Subnets                []string             `json:"subnets,omitempty"`
	AssignPublicIP         bool                 `json:"assignPublicIp"`
	PlatformVersion        string               `json:"platformVersion,omitempty"`
	RuntimePlatform        RuntimePlatform      `json:"runtimePlatform"`
	EphemeralStorage       int                  `json:"ephemeralStorage,omitempty"`
	EnableExecuteCommand   bool                 `json:"enableExecuteCommand"`
	Volumes                map[string]Volume    `json:"volumes"`
	KMSKeys                []string             `json:"kmsKeys"`
	LogKMSKey              string               `json:"logKmsKey,omitempty"`
	CPU                    int                  `json:"cpu,omitempty"`
	Memory                 int                  `json:"memory,omitempty"`
	Containers             map[string]Container `json:"containers"`
	TaskRole               TaskRole             `json:"taskRole"`
	ExecutionRole          RoleRef              `json:"executionRole"`
	LoadBalancer           *ServiceLoadBalancer `json:"loadBalancer,omitempty"`
	Autoscaling            *ServiceAutoscaling  `json:"autoscaling,omitempty"`
	HealthCheckGracePeriod *int                 `json:"healthCheckGracePeriod,omitempty"`
	Tags                   map[string]string    `json:"tags"`
	// AvailabilityZoneRebalancing is nil when the spec leaves it to ECS.
	AvailabilityZoneRebalancing *bool      `json:"availabilityZoneRebalancing,omitempty"`
	Deployment                  Deployment `json:"deployment"`
	Placement                   Placement  `json:"placement"`
	LogRetentionDays            int        `json:"logRetentionDays"`

	// ServiceConnect, ServiceDiscovery and Calls: see servicediscovery.go.
	ServiceConnect   *ServiceConnect   `json:"serviceConnect,omitempty"`
	ServiceDiscovery *ServiceDiscovery `json:"serviceDiscovery,omitempty"`
	Calls            []string          `json:"calls"`
}

type RuntimePlatform struct {
	OperatingSystemFamily string `json:"operatingSystemFamily"`
	CPUArchitecture       string `json:"cpuArchitecture"`
}

// Volume is exactly one of EFS, Host, Docker or EBS (checked by the rules).
type Volume struct {
	EFS    *EFSVolume    `json:"efs,omitempty"`
	Host   *HostVolume   `json:"host,omitempty"`
	Docker *DockerVolume `json:"docker,omitempty"`
	EBS    *EBSVolume    `json:"ebs,omitempty"`
}

// EBSVolume is an Amazon EBS volume ECS creates for each task at launch (the task definition's
// volume is configuredAtLaunch, the service's VolumeConfigurations hold these settings).
type EBSVolume struct {
	SizeInGiB          int               `json:"sizeInGiB,omitempty"`
	Type               string            `json:"type"`
	IOPS               int               `json:"iops,omitempty"`
	Throughput         int               `json:"throughput,omitempty"`
	Encrypted          bool              `json:"encrypted"`
	KMSKey             string            `json:"kmsKey,omitempty"`
	FilesystemType     string            `json:"filesystemType,omitempty"`
	SnapshotID         string            `json:"snapshotId,omitempty"`
	Tags               map[string]string `json:"tags"`
	PropagateTags      string            `json:"propagateTags,omitempty"`
	InfrastructureRole string            `json:"infrastructureRole,omitempty"`
}

// EBSVolumeOf is the service's volume configured at launch (the first in name order; R88
// allows one), or "" and nil.
func (svc Service) EBSVolumeOf() (string, *EBSVolume) {
	names := make([]string, 0, len(svc.Volumes))
	for n, v := range svc.Volumes {
		if v.EBS != nil {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	slices.Sort(names)
	return names[0], svc.Volumes[names[0]].EBS
}

type EFSVolume struct {
	FileSystemID          string `json:"fileSystemId"`
	AccessPointID         string `json:"accessPointId,omitempty"`
	RootDirectory         string `json:"rootDirectory,omitempty"`
	TransitEncryption     bool   `json:"transitEncryption"`
	TransitEncryptionPort int    `json:"transitEncryptionPort,omitempty"`
	IAM                   bool   `json:"iam"`
}

type HostVolume struct {
	SourcePath string `json:"sourcePath,omitempty"`
}

type DockerVolume struct {
	Scope         string            `json:"scope"`
	Autoprovision *bool             `json:"autoprovision,omitempty"`
	Driver        string            `json:"driver,omitempty"`
	DriverOpts    map[string]string `json:"driverOpts"`
	Labels        map[string]string `json:"labels"`
}

type Container struct {
	Image             string            `json:"image"`
	Essential         bool              `json:"essential"`
	CPU               *int              `json:"cpu,omitempty"`
	Memory            *int              `json:"memory,omitempty"`
	MemoryReservation *int              `json:"memoryReservation,omitempty"`
	Ports             []PortMapping     `json:"ports"`
	Environment       map[string]string `json:"environment"`
	// DeployTimeEnvironment: see DeployTimeValue (deploytime.go).
	DeployTimeEnvironment map[string]DeployTimeValue `json:"deployTimeEnvironment"`
	Command               []string                   `json:"command,omitempty"`
	EntryPoint            []string                   `json:"entryPoint,omitempty"`
	WorkingDirectory      string                     `json:"workingDirectory,omitempty"`

	HealthCheck            *HealthCheckSpec  `json:"healthCheck,omitempty"`
	DependsOn              map[string]string `json:"dependsOn"`
	StartTimeout           *int              `json:"startTimeout,omitempty"`
	StopTimeout            *int              `json:"stopTimeout,omitempty"`
	Ulimits                map[string]Ulimit `json:"ulimits"`
	LinuxParameters        *LinuxParameters  `json:"linuxParameters,omitempty"`
	ReadonlyRootFilesystem *bool             `json:"readonlyRootFilesystem,omitempty"`
	User                   string            `json:"user,omitempty"`
	EnvironmentFiles       []string          `json:"environmentFiles"`
	Secrets                map[string]Secret `json:"secrets"`
	DockerLabels           map[string]string `json:"dockerLabels"`
	MountPoints            []MountPoint      `json:"mountPoints"`
	VolumesFrom            []VolumeFrom      `json:"volumesFrom"`
	RepositoryCredentials  string            `json:"repositoryCredentials,omitempty"`
	GPU                    *int              `json:"gpu,omitempty"`
	RestartPolicy          *RestartPolicy    `json:"restartPolicy,omitempty"`
	VersionConsistency     string            `json:"versionConsistency,omitempty"`
	Log                    Log               `json:"log"`
	Firelens               *Firelens         `json:"firelens,omitempty"`
}

// HealthCheckSpec is a container's Docker health check.
type HealthCheckSpec struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval"`
	Timeout     int      `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod *int     `json:"startPeriod,omitempty"`
}

type Ulimit struct {
	Soft int `json:"soft"`
	Hard int `json:"hard"`
}

type LinuxParameters struct {
	InitProcessEnabled *bool         `json:"initProcessEnabled,omitempty"`
	Capabilities       *Capabilities `json:"capabilities,omitempty"`
	SharedMemorySize   *int          `json:"sharedMemorySize,omitempty"`
}

type Capabilities struct {
	Add  []string `json:"add"`
	Drop []string `json:"drop"`
}

type MountPoint struct {
	Volume   string `json:"volume"`
	Path     string `json:"path"`
	ReadOnly bool   `json:"readOnly"`
}

// VolumeFrom mounts the volumes of another container of the task.
type VolumeFrom struct {
	Container string `json:"container"`
	ReadOnly  bool   `json:"readOnly"`
}

type RestartPolicy struct {
	Enabled              bool  `json:"enabled"`
	IgnoredExitCodes     []int `json:"ignoredExitCodes"`
	RestartAttemptPeriod *int  `json:"restartAttemptPeriod,omitempty"`
}

type Log struct {
	Driver       string            `json:"driver"`
	Group        string            `json:"group,omitempty"`
	StreamPrefix string            `json:"streamPrefix,omitempty"`
	Options      map[string]string `json:"options"`
}

type Firelens struct {
	Type                 string      `json:"type"`
	ConfigFile           *ConfigFile `json:"configFile,omitempty"`
	EnableECSLogMetadata *bool       `json:"enableECSLogMetadata,omitempty"`
}

type ConfigFile struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type PortMapping struct {
	Container int    `json:"container"`
	Host      *int   `json:"host,omitempty"`
	Protocol  string `json:"protocol"`
	// Name and AppProtocol: see schema/spec.cue (Service Connect).
	Name        string `json:"name,omitempty"`
	AppProtocol string `json:"appProtocol,omitempty"`
}

type TaskRole struct {
	ARN             string      `json:"arn,omitempty"`
	Statements      []Statement `json:"statements"`
	ManagedPolicies []string    `json:"managedPolicies"`
}

// ExecuteCommand is the cluster's ECS Exec configuration.
type ExecuteCommand struct {
	KMSKey   string `json:"kmsKey,omitempty"`
	LogGroup string `json:"logGroup,omitempty"`
	S3Bucket string `json:"s3Bucket,omitempty"`
	S3Prefix string `json:"s3Prefix,omitempty"`
}

// InstanceRole is what the spec adds to the container instance role ecsgen creates.
type InstanceRole struct {
	Statements      []Statement `json:"statements"`
	ManagedPolicies []string    `json:"managedPolicies"`
}

// RoleRef names an existing IAM role by ARN; empty: a role ecsgen creates.
type RoleRef struct {
	ARN string `json:"arn,omitempty"`
}

type Statement struct {
	Sid       string   `json:"sid,omitempty"`
	Effect    string   `json:"effect"`
	Actions   []string `json:"actions"`
	Resources []string `json:"resources"`
}

type Deployment struct {
	Strategy              string            `json:"strategy"`
	MinimumHealthyPercent int               `json:"minimumHealthyPercent"`
	MaximumPercent        int               `json:"maximumPercent"`
	CircuitBreaker        CircuitBreaker    `json:"circuitBreaker"`
	Alarms                *DeploymentAlarms `json:"alarms,omitempty"`
	BakeTime              *int              `json:"bakeTime,omitempty"`
	Canary                Canary            `json:"canary"`
	Linear                Linear            `json:"linear"`
	LifecycleHooks        []LifecycleHook   `json:"lifecycleHooks"`
	CodeDeploy            CodeDeploy        `json:"codeDeploy"`
}

// Deployment strategies.
const (
	Rolling             = "rolling"
	BlueGreen           = "blueGreen"
	CanaryDeployment    = "canary"
	LinearDeployment    = "linear"
	CodeDeployBlueGreen = "codeDeploy"
)

type CircuitBreaker struct {
	Enabled  bool `json:"enabled"`
	Rollback bool `json:"rollback"`
}

type DeploymentAlarms struct {
	Names    []string `json:"names"`
	Rollback bool     `json:"rollback"`
}

type Canary struct {
	Percent  float64 `json:"percent"`
	BakeTime int     `json:"bakeTime"`
}

type Linear struct {
	StepPercent float64 `json:"stepPercent"`
	BakeTime    int     `json:"bakeTime"`
}

type LifecycleHook struct {
	Lambda string   `json:"lambda"`
	Stages []string `json:"stages"`
}

type CodeDeploy struct {
	Config          string `json:"config"`
	TerminationWait int    `json:"terminationWait"`
	AutoRollback    bool   `json:"autoRollback"`
}

type Placement struct {
	Strategies  []PlacementStrategy   `json:"strategies"`
	Constraints []PlacementConstraint `json:"constraints"`
}

type PlacementStrategy struct {
	Type  string `json:"type"`
	Field string `json:"field,omitempty"`
}

type PlacementConstraint struct {
	Type       string `json:"type"`
	Expression string `json:"expression,omitempty"`
}

// Target group protocol versions (loadBalancer.protocolVersion).
const (
	ProtocolHTTP1 = "HTTP1"
	ProtocolHTTP2 = "HTTP2"
	ProtocolGRPC  = "GRPC"
)

// DefaultGrpcCode is the gRPC status a GRPC target's health check counts healthy when the spec
// names none: 0 (OK), the answer of the method the health check path names.
const DefaultGrpcCode = "0"
