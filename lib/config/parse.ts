/**
 * Stack configuration: every key users may set, read once and validated into one typed
 * {@link Settings} object. Components never read config themselves.
 *
 * Validation collects every problem before failing, so a user fixes a stack file in one go;
 * each problem names the key, the bad value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { isFargateSize, describeFargateSizes, EPHEMERAL_STORAGE_GIB } from "../aws/fargate";
import { layoutSubnets, parseCidr } from "../aws/cidr";
import { defaultNamespace } from "../aws/naming";
import { PartitionName, SUPPORTED_PARTITIONS, partitionOf } from "../aws/partition";
import { JENKINS_HTTP_PORT, TASK_DEFINITION_MAX_BYTES } from "../aws/controllerTask";
import { controllerTaskDefinitionBytesAtMost } from "../preflight";
import { AGENT_IMAGES_DIR, BUILD_NAME_PATTERN, MIRROR_BUILD, buildFolderProblem } from "../jenkins/agentImages";

export const PROJECT = "jenkins-ecs";


/**
 * The most agent tasks a stack may run at once: the sum of every template's `maxAgents` may
 * not exceed it, and the private subnets of a VPC we create must have an address for each.
 */
export const MAX_CONCURRENT_AGENTS = 2000;
/** The range of one template's `maxAgents` (and of the stack-level default). */
export const TEMPLATE_MAX_AGENTS = { min: 1, max: 1000 } as const;

export type Architecture = "X86_64" | "ARM64";
export const ARCHITECTURES: readonly Architecture[] = ["X86_64", "ARM64"];

export type NatGateways = "single" | "onePerAz";
export const NAT_GATEWAY_MODES: readonly NatGateways[] = ["single", "onePerAz"];

export type ThroughputMode = "elastic" | "bursting";
export const THROUGHPUT_MODES: readonly ThroughputMode[] = ["elastic", "bursting"];

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** One kind of build agent: a Jenkins label backed by a Fargate task size. */
export interface AgentTemplate {
  /** Jenkins label jobs ask for (`agent { label '...' }`). */
  readonly label: string;
  /** Fargate CPU units (1024 = 1 vCPU). */
  readonly cpu: number;
  /** Fargate memory in MiB, valid for `cpu`. */
  readonly memory: number;
  /** A prebuilt, pinned image from any registry; when set, nothing is built for the template. */
  readonly image?: string;
  /**
   * The folder of `agent-images/` built into the stack's ECR for this template (undefined
   * exactly when `image` is set); `inbound-agent`, the mirror of the pinned inbound agent, by default.
   */
  readonly build?: string;
  /** Run on Fargate Spot: up to 70 % cheaper, but AWS may stop the build with 2 minutes' notice. */
  readonly spot: boolean;
  readonly architecture: Architecture;
  /** Ephemeral storage in GiB; undefined means Fargate's default 20 GiB. */
  readonly ephemeralStorageGiB?: number;
  /** Most tasks of this template running at once (the plugin's per-label `maxAgents`). */
  readonly maxAgents: number;
  /**
   * Keep an idle agent `agentIdleMinutes` for the next build of this label (warm, but it keeps
   * the previous build's workspace and processes); false means one build per task.
   */
  readonly reuse: boolean;
}

export type NetworkSettings =
  | {
      readonly mode: "create";
      readonly cidr: string;
      readonly availabilityZones: number;
      readonly natGateways: NatGateways;
    }
  | {
      readonly mode: "adopt";
      readonly vpcId: string;
      readonly publicSubnetIds: string[];
      readonly privateSubnetIds: string[];
    };

