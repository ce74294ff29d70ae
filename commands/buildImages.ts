/**
 * `npm run build-images -- --stack <stack>`: lints and builds every image `pulumi up` of the
 * stack would build (the controller image, each agent image for its platform), with
 * `docker buildx build`, pushing nothing.
 *
 * For pull requests: `pulumi preview` builds no image (on a new stack the repository URL is
 * unknown; later, docker-build skips builds during preview, pulumi/pulumi-docker-build#252), so
 * a broken Dockerfile or plugin pin would pass every preview and fail only at `pulumi up`.
 * The list of images comes from the program itself, run offline, so it is exactly the stack's.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { validate } from "dockerfile-utils";
import type { Graph } from "../offline/graph";
import { PROJECT_ROOT, loadStackConfig } from "../offline/stackConfig";

export interface ImageBuild {
  /** The awsx image's logical name. */
  readonly name: string;
  /** Build context, relative to the project. */
  readonly context: string;
  readonly platform: string;
}

/** Every image the program builds: awsx images, by context and platform. */
export function imageBuildsOf(graph: Graph): ImageBuild[] {
  return graph.resources
    .filter((r) => r.type === "awsx:ecr:Image")
    .map((r) => ({ name: r.name, context: r.inputs.context as string, platform: r.inputs.platform as string }));
}

/**
 * The build, pushing nothing: no --push, no --load. Build arguments the stack passes (the
 * mirror's digest as BASE_IMAGE) are left to the Dockerfiles' defaults.
 */
export function dockerBuildArgs(build: ImageBuild): string[] {
  return ["buildx", "build", "--platform", build.platform, "--progress", "plain", "--file", path.join(build.context, "Dockerfile"), build.context];
}

/** What the Dockerfile linter (dockerfile-utils, as VS Code's Docker support uses it) says, one line each. */
export function lintDockerfile(file: string): string[] {
  return validate(fs.readFileSync(file, "utf8")).map((d) => `${file}:${d.range.start.line + 1}: ${d.message}`);
}

export function parseArgs(argv: readonly string[]): { stack: string; dryRun: boolean } {
  let stack: string | undefined;
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stack") stack = argv[++i];
    else if (argv[i] === "--dry-run") dryRun = true;
    else throw new Error(`unknown argument ${JSON.stringify(argv[i])}; usage: npm run build-images -- --stack <stack> [--dry-run]`);
  }
  if (!stack) throw new Error("usage: npm run build-images -- --stack <stack> [--dry-run]");
  return { stack, dryRun };
}

async function main(argv: readonly string[]): Promise<number> {
  const { stack, dryRun } = parseArgs(argv);
  const { runProgram } = await import("../offline/run");
  const builds = imageBuildsOf(await runProgram(stack, loadStackConfig(stack)));
  const problems = [...new Set(builds.map((b) => path.join(b.context, "Dockerfile")))].flatMap((file) => lintDockerfile(path.join(PROJECT_ROOT, file)));
  if (problems.length > 0) {
    process.stderr.write(`Dockerfile problems:\n${problems.join("\n")}\n`);
    return 1;
  }
  for (const build of builds) {
    const args = dockerBuildArgs(build);
    process.stdout.write(`${build.name}: docker ${args.join(" ")}\n`);
    if (dryRun) continue;
    const result = spawnSync("docker", args, { cwd: PROJECT_ROOT, stdio: "inherit" });
    if (result.status !== 0) {
      process.stderr.write(`${build.name}: the build failed (${result.error?.message ?? `exit ${result.status}`})\n`);
      return 1;
    }
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`build-images: ${(err as Error)?.message ?? String(err)}\n`);
      process.exit(2);
    },
  );
}
