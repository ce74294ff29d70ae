import * as assert from "assert";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Graph, containersOf, expectOne, runStack } from "./helpers";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { AGENT_CONTAINER } from "../lib/jenkins/cloud";
import { ECR_REGISTRY_ENV, KANIKO_BUILD_ENV, KANIKO_CONTAINER, KANIKO_QUEUE, KANIKO_QUEUE_ENV, WORKSPACE_DIR } from "../lib/jenkins/kaniko";
import { PROJECT_ROOT } from "../offline/stackConfig";

const IMAGE_DIR = path.join(PROJECT_ROOT, "agent-images", "kaniko");
const WORKER = path.join(IMAGE_DIR, "kaniko-worker.sh");
const CLIENT = path.join(IMAGE_DIR, "kaniko-build");

describe("the kaniko worker and its client, run for real", function () {
  this.timeout(20000);
  let dir: string;
  let worker: ChildProcess;
  const env = () => ({ PATH: process.env.PATH!, KANIKO_QUEUE: path.join(dir, "queue"), KANIKO_POLL_SECONDS: "0.05" });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kaniko-"));
    // A stand-in executor: prints its arguments one per line, fails on --fail, hangs on --hang.
    const executor = path.join(dir, "executor");
    fs.writeFileSync(executor, '#!/bin/sh\nfor a; do echo "arg:$a"; done\n[ "$1" = --fail ] && exit 7\n[ "$1" = --hang ] && { echo $$ > "$2"; exec sleep 60; }\nexit 0\n', { mode: 0o755 });
    worker = spawn("sh", [WORKER], {
      env: {
        ...env(),
        KANIKO_WORKSPACE: path.join(dir, "workspace"),
        KANIKO_EXECUTOR: executor,
        KANIKO_CLIENT: CLIENT,
        KANIKO_AGENT_UID: String(process.getuid!()),
        DOCKER_CONFIG: path.join(dir, "docker"),
        [ECR_REGISTRY_ENV]: `${MOCK_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`,
      },
      stdio: "ignore",
    });
    for (let i = 0; i < 100 && !fs.existsSync(path.join(dir, "queue", "ready")); i++) await new Promise((r) => setTimeout(r, 50));
  });
  after(() => worker.kill("SIGTERM"));

  const build = (args: string[], opts: { env?: Record<string, string> } = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile("sh", [path.join(dir, "queue", "kaniko-build"), ...args], { env: { ...env(), ...opts.env } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr }),
      ),
    );

  it("is ready once it has put the client in the queue and signed the stack's registry in with the ECR helper", () => {
    assert.ok(fs.existsSync(path.join(dir, "queue", "ready")));
    assert.strictEqual(fs.readFileSync(path.join(dir, "queue", "kaniko-build"), "utf8"), fs.readFileSync(CLIENT, "utf8"));
    assert.ok(fs.statSync(path.join(dir, "workspace")).isDirectory(), "the workspace exists for the agent");
    const config = JSON.parse(fs.readFileSync(path.join(dir, "docker", "config.json"), "utf8"));
    assert.deepStrictEqual(config, { credHelpers: { [`${MOCK_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`]: "ecr-login" } });
  });

  it("hands the executor exactly the client's arguments, spaces and quotes kept, and prints its log", async () => {
    const args = ["--context", "dir:///home/jenkins/workspace/my job", "--destination", "repo:it's", "--build-arg", "A=b c"];
    const { code, stdout } = await build(args);
    assert.strictEqual(code, 0);
    assert.deepStrictEqual(stdout.trimEnd().split("\n"), args.map((a) => `arg:${a}`));
  });

  it("exits with the executor's status", async () => {
    const { code, stdout } = await build(["--fail"]);
    assert.strictEqual(code, 7);
    assert.match(stdout, /arg:--fail/);
  });

  it("an aborted client (SIGTERM, as Jenkins aborts a step) stops the executor", async () => {
    const pidFile = path.join(dir, "hang.pid");
    const client = spawn("sh", [path.join(dir, "queue", "kaniko-build"), "--hang", pidFile], { env: env(), stdio: "ignore" });
    for (let i = 0; i < 100 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    client.kill("SIGTERM");
    const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!alive(), "the executor still runs");
    const after = await build(["--after"]);
    assert.strictEqual(after.code, 0, "the worker takes the next build");
  });

  it("refuses clearly on an agent without a kaniko container, and an argument with a line break", async () => {
    const none = await build(["--context", "dir://x"], { env: { KANIKO_QUEUE: path.join(dir, "nowhere") } });
    assert.strictEqual(none.code, 2);
    assert.match(none.stderr, /no kaniko container .*"kaniko": true/);
    const broken = await build(["--label", "a\nb"]);
    assert.strictEqual(broken.code, 2);
    assert.match(broken.stderr, /line break/);
  });
});

