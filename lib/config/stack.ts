/**
 * The stack section: what every other section builds on. The namespaces of the keys, the
 * region and its partition, how users reach Jenkins (certificate, domain, Route 53 zone), and
 * the agents' inbound port.
 */
import { PartitionName, SUPPORTED_PARTITIONS, partitionOf } from "../aws/partition";
import { JENKINS_HTTP_PORT } from "../aws/controllerTask";
import { STACK_TAG_KEY } from "../aws/naming";
import { DEFAULTS, KNOWN_KEYS, PROJECT } from "./keys";
import { ConfigReader, show } from "./reader";

const REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d+$/;
const CERTIFICATE_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/;
/** A lower-case DNS name (also the rule of `discoveryNamespace`). */
export const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOSTED_ZONE_PATTERN = /^Z[A-Z0-9]{1,31}$/;
// A managed policy: its ARN, or `<path>/<name>` in the stack's account (IAM: path characters
// \u0021-\u007E, policy names [\w+=,.@-] up to 128).
const BOUNDARY_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}|aws):policy\/([\x21-\x7e]+\/)?[\w+=,.@-]{1,128}$/;
const BOUNDARY_NAME_PATTERN = /^([\x21-\x7e]+\/)?[\w+=,.@-]{1,128}$/;

/** What the stack section yields. */
export interface StackSection {
  /** Undefined only when it was refused (a problem is recorded). */
  readonly region: string | undefined;
  readonly partition: PartitionName;
  readonly certificateArn?: string;
  readonly domainName?: string;
  readonly hostedZoneId?: string;
  readonly jnlpPort: number;
  /** The managed policy every role of the stack is bounded by: an ARN or `<path>/<name>`. */
  readonly permissionsBoundary?: string;
}

/**
 * Reads the stack section; `fullKeys` are every key of the raw config, for the namespace check,
 * `stack` the stack's name, which a bounded stack's resources must carry as a tag.
 */
export function readStack(r: ConfigReader, fullKeys: readonly string[], stack: string): StackSection {
  checkNamespaces(r, fullKeys);

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
  const permissionsBoundary = readPermissionsBoundary(r, partition, stack);
  return { region, partition, certificateArn, domainName, hostedZoneId, jnlpPort, permissionsBoundary };
}

/**
 * The permissions boundary of the stack's roles, and, with it, the stack tag: a stack deployed by
 * the ci/ deploy roles must bound its roles with the boundary the ci/ program made for it (the
 * role may create no other), and must tag its resources with its name, for the deploy roles of
 * other stacks are denied whatever carries another stack's tag, and only that.
 */
function readPermissionsBoundary(r: ConfigReader, partition: PartitionName, stack: string): string | undefined {
  const boundary = r.string("permissionsBoundary", (v) => (v.startsWith("arn:") ? BOUNDARY_ARN_PATTERN.test(v) && v.startsWith(`arn:${partition}:`) : BOUNDARY_NAME_PATTERN.test(v)), `expected the ARN of a managed policy of this partition, or its path and name in this account such as "jenkins-ecs-boundary/${stack}" (what the ci/ program creates)`);
  if (boundary === undefined) return undefined;
  const tags = r.has("aws:defaultTags") ? r.json("aws:defaultTags") : undefined;
  const tag = (tags as { tags?: Record<string, unknown> } | undefined)?.tags?.[STACK_TAG_KEY];
  if (tag !== stack) {
    r.problems.push(
      `aws:defaultTags: tags.${STACK_TAG_KEY} is ${tag === undefined ? "not set" : show(tag)}; a stack with jenkins-ecs:permissionsBoundary must tag every resource with its own name, "${stack}" (the other stacks' deploy roles are denied what carries it): set it with \`pulumi config set --path 'aws:defaultTags.tags.${STACK_TAG_KEY}' ${stack}\`.`,
    );
  }
  return boundary;
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
