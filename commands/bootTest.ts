/**
 * `npm run boot-test -- --stack <stack>`: boots the controller image with the stack's JCasC
 * before anything is deployed, and proves through Jenkins' REST API that it came up as
 * configured. Needs Docker, and no AWS: the clouds are configured at boot, nothing is
 * provisioned. This is what catches a plugin that no longer loads on the image's core
 * (jenkinsci/amazon-ecs-plugin#436), a JCasC key Jenkins refuses, or a broken Dockerfile.
 *
 * It runs the container exactly as the controller's task definition does (the image's own entry
 * point, which the task does not override, and the offline plan's environment: the same start
 * script, the same JCasC sources and CASC_JENKINS_CONFIG), with generated values for the task's
 * secrets. It first checks that the image's ENTRYPOINT is jenkins-ecs's, so a prebuilt
 * `controllerImage` that would skip the lock on JENKINS_HOME fails here, before any deploy.
 *
 * Jenkins endpoints it calls, and nothing else:
 *   GET  <url>login                                  no credentials; until it answers 200
 *   GET  <url>crumbIssuer/api/json                   basic auth (the admin); keeps the session cookie
 *   GET  <url>api/json?tree=description,jobs[name]   the system message JCasC sets, the jobs
 *   POST <url>scriptText                             crumb; prints the clouds' names as JSON
 *   GET  <url>pluginManager/api/json?depth=1         every plugin, its version, whether it is active
 */
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { JenkinsClient, JenkinsHttpError } from "./jenkins";
import { UsageError, readFlags } from "./flags";
import { PluginPin, readPins } from "../lib/jenkins/plugins";
import { SMOKE_TEST_JOB } from "../lib/jenkins/smokeTest";
import { systemMessage } from "../lib/jenkins/casc";
import { ADMIN_PASSWORD_ENV, CONTROLLER_CONTAINER, CONTROLLER_ENTRYPOINT, JENKINS_HTTP_PORT, START_SCRIPT } from "../lib/aws/controllerTask";

const FLAGS = [
  ["--stack <stack>", "the stack whose JCasC is applied (its Pulumi.<stack>.yaml, run offline as the plan does)"],
  ["--network <file>", "an adopted VPC's facts, as for npm run plan (otherwise assumed offline)"],
  ["--image <ref>", "boot this image (default: the stack's controllerImage if it sets one, else controller-image/ built)"],
  ["--ready-timeout <s>", "seconds to wait for /login to answer 200 (default 600)"],
  ["--keep", "leave the container running afterwards (its name and URL are printed)"],
  ["--help", "print this help"],
] as const;

export const USAGE = [
  "usage: npm run boot-test -- --stack <stack> [options]",
  "",
  "Builds the controller image, runs it with the stack's JCasC (the team's files included) as the",
  "task definition would, and checks through the REST API that JCasC applied, that the clouds and the",
  "smoke job exist, and that every pinned plugin is active. Needs Docker; needs no AWS.",
  "",
  ...FLAGS.map(([flag, text]) => `  ${flag.padEnd(22)}${text}`),
].join("\n");

export interface BootOptions {
  readonly stack: string;
  readonly networkFile?: string;
  readonly image?: string;
  readonly readyTimeoutSeconds: number;
  readonly keep: boolean;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): BootOptions | "help" {
  let stack: string | undefined;
  let networkFile: string | undefined;
  let image: string | undefined;
  let readyTimeoutSeconds = 600;
  let keep = false;
  const help = readFlags(argv, USAGE, (flag, value) => {
    if (flag === "--stack") stack = value();
    else if (flag === "--network") networkFile = value();
    else if (flag === "--image") image = value();
    else if (flag === "--keep") keep = true;
    else if (flag === "--ready-timeout") {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) === 0) throw new UsageError(`--ready-timeout takes a whole number of seconds above 0, not ${JSON.stringify(v)}`);
      readyTimeoutSeconds = Number(v);
    } else return false;
    return true;
  });
  if (help) return help;
  if (!stack) throw new UsageError(`which stack?\n\n${USAGE}`);
  return { stack, readyTimeoutSeconds, keep, ...(networkFile ? { networkFile } : {}), ...(image ? { image } : {}) };
}

/** What the booted Jenkins must show. */
export interface BootExpectations {
  /** The system message of the generated document: Jenkins shows it only if JCasC applied. */
  readonly systemMessage: string;
  /** One `ecs` cloud per agent template. */
  readonly cloudNames: readonly string[];
  readonly jobs: readonly string[];
  readonly plugins: readonly PluginPin[];
}

