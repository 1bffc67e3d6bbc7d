// The peer of scripts/bench: internal/benchspec's scenario with N services, written as an AWS
// CDK app, so that `cdk synth` (and plain `node app.js`) can be timed against `ecsgen build` of
// the same spec in the same run.
//
//   BENCH_SERVICES=100 node app.js                     synthesise into $CDK_OUTDIR (or a temporary directory)
//   BENCH_SERVICES=100 npx cdk synth -q -o /tmp/out    the same through the CDK CLI
//
// It follows internal/benchspec/benchspec.go shape for shape: the same account, region, VPC,
// subnets and security group (imported, so that synthesis looks nothing up); three EC2
// capacities (x86, Graviton, burstable) as Auto Scaling groups with capacity providers, agent
// settings and userdata; Fargate capacity providers; up to four application load balancers
// with an HTTP listener (one per 333 services beyond 1333); and N services cycling through
// the same shapes: bridge and awsvpc tasks on EC2 and Fargate/Fargate Spot tasks (1 in 5), one
// or two containers with ports, environment, a secret, a health check and a command, ECR and
// public images, two task-role statements (one with pseudo parameters), capacity strategies,
// placement strategies and constraints, a host rule on a shared listener (1 in 4), target
// tracking on CPU (1 in 3), a deployment tweak (1 in 5) and a log retention (1 in 6).
//
// Like ecsgen, it makes one stack for the cluster and one stack per service (stack names
// follow ecsgen's: bench-perf-cluster, bench-perf-svc-<name>). Keep the two in step: a shape
// added to benchspec belongs here too.
'use strict';

const cdk = require('aws-cdk-lib');
const autoscaling = require('aws-cdk-lib/aws-autoscaling');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecs = require('aws-cdk-lib/aws-ecs');
const elbv2 = require('aws-cdk-lib/aws-elasticloadbalancingv2');
const iam = require('aws-cdk-lib/aws-iam');
const logs = require('aws-cdk-lib/aws-logs');
const ssm = require('aws-cdk-lib/aws-ssm');

const n = Number.parseInt(process.env.BENCH_SERVICES || '1', 10);
if (!Number.isInteger(n) || n < 0) {
  throw new Error(`BENCH_SERVICES must be a number of services, not ${process.env.BENCH_SERVICES}`);
}

// The same arithmetic as benchspec.go.
const loadBalancers = Math.max(Math.min(4, Math.floor((n + 3) / 4)), Math.floor((n + 332) / 333));
const behindLoadBalancer = (i) => i % 4 === 0;
const loadBalancerOf = (i) => Math.floor(i / 4) % loadBalancers;
const rulePriority = (i) => Math.floor(Math.floor(i / 4) / loadBalancers) + 1;
const serviceName = (i) => `svc-${String(i).padStart(4, '0')}`;

const env = { account: '123456789012', region: 'eu-west-1' };
const prefix = 'bench-perf';
// Cross-stack references as CDK makes them today, stated so that synthesis does not warn;
// Launch templates rather than launch configurations, as ecsgen and current AWS guidance.
const app = new cdk.App({
  context: {
    '@aws-cdk/core:defaultCrossStackReferences': 'strong',
    '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true,
  },
});
cdk.Tags.of(app).add('team', 'platform');
cdk.Tags.of(app).add('cost-center', 'cc-1234');

// The cluster stack: cluster, capacities, load balancers.
const clusterStack = new cdk.Stack(app, 'Cluster', { env, stackName: `${prefix}-cluster` });
const vpc = ec2.Vpc.fromVpcAttributes(clusterStack, 'Vpc', {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210', 'subnet-00112233445566778'],
});
const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(clusterStack, 'Sg', 'sg-0123456789abcdef0', { mutable: false });
const cluster = new ecs.Cluster(clusterStack, 'Cluster', {
  vpc,
  clusterName: prefix,
  containerInsightsV2: ecs.ContainerInsights.ENHANCED,
});
cluster.enableFargateCapacityProviders();