describe("a template with kaniko: true", () => {
  let graph: Graph;
  const family = (label: string) => `jenkins-ecs-dev-agent-${label}`;
  before(async () => {
    graph = await runStack("dev", {
      "jenkins-ecs:agents": JSON.stringify([{ label: "pr", spot: true }, { label: "image", kaniko: true, permissions: { ecrPush: ["team/app"] } }]),
    });
  });
  const taskDefinition = (label: string) => expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: family(label) });

  it("runs the kaniko image built from agent-images/kaniko beside its agent, and the other templates run their agent alone", () => {
    const containers = containersOf(taskDefinition("image"));
    assert.deepStrictEqual(containers.map((c) => c.name), [AGENT_CONTAINER, KANIKO_CONTAINER]);
    const kanikoImage = expectOne(graph, "awsx:ecr:Image", { context: "./agent-images/kaniko", platform: "linux/amd64" });
    assert.strictEqual(containers[1].image, kanikoImage.state.imageUri);
    assert.strictEqual(kanikoImage.inputs.args, undefined, "kaniko does not start FROM the agent mirror");
    assert.deepStrictEqual(containersOf(taskDefinition("pr")).map((c) => c.name), [AGENT_CONTAINER]);
    assert.strictEqual(taskDefinition("pr").inputs.volumes, undefined);
  });

  it("shares the workspace and the queue: both containers mount the task's own volumes at the same paths", () => {
    const td = taskDefinition("image");
    const [agent, kaniko] = containersOf(td);
    const mounts = (c: any) => (c.mountPoints ?? []).map((m: any) => `${m.sourceVolume}:${m.containerPath}`).sort();
    assert.deepStrictEqual(mounts(agent), mounts(kaniko));
    assert.deepStrictEqual((agent.mountPoints as any[]).map((m) => m.containerPath).sort(), [KANIKO_QUEUE, WORKSPACE_DIR].sort());
    // Bind mounts: a volume with a name only lives on the task's ephemeral storage (ECS "Use bind mounts").
    const volumes: any[] = td.inputs.volumes;
    for (const m of agent.mountPoints) assert.deepStrictEqual(volumes.find((v) => v.name === m.sourceVolume), { name: m.sourceVolume });
  });

  it("the agent starts only once kaniko is healthy, with a health check ECS accepts, and finds the client and the registry", () => {
    const [agent, kaniko] = containersOf(taskDefinition("image"));
    assert.deepStrictEqual(agent.dependsOn, [{ containerName: KANIKO_CONTAINER, condition: "HEALTHY" }]);
    // HEALTHY needs a health check on the container depended on; ECS API reference, HealthCheck:
    // interval 5-300, timeout 2-60, retries 1-10, startPeriod 0-300.
    const h = kaniko.healthCheck;
    assert.ok(h && h.command[0] === "CMD" && h.command.join(" ").endsWith(`${KANIKO_QUEUE}/ready`));
    assert.ok(h.interval >= 5 && h.interval <= 300 && h.timeout >= 2 && h.timeout <= 60 && h.timeout < h.interval && h.retries >= 1 && h.retries <= 10 && h.startPeriod >= 0 && h.startPeriod <= 300);
    assert.strictEqual(kaniko.essential, true);
    assert.strictEqual(kaniko.privileged, undefined, "Fargate has no privileged mode");
    const value = (c: any, name: string) => c.environment.find((e: any) => e.name === name)?.value;
    assert.strictEqual(value(agent, KANIKO_BUILD_ENV), `${KANIKO_QUEUE}/kaniko-build`);
    assert.strictEqual(value(agent, KANIKO_QUEUE_ENV), value(kaniko, KANIKO_QUEUE_ENV));
    assert.strictEqual(value(agent, ECR_REGISTRY_ENV), `${MOCK_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`);
    assert.strictEqual(value(kaniko, ECR_REGISTRY_ENV), value(agent, ECR_REGISTRY_ENV));
    assert.strictEqual(kaniko.logConfiguration.options["awslogs-group"], agent.logConfiguration.options["awslogs-group"]);
  });

  it("the worker's own defaults name the paths the task definition mounts", () => {
    const worker = fs.readFileSync(WORKER, "utf8");
    assert.ok(worker.includes(`QUEUE="\${KANIKO_QUEUE:-${KANIKO_QUEUE}}"`) && worker.includes(`WORKSPACE="\${KANIKO_WORKSPACE:-${WORKSPACE_DIR}}"`));
  });
});

describe("agent-images/kaniko/Dockerfile", () => {
  const text = fs.readFileSync(path.join(IMAGE_DIR, "Dockerfile"), "utf8");
  it("pins every base image by digest and the source by its release commit, checked after the clone", () => {
    const froms = text.match(/^FROM .*$/gm)!;
    for (const from of froms.filter((f) => !/^FROM scratch$/.test(f))) assert.match(from, /@sha256:[0-9a-f]{64}( AS \w+)?$/, from);
    assert.match(text, /^ARG KANIKO_COMMIT=[0-9a-f]{40}$/m);
    assert.match(text, /^ARG KANIKO_VERSION=v\d+\.\d+\.\d+$/m);
    assert.match(text, /rev-parse HEAD\)" = "\$\{KANIKO_COMMIT\}"/);
    assert.match(text, /^ENTRYPOINT \["\/kaniko\/kaniko-worker\.sh"\]$/m);
    assert.match(text, /COPY .*kaniko-worker\.sh kaniko-build \/kaniko\//);
  });
});
