/**
 * Where each agent template's image comes from, and what is built for it. Every template
 * without a prebuilt `image` runs an image built at `pulumi up` into the stack's own ECR
 * repository: `agent-images/inbound-agent` (a `FROM`-only mirror of the pinned
 * jenkins/inbound-agent) by default, or the folder its `build` names. Fargate caches no images,
 * so every build pulls its image; from ECR it comes in the region, through the free S3 gateway
 * endpoint, with no Docker Hub rate limit.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { AgentTemplate, Architecture } from "../settings";

/** The inbound-agent image's home (its `jenkins` user, uid 1000); builds and caches live below it. */
export const AGENT_HOME = "/home/jenkins";

/** Folder of the agent image build contexts, one subfolder per image. */
export const AGENT_IMAGES_DIR = "agent-images";
/** The build that mirrors the pinned inbound agent: every template without `image` or `build` runs it. */
export const MIRROR_BUILD = "inbound-agent";
/**
 * Build argument every other build receives: the stack's mirror of the inbound agent for the
 * same architecture, as `<repository>:<tag>@sha256:<digest>`. `FROM ${BASE_IMAGE}` starts a
 * custom image from it: pinned by digest, pulled from ECR.
 */
export const BASE_IMAGE_ARG = "BASE_IMAGE";
/** Images kept per build and architecture in the repository; older ones expire. */
export const IMAGES_KEPT_PER_BUILD = 5;
/** Days an untagged image (replaced under its tag) is kept, so running tasks can still start. */
export const UNTAGGED_IMAGE_DAYS = 7;

/** The project's root: Pulumi runs the program there, and build contexts are relative to it. */
const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** Build folder names: lower-case letters, digits, "-" and "_" (they become image tags). */
export const BUILD_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function platformOf(architecture: Architecture): "linux/amd64" | "linux/arm64" {
  return architecture === "ARM64" ? "linux/arm64" : "linux/amd64";
}

/** The build context of a build folder, as awsx takes it (relative to the project). */
export function buildContext(build: string): string {
  return `./${AGENT_IMAGES_DIR}/${build}`;
}

/** Why `build` cannot be built (no such folder, or no Dockerfile in it), or undefined. */
export function buildFolderProblem(build: string, root = PROJECT_DIR): string | undefined {
  const dir = path.join(root, AGENT_IMAGES_DIR, build);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return `there is no folder ${AGENT_IMAGES_DIR}/${build}`;
  if (!fs.existsSync(path.join(dir, "Dockerfile"))) return `${AGENT_IMAGES_DIR}/${build} has no Dockerfile`;
  return undefined;
}

/** A short hash of every file in a build folder: a changed Dockerfile or file gives a new tag. */
export function folderHash(build: string, root = PROJECT_DIR): string {
  const dir = path.join(root, AGENT_IMAGES_DIR, build);
  const hash = createHash("sha256");
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(file);
      else hash.update(`${file}\0`).update(fs.readFileSync(path.join(dir, file))).update("\0");
    }
  };
  walk("");
  return hash.digest("hex").slice(0, 12);
}

/** One image built into the stack's repository. */
export interface AgentImageBuild {
  /** `<build>.<arch>`: unique per stack, and the key templates find their image by. */
  readonly key: string;
  readonly build: string;
  readonly architecture: Architecture;
  readonly platform: string;
  readonly context: string;
  /** `<build>.<arch>.<content hash>`: a new tag whenever the folder changes. */
  readonly tag: string;
  /** The mirror build this one starts from (every agent build but the mirror itself). */
  readonly base?: string;
}

export function buildKey(build: string, architecture: Architecture): string {
  return `${build}.${architecture === "ARM64" ? "arm64" : "amd64"}`;
}

/**
 * Builds that are not agents and so do not start from the mirror: the kaniko container's
 * image (`agent-images/kaniko`, for templates with `kaniko: true`).
 */
export const KANIKO_BUILD = "kaniko";
export const STANDALONE_BUILDS: readonly string[] = [KANIKO_BUILD];

/**
 * Every image the templates need built, the mirror first for each architecture that needs it
 * (for its own templates, or as the base of a custom build), and the kaniko container's image
 * for each architecture of a template with `kaniko: true`.
 */
export function plannedBuilds(templates: readonly AgentTemplate[], root = PROJECT_DIR): AgentImageBuild[] {
  const builds = new Map<string, AgentImageBuild>();
  const add = (build: string, architecture: Architecture) => {
    const key = buildKey(build, architecture);
    if (builds.has(key)) return;
    const fromMirror = build !== MIRROR_BUILD && !STANDALONE_BUILDS.includes(build);
    if (fromMirror) add(MIRROR_BUILD, architecture);
    builds.set(key, {
      key,
      build,
      architecture,
      platform: platformOf(architecture),
      context: buildContext(build),
      tag: `${key}.${folderHash(build, root)}`,
      base: fromMirror ? buildKey(MIRROR_BUILD, architecture) : undefined,
    });
  };
  for (const t of templates) {
    if (t.build !== undefined) add(t.build, t.architecture);
    if (t.kaniko) add(KANIKO_BUILD, t.architecture);
  }
  // Mirrors first: the custom builds start from them.
  return [...builds.values()].sort((a, b) => Number(a.build !== MIRROR_BUILD) - Number(b.build !== MIRROR_BUILD));
}

/**
 * The repository's lifecycle policy: keep the last {@link IMAGES_KEPT_PER_BUILD} images of
 * each build and architecture (their tags share the prefix `<build>.<arch>.`), and expire
 * untagged images after {@link UNTAGGED_IMAGE_DAYS} days. Rules as the ECR lifecycle policy
 * reference ("Lifecycle policy properties") requires: unique priorities, `tagPrefixList` only
 * with `tagStatus: tagged`.
 */
export function lifecyclePolicy(builds: readonly AgentImageBuild[]): object {
  return {
    rules: [
      ...builds.map((b, i) => ({
        rulePriority: i + 1,
        description: `Keep the last ${IMAGES_KEPT_PER_BUILD} images of ${b.key}`,
        selection: { tagStatus: "tagged", tagPrefixList: [`${b.key}.`], countType: "imageCountMoreThan", countNumber: IMAGES_KEPT_PER_BUILD },
        action: { type: "expire" },
      })),
      {
        rulePriority: builds.length + 1,
        description: `Expire images replaced under their tag after ${UNTAGGED_IMAGE_DAYS} days`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: UNTAGGED_IMAGE_DAYS },
        action: { type: "expire" },
      },
    ],
  };
}

/** Where a template's image comes from, in words, for the plan. */
export function describeImageSource(template: AgentTemplate, defaultImage: string): string {
  const platform = platformOf(template.architecture);
  const kaniko = template.kaniko ? `, with a kaniko container (${AGENT_IMAGES_DIR}/${KANIKO_BUILD}, ${platform})` : "";
  if (template.image) return `prebuilt ${template.image}${kaniko}`;
  if (template.build === MIRROR_BUILD) return `mirror of ${defaultImage} (${AGENT_IMAGES_DIR}/${MIRROR_BUILD}, ${platform}) in the stack's ECR${kaniko}`;
  return `build ${AGENT_IMAGES_DIR}/${template.build} (${platform}) in the stack's ECR${kaniko}`;
}