const agentConfig = [
  'ECS_AVAILABLE_LOGGING_DRIVERS=["json-file","awslogs"]',
  'ECS_CONTAINER_STOP_TIMEOUT=2m',
  'ECS_IMAGE_CLEANUP_INTERVAL=30m',
  'ECS_IMAGE_MINIMUM_CLEANUP_AGE=2h',
  'ECS_ENABLE_SPOT_INSTANCE_DRAINING=true',
];
const capacities = {
  general: { instanceType: 'm7i.xlarge', min: 2, max: 200, ssm: true, rootVolume: 50, arm: false, target: 90,
    groupMetrics: true, tags: { Role: 'ecs-node' } },
  graviton: { instanceType: 'm7g.xlarge', min: 0, max: 100, ssm: true, arm: true, target: 80, warmup: 180 },
  burst: { instanceType: 't3.large', min: 0, max: 50, arm: false },
};
const providers = {};
for (const [name, c] of Object.entries(capacities)) {
  const asg = new autoscaling.AutoScalingGroup(clusterStack, `Asg-${name}`, {
    vpc,
    securityGroup,
    instanceType: new ec2.InstanceType(c.instanceType),
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(c.arm ? ecs.AmiHardwareType.ARM : ecs.AmiHardwareType.STANDARD),
    minCapacity: c.min,
    maxCapacity: c.max,
    requireImdsv2: true,
    blockDevices: c.rootVolume
      ? [{ deviceName: '/dev/xvda', volume: autoscaling.BlockDeviceVolume.ebs(c.rootVolume, { encrypted: true }) }]
      : undefined,
    groupMetrics: c.groupMetrics
      ? [new autoscaling.GroupMetrics(autoscaling.GroupMetric.IN_SERVICE_INSTANCES, autoscaling.GroupMetric.DESIRED_CAPACITY, autoscaling.GroupMetric.TOTAL_INSTANCES)]
      : undefined,
  });
  if (c.ssm) {
    asg.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'));
  }
  for (const [k, v] of Object.entries(c.tags || {})) {
    cdk.Tags.of(asg).add(k, v);
  }
  if (name === 'general') {
    asg.connections.allowFrom(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcpRange(32768, 65535), 'VPC traffic to dynamic ports');
  }
  asg.addUserData(...agentConfig.map((line) => `echo '${line}' >> /etc/ecs/ecs.config`), 'sysctl -w net.core.somaxconn=65535');
  const cp = new ecs.AsgCapacityProvider(clusterStack, `Cp-${name}`, {
    autoScalingGroup: asg,
    capacityProviderName: `${prefix}-${name}`,
    enableManagedScaling: true,
    targetCapacityPercent: c.target ?? 100,
    instanceWarmupPeriod: c.warmup,
    // Managed termination protection and ECS managed draining, as ecsgen (no drain-hook
    // Lambda function per group).
    enableManagedTerminationProtection: true,
    enableManagedDraining: true,
  });
  cluster.addAsgCapacityProvider(cp);
  providers[name] = cp;
}
cluster.addDefaultCapacityProviderStrategy([{ capacityProvider: providers.general.capacityProviderName, base: 1, weight: 1 }]);

const listeners = [];
for (let k = 0; k < loadBalancers && n > 0; k++) {
  const lb = new elbv2.ApplicationLoadBalancer(clusterStack, `lb-${k}`, { vpc, securityGroup, internetFacing: false });
  listeners.push(lb.addListener('http', {
    port: 80,
    open: false,
    defaultAction: elbv2.ListenerAction.fixedResponse(404),
  }));
}

