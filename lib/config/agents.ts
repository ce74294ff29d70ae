/**
 * The agents section: the agent templates (label, size, image or build folder, Spot,
 * architecture, storage, limit, reuse), their stack-wide defaults, and what builds may do in AWS.
 */
import type { AgentTemplate, Architecture, Settings } from "../settings";
import type { PartitionName } from "../aws/partition";
import { EPHEMERAL_STORAGE_GIB, describeFargateSizes, isFargateSize } from "../aws/fargate";
import { AGENT_HOME, AGENT_IMAGES_DIR, BUILD_NAME_PATTERN, MIRROR_BUILD, buildFolderProblem } from "../jenkins/agentImages";
import { AGENT_FIELDS, ARCHITECTURES, DEFAULTS, MAX_CONCURRENT_AGENTS, TEMPLATE_MAX_AGENTS } from "./keys";
import { ConfigReader, quotedNumber, show, templateBoolean } from "./reader";
import { IMAGE_ALLOWED, isPinnedImage } from "./controller";
import { KANIKO_BUILD, KANIKO_QUEUE } from "../jenkins/kaniko";

const LABEL_PATTERN = /^[A-Za-z0-9_-]+$/;
/** `agents-<label>-exec` and Pulumi's 8-character suffix stay within IAM's 64 for a role name. */
const MAX_LABEL_LENGTH = 40;
const POLICY_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):iam::(aws|\d{12}):policy\/[\w+=,.@\/-]+$/;

export function readAgents(r: ConfigReader, region: string | undefined, partition: PartitionName): Settings["agents"] {
  const maxAgents = r.integer("maxAgents", DEFAULTS.maxAgents, TEMPLATE_MAX_AGENTS.min, TEMPLATE_MAX_AGENTS.max);
  const templates = readAgentTemplates(r, maxAgents, region, partition);
  const idleMinutes = r.integer("agentIdleMinutes", DEFAULTS.agentIdleMinutes, 1, 1440);
  if (r.has("agentTaskPolicyArns")) {
    r.problem(
      "agentTaskPolicyArns",
      r.text("agentTaskPolicyArns"),
      `it is retired: every template has its own task role now, and one without permissions gets no AWS permissions at all; move these ARNs to ${r.key("agents[<i>].permissions.policyArns")} of the templates whose builds need them`,
    );
  }
  return { templates, idleMinutes };
}

/** No permissions, no variables, no secrets: what a template gets unless it names them. */
const NOTHING = { permissions: { policyArns: [], ecrPush: [] }, environment: {}, secrets: {}, kaniko: false } as const;

function readAgentTemplates(r: ConfigReader, defaultMaxAgents: number, region: string | undefined, partition: PartitionName): AgentTemplate[] {
  if (!r.has("agents")) {
    return DEFAULTS.agents.map((t) => ({ ...t, build: MIRROR_BUILD, spot: false, architecture: "X86_64", maxAgents: defaultMaxAgents, reuse: false, ...NOTHING }));
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
    } else if (label.length > MAX_LABEL_LENGTH) {
      r.problem(at("label"), label, `at most ${MAX_LABEL_LENGTH} characters: it names the template's IAM roles, whose names AWS limits to 64 with Pulumi's suffix`);
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
      } else if (build === KANIKO_BUILD) {
        r.problem(at("build"), build, `${AGENT_IMAGES_DIR}/${KANIKO_BUILD} is the image of the kaniko container, not of an agent; set ${r.key(at("kaniko"))} to true to build images on this template`);
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
    const kaniko = templateBoolean(r, at("kaniko"), t.kaniko);
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
      permissions: readPermissions(r, at("permissions"), t.permissions, region, partition),
      environment: readEnvironment(r, at("environment"), t.environment),
      secrets: readSecrets(r, at("secrets"), t.secrets, partition),
      ...readCache(r, at("cache"), t.cache),
      kaniko,
    });
    if (kaniko && templates[templates.length - 1].permissions.ecrPush.length === 0) {
      r.warnings.push(`${r.key(at("kaniko"))} is true but ${r.key(at("permissions.ecrPush"))} names no repository: its builds can build images but push them to no ECR repository of the account.`);
    }
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

// The agent image's own variables (JENKINS_*: URL, secret, name, tunnel, work dir, Java options),
// those ECS sets in every task (ECS_*, AWS_*: metadata and the task role's credentials), and the
// shell's and the JVM's basics. A template may not set any of them.
// KANIKO_* and ECR_REGISTRY: what a kaniko template's agent gets (lib/jenkins/kaniko.ts).
const RESERVED_PREFIXES = ["JENKINS_", "ECS_", "AWS_", "KANIKO_"];
const RESERVED_NAMES = ["JAVA_OPTS", "JAVA_HOME", "REMOTING_OPTS", "PATH", "HOME", "USER", "ECR_REGISTRY"];
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const SECRET_ARN = /^(arn:(aws|aws-cn|aws-us-gov):secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6})(:[^:\s]*:[^:\s]*:[^:\s]*)?$/;
const REPOSITORY_NAME = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** Names and values that look like a credential: a warning, not an error (it may be a public id). */
const SECRET_LIKE_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const SECRET_LIKE_VALUE = /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_|xox[abprs]-|AKIA[0-9A-Z]{16}|npm_[A-Za-z0-9]{30,}|glpat-|-----BEGIN )/;

function mapping(r: ConfigReader, key: string, value: unknown, example: string): [string, unknown][] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    r.problem(key, value, `expected a mapping such as ${example}`);
    return [];
  }
  return Object.entries(value);
}