/** The part of the controller's container definition that `docker run` reproduces. */
export interface TaskContainer {
  readonly entryPoint?: readonly string[];
  readonly command?: readonly string[];
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  readonly secrets: readonly { readonly name: string; readonly valueFrom: string }[];
}

/**
 * The environment of the boot: the task's, and a generated value for each of its secrets (the
 * admin password is the one the checks log in with; any other secret gets a placeholder, as no
 * AWS is reached). One `NAME=value` per line, for `docker run --env-file`, so no value appears
 * on a command line.
 */
export function bootEnvironment(container: TaskContainer, adminPassword: string): string {
  const lines = container.environment.map((e) => `${e.name}=${e.value}`);
  for (const secret of container.secrets) {
    lines.push(`${secret.name}=${secret.name === ADMIN_PASSWORD_ENV ? adminPassword : `boot-test-placeholder-for-${secret.name.toLowerCase()}`}`);
  }
  for (const line of lines) if (line.includes("\n")) throw new Error(`${line.split("=")[0]} has a line break, which --env-file cannot carry`);
  return `${lines.join("\n")}\n`;
}

/**
 * `docker run` arguments for the controller container as the task runs it, on a port of
 * 127.0.0.1 only: like ECS, the image's ENTRYPOINT and CMD unless the container overrides them.
 */
export function dockerRunArgs(args: { readonly name: string; readonly image: string; readonly envFile: string; readonly container: TaskContainer }): string[] {
  const [executable, ...entryArgs] = args.container.entryPoint ?? [];
  const entryPoint = executable ? ["--entrypoint", executable] : [];
  return ["run", "--detach", "--name", args.name, "--publish", `127.0.0.1::${JENKINS_HTTP_PORT}`, "--env-file", args.envFile, ...entryPoint, args.image, ...entryArgs, ...(args.container.command ?? [])];
}

/**
 * Why an image's ENTRYPOINT (`docker image inspect`'s Config.Entrypoint) cannot run the
 * controller, or undefined when it is controller-image/Dockerfile's.
 */
export function entrypointProblem(entrypoint: unknown): string | undefined {
  if (JSON.stringify(entrypoint) === JSON.stringify(CONTROLLER_ENTRYPOINT)) return undefined;
  return (
    `the image's ENTRYPOINT is ${JSON.stringify(entrypoint)}, not ${JSON.stringify(CONTROLLER_ENTRYPOINT)}: without ${START_SCRIPT} Jenkins would start ` +
    "without the JCasC sources, without the lock on JENKINS_HOME and with whatever plugins JENKINS_HOME holds. Build the image FROM controller-image/Dockerfile, or keep its ENTRYPOINT"
  );
}

/** The lines the start script logs once it holds the lock, and once it starts Jenkins (controller-image/jenkins-ecs-start.sh). */
export const START_SCRIPT_LOG = { locked: /^jenkins-ecs: holding \S+\/\.jenkins-ecs\.lock$/m, started: /^jenkins-ecs: starting Jenkins$/m } as const;

/**
 * Which image to boot: the one `--image` names, else the stack's `controllerImage` (what the
 * stack would run), else controller-image/ built under a local tag (`build`).
 */
export function imageToBoot(stack: string, flag: string | undefined, controllerImage: string | undefined): { readonly image: string; readonly build: boolean } {
  const image = flag ?? controllerImage;
  if (image) return { image, build: false };
  return { image: `jenkins-ecs-boot-test:${stack.toLowerCase().replace(/[^a-z0-9_.-]/g, "-")}`, build: true };
}

/** How the checks look at the container: whether it still runs, and what it logged. */
export interface ContainerProbe {
  running(): Promise<boolean>;
  logs(): Promise<string>;
}

/** Lines of a Jenkins log that report a JCasC failure (the configuration-as-code plugin's exceptions). */
export function cascErrors(log: string): string[] {
  return log
    .split("\n")
    .filter((l) => /io\.jenkins\.plugins\.casc\.[\w.]*(Exception|BootFailure)|ConfigurationAsCodeBootFailure/.test(l))
    .map((l) => l.trim())
    .slice(0, 10);
}

export interface BootReport {
  readonly ok: boolean;
  /** What was checked and held, one line each. */
  readonly passed: readonly string[];
  /** What failed, one line each. */
  readonly problems: readonly string[];
}

