import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { START_SCRIPT } from "../lib/aws/controllerTask";
import { LOCK_WAIT_SECONDS, STOP_TIMEOUT_SECONDS } from "../lib/aws/controllerWaits";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { containersOf, expectOne, runStack } from "./helpers";

const SCRIPT = path.join(PROJECT_ROOT, "controller-image", "jenkins-ecs-start.sh");

interface Run {
  child: ChildProcess;
  stderr: string;
  /** Resolves with the exit code and the time the process ended. */
  done: Promise<{ code: number | null; endedAt: number }>;
}

/** Runs the start script for real, as the container would, on a JENKINS_HOME folder. */
function start(home: string, command: string, waitSeconds = 10): Run {
  // Its own process group, so that stopping it stops the command it started too (see `stop`).
  const child = spawn("sh", [SCRIPT, "sh", "-c", command], { detached: true, env: { ...process.env, JENKINS_HOME: home, JENKINS_ECS_LOCK_WAIT_SECONDS: String(waitSeconds) } });
  const run: Run = { child, stderr: "", done: undefined as any };
  child.stderr.on("data", (chunk) => (run.stderr += chunk));
  run.done = new Promise((resolve) => child.on("close", (code) => resolve({ code, endedAt: Date.now() })));
  return run;
}

/** Stops a run and everything it started, as ECS stops a task, and waits until it has ended. */
async function stop(run: Run): Promise<void> {
  process.kill(-run.child.pid!, "SIGTERM");
  await run.done;
}

/** Resolves once the process has printed `text` on stderr. */
function said(run: Run, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => (run.stderr.includes(text) ? resolve() : undefined);
    run.child.stderr!.on("data", check);
    run.child.on("close", () => (run.stderr.includes(text) ? resolve() : reject(new Error(`never said "${text}": ${run.stderr}`))));
    check();
  });
}

describe("one writer of JENKINS_HOME: the controller's start lock (real processes)", function () {
  this.timeout(20000);
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-home-"))));

  it("a second controller starts only after the first has exited, and says it is waiting", async () => {
    const marker = path.join(home, "second-started-at");
    const release = path.join(home, "release-first");
    // The first holds the lock until the test lets it go, however slowly the second one starts.
    const first = start(home, `while [ ! -e ${release} ]; do sleep 0.05; done`);
    await said(first, "holding");
    const second = start(home, `date +%s%3N > ${marker}`);
    await said(second, "waiting up to 10 s");
    fs.writeFileSync(release, "");
    const [firstEnd, secondEnd] = await Promise.all([first.done, second.done]);
    assert.deepStrictEqual([firstEnd.code, secondEnd.code], [0, 0]);
    const secondStartedAt = Number(fs.readFileSync(marker, "utf8"));
    assert.ok(secondStartedAt >= firstEnd.endedAt - 50, `second started at ${secondStartedAt}, first ended at ${firstEnd.endedAt}`);
  });

  it("gives up after the bound with a clear line and a non-zero exit, starting nothing", async () => {
    const marker = path.join(home, "should-not-exist");
    const first = start(home, "sleep 30");
    await said(first, "holding");
    const second = start(home, `touch ${marker}`, 1);
    const { code } = await second.done;
    assert.strictEqual(code, 75);
    assert.match(second.stderr, /gave up after 1 s: another controller still holds .*\.jenkins-ecs\.lock/);
    assert.ok(!fs.existsSync(marker), "the command ran without the lock");
    await stop(first);
  });

  it("a controller that starts alone starts at once", async () => {
    const run = start(home, "true");
    assert.strictEqual((await run.done).code, 0);
    assert.doesNotMatch(run.stderr, /waiting/);
  });

  it("the task definition starts Jenkins through the script, with the bound past the old task's stop timeout", async () => {
    assert.ok(LOCK_WAIT_SECONDS > STOP_TIMEOUT_SECONDS);
    const [container] = containersOf(expectOne(await runStack("dev"), "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" }));
    assert.ok(container.command[0].includes(`exec ${START_SCRIPT} /usr/bin/tini -- /usr/local/bin/jenkins.sh`));
    assert.deepStrictEqual(container.environment.find((e: any) => e.name === "JENKINS_ECS_LOCK_WAIT_SECONDS"), { name: "JENKINS_ECS_LOCK_WAIT_SECONDS", value: String(LOCK_WAIT_SECONDS) });
    const dockerfile = fs.readFileSync(path.join(PROJECT_ROOT, "controller-image", "Dockerfile"), "utf8");
    assert.match(dockerfile, new RegExp(`^COPY --chmod=755 jenkins-ecs-start\\.sh ${START_SCRIPT}$`, "m"));
  });
});