/** Everything the program needs from stack config, validated. */
export interface Settings {
  readonly project: string;
  readonly stack: string;
  readonly region: string;
  /** The region's partition; every ARN the program builds starts with `arn:<partition>:`. */
  readonly partition: PartitionName;
  /** ACM certificate for the HTTPS listener; undefined when one is issued for `domainName`. */
  readonly certificateArn?: string;
  /** The name users type; Jenkins' URL is `https://<domainName>/` when it is set. */
  readonly domainName?: string;
  /** Route 53 zone of `domainName`: the alias record (and, without a certificate, its validation) goes here. */
  readonly hostedZoneId?: string;
  /** The one port agents use for the inbound (JNLP) TCP connection. */
  readonly jnlpPort: number;
  readonly network: NetworkSettings;
  readonly controller: {
    readonly cpu: number;
    readonly memory: number;
    /** Prebuilt controller image; undefined means build `controller-image/` into ECR. */
    readonly image?: string;
    readonly adminUser: string;
    /** Sender address of Jenkins' e-mails (JCasC location adminAddress). */
    readonly adminEmail?: string;
    readonly healthCheckGracePeriodSeconds: number;
    readonly fileSystemThroughputMode: ThroughputMode;
    /** Directory of the file system the access point exposes as JENKINS_HOME. */
    readonly jenkinsHomePath: string;
    /** A retained JENKINS_HOME file system to adopt (after `pulumi destroy`); undefined: create one. */
    readonly existingFileSystemId?: string;
    /** ECS Exec into the controller, sessions logged. */
    readonly ecsExec: boolean;
  };
  readonly loadBalancer: {
    /** Internal ALB in the private subnets instead of an internet-facing one. */
    readonly internal: boolean;
    /** IPv4 ranges that may reach the load balancer on 80/443 (it is IPv4-only). */
    readonly allowedCidrs: readonly string[];
    /** Keep the access-log bucket, logs and all, when the stack is destroyed. */
    readonly keepAccessLogs: boolean;
  };
  /**
   * CloudWatch Container Insights on both clusters: the controller's service metrics, and
   * per-template (task-definition family) CPU and memory of the agents, which sizing reads.
   */
  readonly containerInsights: boolean;
  /** Days CloudWatch keeps controller and agent logs. */
  readonly logRetentionDays: number;
  /**
   * Refuse to delete what holds data or serves users: the file system (Pulumi `protect`) and
   * the load balancer (AWS deletion protection). JENKINS_HOME is retained on destroy regardless.
   */
  readonly deletionProtection: boolean;
  readonly agents: {
    readonly templates: readonly AgentTemplate[];
    /** Minutes an idle agent of a `reuse` template waits for the next build before its task is stopped. */
    readonly idleMinutes: number;
    /** Managed policies attached to the agents' task role (what builds may do in AWS). */
    readonly taskPolicyArns: readonly string[];
  };
  /** Cloud Map private DNS namespace; agents reach the controller at `jenkins.<namespace>`. */
  readonly discoveryNamespace: string;
  /** Interface endpoints (ECR, Logs, Secrets Manager, ECS) in the private subnets. */
  readonly vpcEndpoints: boolean;
  /** Address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
}

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
  healthCheckGracePeriodSeconds: 300,
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
const CREATE_KEYS = ["vpcCidr", "availabilityZones", "natGateways"] as const;
const ADOPT_KEYS = ["vpcId", "publicSubnetIds", "privateSubnetIds"] as const;

/** Every key this project reads from its own namespace; anything else is a typo. */
export const KNOWN_KEYS: readonly string[] = [
  "certificateArn",
  "domainName",
  "hostedZoneId",
  "jnlpPort",
  ...CREATE_KEYS,
  ...ADOPT_KEYS,
  "controllerCpu",
  "controllerMemory",
  "controllerImage",
  "adminUser",
  "adminEmail",
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

const AGENT_FIELDS = ["label", "cpu", "memory", "image", "build", "spot", "architecture", "ephemeralStorageGiB", "maxAgents", "reuse"];

/**
 * Raised when stack config is invalid; `problems` holds one line per problem. A RunError, so
 * the Pulumi CLI prints the message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly stack: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Raw config as the Pulumi engine hands it over: full keys (`ns:key`) to string values. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

const show = (value: unknown): string => JSON.stringify(value);

/** Reads typed values from raw config, collecting problems instead of throwing. */
class ConfigReader {
  readonly problems: string[] = [];

  constructor(private readonly raw: RawConfig) {}

  /** Full key for a project key (`jnlpPort` → `jenkins-ecs:jnlpPort`); namespaced keys pass through. */
  key(name: string): string {
    return name.includes(":") ? name : `${PROJECT}:${name}`;
  }

  has(name: string): boolean {
    return this.text(name) !== undefined;
  }

  text(name: string): string | undefined {
    const value = this.raw[this.key(name)];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  problem(name: string, value: unknown, allowed: string): void {
    this.problems.push(`${this.key(name)}: ${show(value)} is not allowed; ${allowed}.`);
  }

  missing(name: string, allowed: string): void {
    this.problems.push(`${this.key(name)}: is required; ${allowed}.`);
  }

  string(name: string, test: (v: string) => boolean, allowed: string): string | undefined {
    const value = this.text(name);
    if (value !== undefined && !test(value)) {
      this.problem(name, value, allowed);
      return undefined;
    }
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number, extra?: (n: number) => string | undefined): number {
    const value = this.text(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    const allowed = `expected a whole number from ${min} to ${max}`;
    if (!/^-?\d+$/.test(value) || n < min || n > max) {
      this.problem(name, value, allowed);
      return fallback;
    }
    const reason = extra?.(n);
    if (reason) {
      this.problem(name, value, reason);
      return fallback;
    }
    return n;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if (value !== "true" && value !== "false") {
      this.problem(name, value, "expected true or false");
      return fallback;
    }
    return value === "true";
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      this.problem(name, value, `expected one of ${allowed.map(show).join(", ")}`);
      return fallback;
    }
    return value as T;
  }

  /** A list given as a YAML/JSON list in the stack file, or as `a,b,c` on the command line. */
  list(name: string): string[] | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (value.startsWith("[")) {
      const parsed = this.json(name);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) {
        return parsed.map((item) => item.trim());
      }
      this.problem(name, value, "expected a list of strings");
      return undefined;
    }
    return value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  }

  json(name: string): unknown {
    const value = this.text(name)!;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
}

const REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d+$/;
const CERTIFICATE_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/;
const VPC_ID_PATTERN = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID_PATTERN = /^subnet-[0-9a-f]{8,17}$/;
const LABEL_PATTERN = /^[A-Za-z0-9_-]+$/;
const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOSTED_ZONE_PATTERN = /^Z[A-Z0-9]{1,31}$/;
const POLICY_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):iam::(aws|\d{12}):policy\/[\w+=,.@\/-]+$/;
const EMAIL_PATTERN = /^[^\s@<>"'${}]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const JENKINS_USER_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
// registry/name, then a tag or a digest: `name:tag`, `name@sha256:<64 hex>`.
const PINNED_IMAGE_PATTERN = /^[a-z0-9]+([._\/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$/;
const IMAGE_ALLOWED = "expected a pinned image reference, with a version tag other than \"latest\" or a digest, such as \"jenkins/inbound-agent:3386.v353e57a_1b_ea_0-3-jdk21\"";

/** Whether an image reference names a fixed version: a digest, or a tag that is not `latest`. */
export function isPinnedImage(image: string): boolean {
  return PINNED_IMAGE_PATTERN.test(image) && !/:latest$/.test(image) && /[:@][^/]+$/.test(image);
}


function readNetwork(r: ConfigReader): NetworkSettings {
  const createGiven = CREATE_KEYS.filter((k) => r.has(k));
  const adoptGiven = ADOPT_KEYS.filter((k) => r.has(k));

  if (adoptGiven.length > 0) {
    for (const k of createGiven) {
      r.problem(
        k,
        r.text(k),
        `it cannot be combined with ${adoptGiven.map((a) => r.key(a)).join(", ")}: either create a VPC (${CREATE_KEYS.join(", ")}) or adopt an existing one (${ADOPT_KEYS.join(", ")}), not both`,
      );
    }
    for (const k of ADOPT_KEYS.filter((k) => !adoptGiven.includes(k))) {
      r.missing(k, `adopting an existing VPC needs ${ADOPT_KEYS.map((a) => r.key(a)).join(", ")} together`);
    }
    const vpcId = r.string("vpcId", (v) => VPC_ID_PATTERN.test(v), "expected a VPC id such as \"vpc-0123456789abcdef0\"") ?? "";
    const subnets = (k: "publicSubnetIds" | "privateSubnetIds"): string[] => {
      const ids = r.list(k);
      if (ids === undefined) return [];
      const allowed = "expected at least two subnet ids (one per availability zone) such as [\"subnet-0123456789abcdef0\", \"subnet-0fedcba9876543210\"]";
      if (ids.length < 2 || ids.some((id) => !SUBNET_ID_PATTERN.test(id)) || new Set(ids).size !== ids.length) {
        r.problem(k, ids, allowed);
      }
      return ids;
    };
    const publicSubnetIds = subnets("publicSubnetIds");
    const privateSubnetIds = subnets("privateSubnetIds");
    const shared = publicSubnetIds.filter((id) => privateSubnetIds.includes(id));
    if (shared.length > 0) {
      r.problem("privateSubnetIds", privateSubnetIds, `expected subnets distinct from jenkins-ecs:publicSubnetIds (both list ${shared.join(", ")})`);
    }
    return { mode: "adopt", vpcId, publicSubnetIds, privateSubnetIds };
  }

  const availabilityZones = r.integer("availabilityZones", DEFAULTS.availabilityZones, 2, 3);
  const natGateways = r.oneOf("natGateways", DEFAULTS.natGateways, NAT_GATEWAY_MODES);
  const cidrText = r.text("vpcCidr") ?? DEFAULTS.vpcCidr;
  const cidr = parseCidr(cidrText);
  if (!cidr || cidr.prefix < 16 || cidr.prefix > 28) {
    r.problem("vpcCidr", cidrText, "expected an IPv4 network address with a prefix from /16 to /28 (AWS's VPC limits), such as \"10.0.0.0/16\"");
  } else {
    const capacity = layoutSubnets(cidr, availabilityZones).privateCapacity;
    if (capacity < MAX_CONCURRENT_AGENTS) {
      r.problem(
        "vpcCidr",
        cidrText,
        `its private subnets would hold ${capacity} tasks in ${availabilityZones} AZs, fewer than the ${MAX_CONCURRENT_AGENTS} concurrent agents this stack is sized for; use a prefix of /19 or shorter, such as "10.0.0.0/16"`,
      );
    }
  }
  return { mode: "create", cidr: cidrText, availabilityZones, natGateways };
}

/**
 * Every key of our namespace must be known, and none of ours may hide under another namespace:
 * the CLI passes such keys through unchecked (a stack key Pulumi.yaml does not declare is never
 * validated), and the program would silently use the default instead. Other namespaces
 * (`aws:`, `pulumi:`, ...) belong to their providers and pass.
 */
function checkNamespaces(r: ConfigReader, fullKeys: readonly string[]): void {
  const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
  for (const fullKey of fullKeys) {
    const [namespace, name] = fullKey.split(":", 2);
    if (name === undefined) continue;
    const known = KNOWN_KEYS.find((k) => k.toLowerCase() === name.toLowerCase());
    if (namespace === PROJECT) {
      if (!KNOWN_KEYS.includes(name)) {
        const hint = known ? `did you mean ${PROJECT}:${known}? ` : "";
        r.problems.push(`${fullKey}: unknown key; ${hint}known keys are ${KNOWN_KEYS.join(", ")}.`);
      }
    } else if (known || squash(namespace).startsWith(squash(PROJECT))) {
      const spelling = known ? `${PROJECT}:${known}` : `${PROJECT}:<key> with one of ${KNOWN_KEYS.join(", ")}`;
      r.problems.push(`${fullKey}: "${namespace}" is not this project's namespace, so the program would never read this value; write it as ${spelling}.`);
    }
  }
}

/**
 * The three ways to name Jenkins: your certificate and your DNS (`domainName` +
 * `certificateArn`), your certificate and a Route 53 alias (`+ hostedZoneId`), or an issued
 * certificate and the alias (`domainName` + `hostedZoneId`). Without `domainName`, the load
 * balancer's own name and a certificate of yours. A given certificate is always the one used.
 */
function readDns(r: ConfigReader, region: string | undefined, partition: PartitionName) {
  const domainName = r.string("domainName", (v) => DOMAIN_PATTERN.test(v), "expected a lower-case DNS name such as \"jenkins.example.com\"");
  const hostedZoneId = r.string("hostedZoneId", (v) => HOSTED_ZONE_PATTERN.test(v), "expected a Route 53 hosted zone id such as \"Z0123456789ABCDEFGHIJ\"");
  if (r.has("hostedZoneId") && !r.has("domainName")) {
    r.missing("domainName", `${r.key("hostedZoneId")} is set, and its alias record needs the name users type, such as "jenkins.example.com"`);
  }
  const certificateArn = r.text("certificateArn");
  if (certificateArn === undefined) {
    if (!r.has("domainName")) {
      r.missing(
        "certificateArn",
        `the HTTPS listener needs an ACM certificate ARN in ${region ?? "the stack's region"}, or set ${r.key("domainName")} and ${r.key("hostedZoneId")} to have one issued`,
      );
    } else if (!r.has("hostedZoneId")) {
      r.missing(
        "certificateArn",
        `${r.key("domainName")} is set without ${r.key("hostedZoneId")}, so its DNS is yours: give the ARN of a certificate of yours for that name, or set ${r.key("hostedZoneId")} to have one issued`,
      );
    }
  } else {
    const match = CERTIFICATE_ARN_PATTERN.exec(certificateArn);
    if (!match) {
      r.problem("certificateArn", certificateArn, `expected an ACM certificate ARN such as "arn:${partition}:acm:${region ?? "eu-west-1"}:123456789012:certificate/<uuid>"`);
    } else if (region !== undefined && (match[2] !== region || match[1] !== partition)) {
      r.problem("certificateArn", certificateArn, `the certificate is in ${match[2]}, but a load balancer in ${region} can only use a certificate from ${region}`);
    }
  }
  return { certificateArn, domainName, hostedZoneId };
}

/** A number written in quotes (`cpu: "1024"`) is a string to YAML and to the CLI: say so. */
function quotedNumber(r: ConfigReader, key: string, value: unknown): boolean {
  if (typeof value !== "string" || !/^\s*-?\d+(\.\d+)?\s*$/.test(value)) return false;
  r.problem(key, value, `expected a number, not a string: write ${value.trim()} without quotes`);
  return true;
}

/** A true/false field of a template; a quoted "true" gets its own message. */
function templateBoolean(r: ConfigReader, key: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    r.problem(key, value, value === "true" || value === "false" ? `expected true or false, not a string: write ${value} without quotes` : "expected true or false");
  }
  return value === true;
}

function readAgentTemplates(r: ConfigReader, defaultMaxAgents: number): AgentTemplate[] {
  if (!r.has("agents")) {
    return DEFAULTS.agents.map((t) => ({ ...t, build: MIRROR_BUILD, spot: false, architecture: "X86_64", maxAgents: defaultMaxAgents, reuse: false }));
  }
  const parsed = r.json("agents");
  const listAllowed = "expected a list of agent templates such as [{\"label\": \"ecs\", \"cpu\": 1024, \"memory\": 2048}]";
  if (!Array.isArray(parsed) || parsed.length === 0) {
    r.problem("agents", parsed, listAllowed);
    return [];
  }
  const templates: AgentTemplate[] = [];
  parsed.forEach((item: unknown, i: number) => {
    const at = (field: string) => `agents[${i}].${field}`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      r.problem(`agents[${i}]`, item, listAllowed);
      return;
    }
    const t = item as Record<string, unknown>;
    for (const field of Object.keys(t).filter((f) => !AGENT_FIELDS.includes(f))) {
      r.problem(at(field), t[field], `unknown field; a template has ${AGENT_FIELDS.join(", ")}`);
    }
    const label = t.label;
    if (typeof label !== "string" || !LABEL_PATTERN.test(label)) {
      r.problem(at("label"), label, "expected a label made of letters, digits, \"-\" and \"_\"");
    }
    const cpu = t.cpu ?? 1024;
    const memory = t.memory ?? 2048;
    const quoted = [quotedNumber(r, at("cpu"), cpu), quotedNumber(r, at("memory"), memory)].some(Boolean);
    if (!quoted && (typeof cpu !== "number" || typeof memory !== "number" || !isFargateSize(cpu, memory))) {
      r.problem(at("cpu"), { cpu, memory }, `not a Fargate task size: ${describeFargateSizes(Number(cpu))}`);
    }
    const architecture = t.architecture ?? "X86_64";
    if (!ARCHITECTURES.includes(architecture as Architecture)) {
      r.problem(at("architecture"), architecture, `expected one of ${ARCHITECTURES.map(show).join(", ")}`);
    }
    const spot = templateBoolean(r, at("spot"), t.spot);
    const reuse = templateBoolean(r, at("reuse"), t.reuse);
    const maxAgents = t.maxAgents ?? defaultMaxAgents;
    const { min, max } = TEMPLATE_MAX_AGENTS;
    if (!quotedNumber(r, at("maxAgents"), maxAgents) && (typeof maxAgents !== "number" || !Number.isInteger(maxAgents) || maxAgents < min || maxAgents > max)) {
      r.problem(at("maxAgents"), maxAgents, `expected a whole number from ${min} to ${max}: the most tasks of this template running at once`);
    }
    const image = t.image;
    if (image !== undefined && (typeof image !== "string" || !isPinnedImage(image))) {
      r.problem(at("image"), image, IMAGE_ALLOWED);
    }
    const build = t.build;
    if (build !== undefined) {
      if (image !== undefined) {
        r.problem(at("build"), build, `a template runs either a prebuilt image (${r.key(at("image"))}) or one built from ${AGENT_IMAGES_DIR}/<build>, not both; remove one`);
      } else if (typeof build !== "string" || !BUILD_NAME_PATTERN.test(build)) {
        r.problem(at("build"), build, `expected the name of a folder of ${AGENT_IMAGES_DIR}/ (lower-case letters, digits, "-" and "_"), such as "node"`);
      } else {
        const missing = buildFolderProblem(build);
        if (missing) r.problem(at("build"), build, `${missing}; a build needs ${AGENT_IMAGES_DIR}/${build}/Dockerfile`);
      }
    }
    const storage = t.ephemeralStorageGiB;
    if (
      storage !== undefined &&
      !quotedNumber(r, at("ephemeralStorageGiB"), storage) &&
      (typeof storage !== "number" || !Number.isInteger(storage) || storage < EPHEMERAL_STORAGE_GIB.min || storage > EPHEMERAL_STORAGE_GIB.max)
    ) {
      r.problem(at("ephemeralStorageGiB"), storage, `expected a whole number of GiB from ${EPHEMERAL_STORAGE_GIB.min} to ${EPHEMERAL_STORAGE_GIB.max}`);
    }
    templates.push({
      label: String(label),
      cpu: Number(cpu),
      memory: Number(memory),
      image: typeof image === "string" ? image : undefined,
      build: image !== undefined ? undefined : typeof build === "string" ? build : MIRROR_BUILD,
      spot,
      architecture: architecture as Architecture,
      ephemeralStorageGiB: typeof storage === "number" ? storage : undefined,
      maxAgents: Number(maxAgents),
      reuse,
    });
  });
  const total = templates.reduce((sum, t) => sum + t.maxAgents, 0);
  if (total > MAX_CONCURRENT_AGENTS) {
    r.problem(
      "agents",
      `${templates.map((t) => `${t.label}: ${t.maxAgents}`).join(", ")} (total ${total})`,
      `the templates' maxAgents add up to ${total}, more than the ${MAX_CONCURRENT_AGENTS} agent tasks a stack may run at once; lower maxAgents of some templates (or ${r.key("maxAgents")}, their default)`,
    );
  }
  const seen = new Set<string>();
  templates.forEach((t, i) => {
    if (seen.has(t.label)) r.problem(`agents[${i}].label`, t.label, "labels must be unique across jenkins-ecs:agents");
    seen.add(t.label);
  });
  return templates;
}

/**
 * Validates raw stack config into {@link Settings}.
 * @throws ConfigError listing every problem found.
 */
export function parseSettings(raw: RawConfig, stack: string): Settings {
  const r = new ConfigReader(raw);

  checkNamespaces(r, Object.keys(raw));

  const region = r.string("aws:region", (v) => REGION_PATTERN.test(v), "expected an AWS region such as \"eu-west-1\"");
  if (!r.has("aws:region")) {
    r.missing("aws:region", "set it with `pulumi config set aws:region eu-west-1` (any AWS region)");
  }
  const partition = partitionOf(region ?? "");
  if (region !== undefined && !SUPPORTED_PARTITIONS.includes(partition)) {
    r.problem(
      "aws:region",
      region,
      `${region} is in the ${partition} partition, which this stack does not support: its endpoint services (cn.com.amazonaws.<region>.*) and registry names (amazonaws.com.cn) differ and have not been checked; use a region of the ${SUPPORTED_PARTITIONS.join(" or ")} partition`,
    );
  }

  const { certificateArn, domainName, hostedZoneId } = readDns(r, region, partition);

  const jnlpPort = r.integer("jnlpPort", DEFAULTS.jnlpPort, 1024, 65535, (n) =>
    n === JENKINS_HTTP_PORT ? `${JENKINS_HTTP_PORT} is the controller's HTTP port; choose another port from 1024 to 65535` : undefined,
  );

  const network = readNetwork(r);

  const controllerCpu = r.integer("controllerCpu", DEFAULTS.controllerCpu, 256, 16384);
  const controllerMemory = r.integer("controllerMemory", DEFAULTS.controllerMemory, 512, 122880);
  if (!isFargateSize(controllerCpu, controllerMemory)) {
    r.problem("controllerMemory", controllerMemory, `not a Fargate task size: ${describeFargateSizes(controllerCpu)} (jenkins-ecs:controllerCpu is ${controllerCpu})`);
  }

  const controllerImage = r.string("controllerImage", isPinnedImage, IMAGE_ALLOWED);
  const adminUser = r.string("adminUser", (v) => JENKINS_USER_PATTERN.test(v), "expected a Jenkins user id made of letters, digits, \".\", \"-\" and \"_\"") ?? DEFAULTS.adminUser;
  const adminEmail = r.string("adminEmail", (v) => EMAIL_PATTERN.test(v), "expected an e-mail address such as \"jenkins@example.com\"");
  const containerInsights = r.boolean("containerInsights", DEFAULTS.containerInsights);
  const healthCheckGracePeriodSeconds = r.integer("healthCheckGracePeriodSeconds", DEFAULTS.healthCheckGracePeriodSeconds, 0, 7200);
  const fileSystemThroughputMode = r.oneOf("fileSystemThroughputMode", DEFAULTS.fileSystemThroughputMode, THROUGHPUT_MODES);
  const existingFileSystemId = r.string("existingFileSystemId", (v) => /^fs-[0-9a-f]{8,17}$/.test(v), 'expected the id of an EFS file system, such as "fs-0123456789abcdef0"');
  if (existingFileSystemId && r.has("fileSystemThroughputMode")) {
    r.problem(
      "fileSystemThroughputMode",
      r.text("fileSystemThroughputMode"),
      `it applies to a file system this stack creates; with ${r.key("existingFileSystemId")} the adopted file system keeps its own (change it with aws efs update-file-system); remove one of the two`,
    );
  }
  const ecsExec = r.boolean("ecsExec", DEFAULTS.ecsExec);
  const jenkinsHomePath =
    r.string(
      "jenkinsHomePath",
      (v) => /^(\/[A-Za-z0-9._:-]+)+$/.test(v) && !v.split("/").includes(".."),
      "expected an absolute directory of the file system such as \"/jenkins-home\" (letters, digits, \".\", \"_\", \":\", \"-\"; no trailing slash)",
    ) ?? DEFAULTS.jenkinsHomePath;
  const internal = r.boolean("internalLoadBalancer", DEFAULTS.internalLoadBalancer);
  const allowedCidrs = r.list("allowedCidrs") ?? [...DEFAULTS.allowedCidrs];
  if (allowedCidrs.length === 0) r.problem("allowedCidrs", allowedCidrs, "expected a non-empty list of IPv4 network CIDRs such as [\"203.0.113.0/24\"]");
  for (const cidr of allowedCidrs.filter((c) => !parseCidr(c))) {
    r.problem(
      "allowedCidrs",
      cidr,
      cidr.includes(":")
        ? "the load balancer is IPv4-only, so an IPv6 range would admit nobody; list IPv4 network CIDRs such as \"203.0.113.0/24\""
        : "expected an IPv4 network CIDR such as \"203.0.113.0/24\" (a network address: no host bits set)",
    );
  }
  const logRetentionDays = r.integer("logRetentionDays", DEFAULTS.logRetentionDays, 1, 3653, (n) =>
    LOG_RETENTION_DAYS.includes(n) ? undefined : `CloudWatch Logs keeps logs for one of ${LOG_RETENTION_DAYS.join(", ")} days`,
  );
  const deletionProtection = r.boolean("deletionProtection", DEFAULTS.deletionProtection);
  const keepAccessLogs = r.boolean("keepAccessLogs", DEFAULTS.keepAccessLogs);

  const maxAgents = r.integer("maxAgents", DEFAULTS.maxAgents, TEMPLATE_MAX_AGENTS.min, TEMPLATE_MAX_AGENTS.max);
  const templates = readAgentTemplates(r, maxAgents);
  const idleMinutes = r.integer("agentIdleMinutes", DEFAULTS.agentIdleMinutes, 1, 1440);
  const taskPolicyArns = r.list("agentTaskPolicyArns") ?? [];
  for (const arn of taskPolicyArns) {
    const match = POLICY_ARN_PATTERN.exec(arn);
    if (!match) r.problem("agentTaskPolicyArns", arn, `expected IAM policy ARNs such as "arn:${partition}:iam::aws:policy/AmazonS3ReadOnlyAccess"`);
    else if (match[1] !== partition) r.problem("agentTaskPolicyArns", arn, `the policy is in the ${match[1]} partition, but ${region} is in ${partition}: expected "arn:${partition}:iam::..."`);
  }
  const vpcEndpoints = r.boolean("vpcEndpoints", DEFAULTS.vpcEndpoints);
  const alarmEmail = r.string("alarmEmail", (v) => EMAIL_PATTERN.test(v), "expected an e-mail address such as \"oncall@example.com\"");
  // Unique per stack, so two stacks in one VPC (or account) never share a name.
  const discoveryNamespace =
    r.string("discoveryNamespace", (v) => DOMAIN_PATTERN.test(v), "expected a lower-case DNS name such as \"jenkins-dev.internal\"") ??
    defaultNamespace(PROJECT, stack);

  if (r.problems.length > 0) throw new ConfigError(stack, r.problems);

  const settings: Settings = {
    project: PROJECT,
    stack,
    region: region!,
    partition,
    certificateArn,
    domainName,
    hostedZoneId,
    jnlpPort,
    network,
    controller: {
      cpu: controllerCpu,
      memory: controllerMemory,
      image: controllerImage,
      adminUser,
      adminEmail,
      healthCheckGracePeriodSeconds,
      fileSystemThroughputMode,
      jenkinsHomePath,
      existingFileSystemId,
      ecsExec,
    },
    loadBalancer: { internal, allowedCidrs, keepAccessLogs },
    containerInsights,
    logRetentionDays,
    deletionProtection,
    agents: { templates, idleMinutes, taskPolicyArns },
    discoveryNamespace,
    vpcEndpoints,
    alarmEmail,
  };
  // The JCasC document grows with every template and travels in the controller's task definition.
  const bytes = controllerTaskDefinitionBytesAtMost(settings);
  if (bytes > TASK_DEFINITION_MAX_BYTES) {
    throw new ConfigError(stack, [
      `${r.key("agents")}: ${templates.length} templates would make the controller's task definition up to ${bytes} bytes, over the ${TASK_DEFINITION_MAX_BYTES} bytes (64 KiB) ECS accepts; use fewer templates.`,
    ]);
  }
  return settings;
}

/** Reads and validates the current stack's config, as handed over by the Pulumi engine. */
export function loadSettings(): Settings {
  return parseSettings(pulumi.runtime.allConfig(), pulumi.getStack());
}