/** The Groovy the script console runs: the names of the configured clouds, as JSON. */
export const CLOUD_NAMES_SCRIPT = "println(groovy.json.JsonOutput.toJson(jenkins.model.Jenkins.get().clouds.collect { it.name }))";

/**
 * Waits for Jenkins to answer /login, then checks it against what the stack configures. Stops
 * waiting early when the container exits or logs a JCasC failure.
 */
export async function checkBoot(
  client: JenkinsClient,
  expected: BootExpectations,
  container: ContainerProbe,
  timing: { readonly readyTimeoutMs: number; readonly pollMs: number },
): Promise<BootReport> {
  const passed: string[] = [];
  const failed = (problems: string[]): BootReport => ({ ok: false, passed, problems });
  const deadline = Date.now() + timing.readyTimeoutMs;
  for (;;) {
    if ((await client.loginPageAnswers()) === 200) break;
    const errors = cascErrors(await container.logs());
    if (errors.length > 0) return failed([`JCasC failed, so Jenkins did not start:`, ...errors.map((e) => `  ${e}`)]);
    if (!(await container.running())) return failed(["the controller container exited before /login answered:", ...tail(await container.logs())]);
    if (Date.now() >= deadline) return failed([`/login did not answer 200 within ${timing.readyTimeoutMs / 1000} s:`, ...tail(await container.logs())]);
    await new Promise((resolve) => setTimeout(resolve, timing.pollMs));
  }
  passed.push("Jenkins answered /login");
  const started = await container.logs();
  if (!START_SCRIPT_LOG.locked.test(started) || !START_SCRIPT_LOG.started.test(started)) {
    return failed([`the log has no "jenkins-ecs: holding ..." and "jenkins-ecs: starting Jenkins" lines: Jenkins did not start through ${START_SCRIPT}, so nothing keeps a second controller off JENKINS_HOME`]);
  }
  passed.push("the start script took the lock on JENKINS_HOME and put the image's plugins in place");

  const problems: string[] = [];
  try {
    await client.logIn();
  } catch (err) {
    return failed([err instanceof JenkinsHttpError && err.status === 401 ? "the admin's password was refused (401): the security realm JCasC applied is not the stack's" : `logging in failed: ${(err as Error).message}`]);
  }
  const root = await client.root();
  if (root.description !== expected.systemMessage) {
    problems.push(`JCasC did not apply the generated document: the system message is ${JSON.stringify(root.description)}, expected ${JSON.stringify(expected.systemMessage)}`);
  } else passed.push("JCasC applied the generated document (its system message is shown)");
  const logged = cascErrors(await container.logs());
  if (logged.length > 0) problems.push("the log reports JCasC errors:", ...logged.map((e) => `  ${e}`));

  const jobs = root.jobs.map((j) => j.name);
  const missingJobs = expected.jobs.filter((j) => !jobs.includes(j));
  if (missingJobs.length > 0) problems.push(`missing jobs: ${missingJobs.join(", ")} (Jenkins has ${jobs.join(", ") || "none"})`);
  else passed.push(`jobs exist: ${expected.jobs.join(", ")}`);

  const clouds: string[] = JSON.parse((await client.scriptText(CLOUD_NAMES_SCRIPT)).trim() || "[]");
  const missingClouds = expected.cloudNames.filter((c) => !clouds.includes(c));
  if (missingClouds.length > 0) problems.push(`missing clouds: ${missingClouds.join(", ")} (Jenkins has ${clouds.join(", ") || "none"})`);
  else passed.push(`clouds exist: ${expected.cloudNames.join(", ")}`);

  const installed = new Map((await client.plugins()).map((p) => [p.shortName, p]));
  for (const pin of expected.plugins) {
    const plugin = installed.get(pin.plugin);
    if (!plugin) problems.push(`plugin ${pin.plugin}:${pin.version} is not installed`);
    else if (plugin.version !== pin.version) problems.push(`plugin ${pin.plugin} is ${plugin.version}, but plugins.txt pins ${pin.version}`);
    else if (!plugin.active) problems.push(`plugin ${pin.plugin}:${pin.version} is installed but not active (it failed to load: see the log, or Manage Jenkins > Plugins)`);
  }
  const inactive = [...installed.values()].filter((p) => !p.active && !expected.plugins.some((pin) => pin.plugin === p.shortName));
  for (const p of inactive) problems.push(`plugin ${p.shortName}:${p.version} (a dependency) is not active`);
  if (!problems.some((p) => p.startsWith("plugin "))) passed.push(`all ${expected.plugins.length} pinned plugins are active at their pinned versions`);

  return { ok: problems.length === 0, passed, problems };
}

