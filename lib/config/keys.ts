/**
 * The config keys of this project: their names, defaults and the enumerations and bounds
 * the section readers check against.
 */
import type { Architecture, NatGateways, ThroughputMode } from "../settings";
import { DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS } from "../aws/controllerWaits";

export const PROJECT = "jenkins-ecs";

/**
 * The most agent tasks a stack may run at once: the sum of every template's `maxAgents` may
 * not exceed it, and the private subnets of a VPC we create must have an address for each.
 */
export const MAX_CONCURRENT_AGENTS = 2000;
/** The range of one template's `maxAgents` (and of the stack-level default). */
export const TEMPLATE_MAX_AGENTS = { min: 1, max: 1000 } as const;

export const ARCHITECTURES: readonly Architecture[] = ["X86_64", "ARM64"];
export const NAT_GATEWAY_MODES: readonly NatGateways[] = ["single", "onePerAz"];
export const THROUGHPUT_MODES: readonly ThroughputMode[] = ["elastic", "bursting"];

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Defaults for every key that has one; Pulumi.yaml declares the same values (tested). */
export const DEFAULTS = {
  jnlpPort: 50000,
  vpcCidr: "10.0.0.0/16",
  availabilityZones: 2,
  natGateways: "onePerAz" as NatGateways,
  controllerCpu: 1024,
  controllerMemory: 2048,
  adminUser: "admin",
  containerInsights: false,
  healthCheckGracePeriodSeconds: DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  fileSystemThroughputMode: "elastic" as ThroughputMode,
  jenkinsHomePath: "/jenkins-home",
  ecsExec: true,
  internalLoadBalancer: false,
  allowedCidrs: ["0.0.0.0/0"],
  logRetentionDays: 30,
  keepAccessLogs: true,
  deletionProtection: true,
  maxAgents: 10,
  agentIdleMinutes: 5,
  vpcEndpoints: false,
  agents: [{ label: "ecs", cpu: 1024, memory: 2048 }],
} as const;

/** Config keys of the network's create mode; they must not be mixed with adopt-mode keys. */
export const CREATE_KEYS = ["vpcCidr", "availabilityZones", "natGateways"] as const;
export const ADOPT_KEYS = ["vpcId", "publicSubnetIds", "privateSubnetIds"] as const;

/** Every key this project reads from its own namespace; anything else is a typo. */
export const KNOWN_KEYS: readonly string[] = [
  "certificateArn",
  "domainName",
  "hostedZoneId",
  "jnlpPort",
  "permissionsBoundary",
  ...CREATE_KEYS,
  ...ADOPT_KEYS,
  "controllerCpu",
  "controllerMemory",
  "controllerImage",
  "adminUser",
  "adminEmail",
  "sso",
  "containerInsights",
  "healthCheckGracePeriodSeconds",
  "fileSystemThroughputMode",
  "jenkinsHomePath",
  "existingFileSystemId",
  "ecsExec",
  "internalLoadBalancer",
  "allowedCidrs",
  "logRetentionDays",
  "keepAccessLogs",
  "deletionProtection",
  "discoveryNamespace",
  "agents",
  "maxAgents",
  "agentIdleMinutes",
  "agentTaskPolicyArns",
  "vpcEndpoints",
  "alarmEmail",
];

export const AGENT_FIELDS = ["label", "cpu", "memory", "image", "build", "spot", "architecture", "ephemeralStorageGiB", "maxAgents", "reuse", "permissions", "environment", "secrets", "cache", "kaniko"];