// One stack per service.
for (let i = 0; i < n; i++) {
  const name = serviceName(i);
  const fargate = i % 5 === 2;
  const awsvpc = i % 4 === 3 && !fargate;
  const stack = new cdk.Stack(app, `Svc-${name}`, { env, stackName: `${prefix}-svc-${name}` });

  const logGroup = new logs.LogGroup(stack, 'Logs', {
    logGroupName: `/ecs/${prefix}/${name}`,
    retention: i % 6 === 5 ? logs.RetentionDays.THREE_MONTHS : logs.RetentionDays.ONE_MONTH,
    removalPolicy: cdk.RemovalPolicy.RETAIN,
  });
  const task = new ecs.TaskDefinition(stack, 'Task', {
    family: `${prefix}-${name}`,
    compatibility: fargate ? ecs.Compatibility.FARGATE : ecs.Compatibility.EC2,
    networkMode: fargate || awsvpc ? ecs.NetworkMode.AWS_VPC : ecs.NetworkMode.BRIDGE,
    cpu: String(256 * (1 + (i % 2))),
    memoryMiB: '1024',
  });
  task.addContainer('app', {
    image: ecs.ContainerImage.fromRegistry(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/bench/${name}:1.${i % 10}.0`),
    memoryLimitMiB: 768,
    memoryReservationMiB: 512,
    portMappings: [{ containerPort: 8080 }, { containerPort: 9100 }],
    environment: {
      SERVICE_NAME: name,
      PORT: '8080',
      LOG_LEVEL: 'info',
      QUEUE_URL: `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`,
      [`FEATURE_${String(i).padStart(4, '0')}`]: 'on',
    },
    secrets: {
      DB_PASSWORD: ecs.Secret.fromSsmParameter(ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'DbPassword', {
        parameterName: `/bench/perf/${name}/db-password`,
      })),
    },
    healthCheck: { command: ['CMD-SHELL', 'curl -fs http://localhost:8080/health || exit 1'] },
    command: ['serve', '--port', '8080'],
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: name, logGroup }),
  });
  if (i % 2 === 0) {
    task.addContainer('logs', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0'),
      essential: false,
      memoryReservationMiB: 64,
      cpu: 64,
      portMappings: [{ containerPort: 2020 }],
      environment: { FLB_LOG_LEVEL: 'warn' },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: name, logGroup }),
    });
  }
  task.addToTaskRolePolicy(new iam.PolicyStatement({
    sid: 'ReadConfig',
    actions: ['s3:GetObject', 's3:ListBucket'],
    resources: ['arn:aws:s3:::bench-perf-config', `arn:aws:s3:::bench-perf-config/${name}/*`],
  }));
  task.addToTaskRolePolicy(new iam.PolicyStatement({
    actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
    resources: [`arn:${cdk.Aws.PARTITION}:sqs:${cdk.Aws.REGION}:${cdk.Aws.ACCOUNT_ID}:${name}`],
  }));

  let strategy;
  if (fargate) {
    strategy = [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 2 }];
  } else if (i % 3 === 1) {
    strategy = [{ capacityProvider: providers.general.capacityProviderName, base: 1, weight: 1 }];
  } else if (i % 3 === 2) {
    strategy = [
      { capacityProvider: providers.general.capacityProviderName, base: 1, weight: 1 },
      { capacityProvider: providers.graviton.capacityProviderName, weight: 3 },
    ];
  }
  const common = {
    cluster,
    taskDefinition: task,
    serviceName: `${prefix}-${name}`,
    desiredCount: 1 + (i % 3),
    capacityProviderStrategies: strategy,
    minHealthyPercent: i % 5 === 4 ? 50 : 100,
    maxHealthyPercent: i % 5 === 4 ? 150 : 200,
    circuitBreaker: { rollback: true },
  };
  let service;
  if (fargate) {
    service = new ecs.FargateService(stack, 'Service', { ...common, securityGroups: [securityGroup] });
  } else {
    service = new ecs.Ec2Service(stack, 'Service', {
      ...common,
      securityGroups: awsvpc ? [securityGroup] : undefined,
      placementStrategies: [
        ecs.PlacementStrategy.spreadAcross(ecs.BuiltInAttributes.AVAILABILITY_ZONE),
        ecs.PlacementStrategy.packedByMemory(),
      ],
      placementConstraints: i % 3 === 0 ? [ecs.PlacementConstraint.memberOf('attribute:ecs.os-type == linux')] : undefined,
    });
  }

  if (behindLoadBalancer(i)) {
    const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Target', {
      vpc,
      port: 8080,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: fargate || awsvpc ? elbv2.TargetType.IP : elbv2.TargetType.INSTANCE,
      healthCheck: { path: '/health' },
      targets: [service.loadBalancerTarget({ containerName: 'app', containerPort: 8080 })],
    });
    new elbv2.ApplicationListenerRule(stack, 'Rule', {
      listener: listeners[loadBalancerOf(i)],
      priority: rulePriority(i),
      conditions: [elbv2.ListenerCondition.hostHeaders([`${name}.bench.example.com`])],
      targetGroups: [targetGroup],
    });
  }
  if (i % 3 === 0) {
    service.autoScaleTaskCount({ minCapacity: 1, maxCapacity: 10 })
      .scaleOnCpuUtilization('cpu', { targetUtilizationPercent: 60 });
  }
}

app.synth();
