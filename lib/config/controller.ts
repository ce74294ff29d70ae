/**
 * The controller section: the Jenkins controller's task size and image, its admin user, how it
 * is started and kept (grace period, JENKINS_HOME and its file system, ECS Exec), and the load
 * balancer in front of it.
 */
import type { Settings } from "../settings";
import { describeFargateSizes, isFargateSize } from "../aws/fargate";
import { parseCidr } from "../aws/cidr";
import { EFS_LOCK_POLL_LAG_SECONDS, JENKINS_START_SECONDS, LATEST_LOCK_SECONDS, LOCK_WAIT_SECONDS, MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS } from "../aws/controllerWaits";
import { DEFAULTS, THROUGHPUT_MODES } from "./keys";
import { ConfigReader } from "./reader";

/** An e-mail address (also the rule of `alarmEmail`). */
export const EMAIL_PATTERN = /^[^\s@<>"'${}]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const JENKINS_USER_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
// registry/name, then a tag or a digest: `name:tag`, `name@sha256:<64 hex>`.
const PINNED_IMAGE_PATTERN = /^[a-z0-9]+([._\/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$/;
/** What an image reference must be, for the controller and for agent templates. */
export const IMAGE_ALLOWED = "expected a pinned image reference, with a version tag other than \"latest\" or a digest, such as \"jenkins/inbound-agent:3386.v353e57a_1b_ea_0-3-jdk21\"";

/** Whether an image reference names a fixed version: a digest, or a tag that is not `latest`. */
export function isPinnedImage(image: string): boolean {
  return PINNED_IMAGE_PATTERN.test(image) && !/:latest$/.test(image) && /[:@][^/]+$/.test(image);
}

export function readController(r: ConfigReader): Settings["controller"] {
  const cpu = r.integer("controllerCpu", DEFAULTS.controllerCpu, 256, 16384);
  const memory = r.integer("controllerMemory", DEFAULTS.controllerMemory, 512, 122880);
  if (!isFargateSize(cpu, memory)) {
    r.problem("controllerMemory", memory, `not a Fargate task size: ${describeFargateSizes(cpu)} (jenkins-ecs:controllerCpu is ${cpu})`);
  }

  const image = r.string("controllerImage", isPinnedImage, IMAGE_ALLOWED);
  const adminUser = r.string("adminUser", (v) => JENKINS_USER_PATTERN.test(v), "expected a Jenkins user id made of letters, digits, \".\", \"-\" and \"_\"") ?? DEFAULTS.adminUser;
  const adminEmail = r.string("adminEmail", (v) => EMAIL_PATTERN.test(v), "expected an e-mail address such as \"jenkins@example.com\"");
  const healthCheckGracePeriodSeconds = r.integer("healthCheckGracePeriodSeconds", DEFAULTS.healthCheckGracePeriodSeconds, 0, 7200, (n) =>
    n < MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS
      ? `expected at least ${MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS} (up to 7200): a new controller may wait up to ${LATEST_LOCK_SECONDS} s for the old one's lock on JENKINS_HOME ` +
        `(${LOCK_WAIT_SECONDS} s, plus ${EFS_LOCK_POLL_LAG_SECONDS} s of EFS lock polling) and then needs about ${JENKINS_START_SECONDS} s to start; a shorter grace period stops it while it waits (lib/aws/controllerWaits.ts)`
      : undefined,
  );
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
  return { cpu, memory, image, adminUser, adminEmail, healthCheckGracePeriodSeconds, fileSystemThroughputMode, jenkinsHomePath, existingFileSystemId, ecsExec };
}

export function readLoadBalancer(r: ConfigReader): Settings["loadBalancer"] {
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
  const keepAccessLogs = r.boolean("keepAccessLogs", DEFAULTS.keepAccessLogs);
  return { internal, allowedCidrs, keepAccessLogs };
}