function variableName(r: ConfigReader, key: string, name: string): boolean {
  if (!VARIABLE_NAME.test(name)) {
    r.problem(`${key}.${name}`, name, "expected a variable name of letters, digits and \"_\", not starting with a digit");
    return false;
  }
  if (RESERVED_NAMES.includes(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p))) {
    r.problem(`${key}.${name}`, name, `the agent or ECS sets it (${RESERVED_PREFIXES.map((p) => `${p}*`).join(", ")}, ${RESERVED_NAMES.join(", ")}); choose another name`);
    return false;
  }
  return true;
}

function readEnvironment(r: ConfigReader, key: string, value: unknown): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, v] of mapping(r, key, value, '{"NODE_ENV": "ci"}')) {
    if (!variableName(r, key, name)) continue;
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      r.problem(`${key}.${name}`, v, "expected a string");
      continue;
    }
    environment[name] = String(v);
    if (SECRET_LIKE_NAME.test(name) || SECRET_LIKE_VALUE.test(String(v))) {
      r.warnings.push(`${r.key(`${key}.${name}`)} looks like a secret, and environment values are plain text in the task definition and the plan; put it in Secrets Manager and name it under ${r.key(key.replace(/environment$/, "secrets"))} instead.`);
    }
  }
  return environment;
}

function readSecrets(r: ConfigReader, key: string, value: unknown, partition: PartitionName): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [name, v] of mapping(r, key, value, '{"NPM_TOKEN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:npm-token-AbCdEf"}')) {
    if (!variableName(r, key, name)) continue;
    const match = typeof v === "string" ? SECRET_ARN.exec(v) : null;
    if (!match) {
      r.problem(`${key}.${name}`, v, `expected the full ARN of a Secrets Manager secret (with its 6-character suffix), or "<arn>:<json-key>::" for one key of a JSON secret, such as "arn:${partition}:secretsmanager:eu-west-1:123456789012:secret:npm-token-AbCdEf"`);
      continue;
    }
    if (match[2] !== partition) {
      r.problem(`${key}.${name}`, v, `the secret is in the ${match[2]} partition, but the stack is in ${partition}`);
      continue;
    }
    secrets[name] = String(v);
  }
  return secrets;
}

function readPermissions(r: ConfigReader, key: string, value: unknown, region: string | undefined, partition: PartitionName): AgentTemplate["permissions"] {
  const policyArns: string[] = [];
  const ecrPush: string[] = [];
  for (const [field, v] of mapping(r, key, value, '{"policyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"], "ecrPush": ["my-app"]}')) {
    const list = Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
    if (field === "policyArns") {
      if (!list) r.problem(`${key}.policyArns`, v, `expected a list of IAM policy ARNs such as ["arn:${partition}:iam::aws:policy/AmazonS3ReadOnlyAccess"]`);
      for (const arn of list ?? []) {
        const match = POLICY_ARN_PATTERN.exec(arn);
        if (!match) r.problem(`${key}.policyArns`, arn, `expected IAM policy ARNs such as "arn:${partition}:iam::aws:policy/AmazonS3ReadOnlyAccess"`);
        else if (match[1] !== partition) r.problem(`${key}.policyArns`, arn, `the policy is in the ${match[1]} partition, but ${region} is in ${partition}: expected "arn:${partition}:iam::..."`);
        else policyArns.push(arn);
      }
    } else if (field === "ecrPush") {
      if (!list) r.problem(`${key}.ecrPush`, v, 'expected a list of ECR repository names of the stack\'s account and region, such as ["my-app"]');
      for (const name of list ?? []) {
        if (REPOSITORY_NAME.test(name) && !/\.amazonaws\.com(\.cn)?\//.test(name)) ecrPush.push(name);
        else r.problem(`${key}.ecrPush`, name, 'expected an ECR repository name (lower-case letters, digits, ".", "_", "-" and "/"), such as "team/my-app", not a URI or an ARN');
      }
    } else {
      r.problem(`${key}.${field}`, v, "unknown field; permissions have policyArns and ecrPush");
    }
  }
  return { policyArns, ecrPush };
}

/** `cache: {path}`: a directory under the agent's home, where the agent user (uid 1000) writes. */
function readCache(r: ConfigReader, key: string, value: unknown): { cache?: { path: string } } {
  if (value === undefined) return {};
  const path = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>).path : undefined;
  const extra = typeof value === "object" && value !== null ? Object.keys(value).filter((k) => k !== "path") : [];
  const allowed = `expected {"path": "${AGENT_HOME}/<directory>"}, a directory under the agent's home ${AGENT_HOME} such as "${AGENT_HOME}/.m2" (the agent runs as its user; the workspace itself, ${AGENT_HOME}/workspace, and kaniko's queue ${KANIKO_QUEUE} are not caches)`;
  if (
    typeof path !== "string" ||
    extra.length > 0 ||
    !/^(\/[A-Za-z0-9._-]+)+$/.test(path) ||
    path.split("/").some((part) => part === ".." || part === ".") ||
    !path.startsWith(`${AGENT_HOME}/`) ||
    path === `${AGENT_HOME}/workspace` ||
    path.startsWith(`${AGENT_HOME}/workspace/`) ||
    path === KANIKO_QUEUE ||
    path.startsWith(`${KANIKO_QUEUE}/`)
  ) {
    r.problem(key, value, allowed);
    return {};
  }
  return { cache: { path } };
}