function tail(log: string): string[] {
  return log.trimEnd().split("\n").slice(-30).map((l) => `  ${l}`);
}

/** What a booted Jenkins must show, from the generated JCasC document of the stack and the image's plugins.txt. */
export function expectationsOf(generatedCasc: string, project: string, stack: string, pluginsTxt: string): BootExpectations {
  const doc = YAML.parse(generatedCasc);
  const cloudNames: string[] = doc.jenkins.clouds.map((c: { ecs: { name: string } }) => c.ecs.name);
  return { systemMessage: systemMessage(project, stack), cloudNames, jobs: [SMOKE_TEST_JOB], plugins: readPins(pluginsTxt) };
}

function docker(args: string[], options: { quiet?: boolean } = {}): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", options.quiet ? "pipe" : "inherit"], maxBuffer: 64 * 1024 * 1024 });
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { stdio: "ignore" }).status !== 0) {
    throw new UsageError("the boot test needs a running Docker engine (docker version found none); it runs on GitHub's runners (preview.yml)");
  }
  require("../offline/leanSdk");
  const { loadStackConfig, PROJECT_ROOT } = await import("../offline/stackConfig");
  const { recordPlan, cascOf } = await import("../offline/plan");
  const { graph } = await recordPlan(options, loadStackConfig(options.stack));
  const task = graph.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && String(r.inputs.family).endsWith("-controller"));
  const container: TaskContainer = JSON.parse(task!.inputs.containerDefinitions).find((c: { name: string }) => c.name === CONTROLLER_CONTAINER);
  const expected = expectationsOf(cascOf(graph), graph.project, graph.stack, fs.readFileSync(path.join(PROJECT_ROOT, "controller-image", "plugins.txt"), "utf8"));
  const adminUser = String(graph.outputs.adminUser);

  const { image, build } = imageToBoot(options.stack, options.image, loadStackConfig(options.stack)["jenkins-ecs:controllerImage"]);
  if (build) docker(["build", "--tag", image, path.join(PROJECT_ROOT, "controller-image")]);
  else if (spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status !== 0) docker(["pull", image]);
  const entrypoint = entrypointProblem(JSON.parse(docker(["image", "inspect", "--format", "{{json .Config.Entrypoint}}", image], { quiet: true })));
  if (entrypoint) {
    process.stdout.write(`FAIL ${entrypoint}\n`);
    return 1;
  }
  const password = crypto.randomBytes(24).toString("base64url");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-ecs-boot-"));
  const envFile = path.join(dir, "env");
  fs.writeFileSync(envFile, bootEnvironment(container, password), { mode: 0o600 });
  const name = `jenkins-ecs-boot-${crypto.randomBytes(4).toString("hex")}`;
  docker(dockerRunArgs({ name, image, envFile, container }), { quiet: true });
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    const address = docker(["port", name, `${JENKINS_HTTP_PORT}/tcp`], { quiet: true }).split("\n")[0].trim();
    const url = `http://${address}/`;
    process.stderr.write(`boot test: ${name} at ${url}, waiting for Jenkins...\n`);
    const probe: ContainerProbe = {
      running: async () => docker(["inspect", "--format", "{{.State.Running}}", name], { quiet: true }).trim() === "true",
      logs: async () => {
        // Jenkins logs to stderr; docker logs keeps the container's two streams apart.
        const { stdout, stderr } = spawnSync("docker", ["logs", name], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        return `${stdout}${stderr}`;
      },
    };
    const report = await checkBoot(new JenkinsClient(url, adminUser, password), expected, probe, { readyTimeoutMs: options.readyTimeoutSeconds * 1000, pollMs: 5000 });
    for (const line of report.passed) process.stdout.write(`ok   ${line}\n`);
    for (const line of report.problems) process.stdout.write(`FAIL ${line}\n`);
    if (options.keep) process.stdout.write(`kept: ${name} at ${url} (admin password in the container's ${ADMIN_PASSWORD_ENV}); remove it with docker rm -f ${name}\n`);
    return report.ok ? 0 : 1;
  } finally {
    if (!options.keep) spawnSync("docker", ["rm", "--force", name], { stdio: "ignore" });
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const known = err instanceof UsageError || require("@pulumi/pulumi").RunError.isInstance(err);
      process.stderr.write(`${known ? "" : "boot test failed: "}${(err as Error)?.message ?? String(err)}\n`);
      process.exit(known ? 1 : 2);
    },
  );
}
