/**
 * The agents section: the agent templates (label, size, image or build folder, Spot,
 * architecture, storage, limit, reuse), their stack-wide defaults, and what builds may do in AWS.
 */
import type { AgentTemplate, Architecture, Settings } from "../settings";
import type { PartitionName } from "../aws/partition";
import { EPHEMERAL_STORAGE_GIB, describeFargateSizes, isFargateSize } from "../aws/fargate";
import { AGENT_IMAGES_DIR, BUILD_NAME_PATTERN, MIRROR_BUILD, buildFolderProblem } from "../jenkins/agentImages";
import { AGENT_FIELDS, ARCHITECTURES, DEFAULTS, MAX_CONCURRENT_AGENTS, TEMPLATE_MAX_AGENTS } from "./keys";
import { ConfigReader, quotedNumber, show, templateBoolean } from "./reader";
import { IMAGE_ALLOWED, isPinnedImage } from "./controller";

const LABEL_PATTERN = /^[A-Za-z0-9_-]+$/;
const POLICY_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):iam::(aws|\d{12}):policy\/[\w+=,.@\/-]+$/;

export function readAgents(r: ConfigReader, region: string | undefined, partition: PartitionName): Settings["agents"] {
  const maxAgents = r.integer("maxAgents", DEFAULTS.maxAgents, TEMPLATE_MAX_AGENTS.min, TEMPLATE_MAX_AGENTS.max);
  const templates = readAgentTemplates(r, maxAgents);
  const idleMinutes = r.integer("agentIdleMinutes", DEFAULTS.agentIdleMinutes, 1, 1440);
  const taskPolicyArns = r.list("agentTaskPolicyArns") ?? [];
  for (const arn of taskPolicyArns) {
    const match = POLICY_ARN_PATTERN.exec(arn);
    if (!match) r.problem("agentTaskPolicyArns", arn, `expected IAM policy ARNs such as "arn:${partition}:iam::aws:policy/AmazonS3ReadOnlyAccess"`);
    else if (match[1] !== partition) r.problem("agentTaskPolicyArns", arn, `the policy is in the ${match[1]} partition, but ${region} is in ${partition}: expected "arn:${partition}:iam::..."`);
  }
  return { templates, idleMinutes, taskPolicyArns };
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
