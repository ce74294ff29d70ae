import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CASC_SOURCES_ENV, CONTROLLER_ENTRYPOINT, START_SCRIPT } from "../lib/aws/controllerTask";
import { LOCK_WAIT_SECONDS, STOP_TIMEOUT_SECONDS } from "../lib/aws/controllerWaits";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { START_SCRIPT_LOG } from "../commands/bootTest";
import { cascSourcesOf, containersOf, expectOne, runStack } from "./helpers";

const SCRIPT = path.join(PROJECT_ROOT, "controller-image", "jenkins-ecs-start.sh");

interface Run {
  child: ChildProcess;
  stderr: string;
  /** Resolves with the exit code and the time the process ended. */
  done: Promise<{ code: number | null; endedAt: number }>;
}

/** An image's reference folder ($REF) whose plugins folder holds these files (name to content). */
function imageRef(plugins: Record<string, string>): string {
  const ref = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-ref-"));
  fs.mkdirSync(path.join(ref, "plugins"));
  for (const [name, content] of Object.entries(plugins)) fs.writeFileSync(path.join(ref, "plugins", name), content);
  return ref;
}

/**
 * Runs the start script for real, as the container would, on a JENKINS_HOME folder: `command`
 * stands for jenkins.sh. The image's plugins are one archive unless `env` gives another REF.
 */
function start(home: string, command: string, waitSeconds = 10, env: Record<string, string> = {}): Run {
  // Its own process group, so that stopping it stops the command it started too (see `stop`).
  const environment = { ...process.env, JENKINS_HOME: home, JENKINS_ECS_LOCK_WAIT_SECONDS: String(waitSeconds), REF: imageRef({ "git.jpi": "git 5.2" }), ...env };
  const child = spawn("sh", [SCRIPT, "sh", "-c", command], { detached: true, env: environment });
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

  it("a controller that starts alone starts at once, logging the lines the boot test looks for", async () => {
    const run = start(home, "true");
    assert.strictEqual((await run.done).code, 0);
    assert.doesNotMatch(run.stderr, /waiting/);
    assert.match(run.stderr, START_SCRIPT_LOG.locked);
    assert.match(run.stderr, START_SCRIPT_LOG.started);
  });

  it("the bound is past the old task's stop timeout, and the task definition passes it", async () => {
    assert.ok(LOCK_WAIT_SECONDS > STOP_TIMEOUT_SECONDS);
    const [container] = containersOf(expectOne(await runStack("dev"), "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" }));
    assert.deepStrictEqual(container.environment.find((e: any) => e.name === "JENKINS_ECS_LOCK_WAIT_SECONDS"), { name: "JENKINS_ECS_LOCK_WAIT_SECONDS", value: String(LOCK_WAIT_SECONDS) });
  });
});

describe("the lock cannot be skipped: the image's own entry point takes it", () => {
  const dockerfile = fs.readFileSync(path.join(PROJECT_ROOT, "controller-image", "Dockerfile"), "utf8");

  it("the Dockerfile installs the script and makes it the ENTRYPOINT, under tini and before jenkins.sh", () => {
    assert.match(dockerfile, new RegExp(`^COPY --chmod=755 jenkins-ecs-start\\.sh ${START_SCRIPT}$`, "m"));
    const entrypoints = [...dockerfile.matchAll(/^ENTRYPOINT (.*)$/gm)];
    assert.strictEqual(entrypoints.length, 1, "one ENTRYPOINT");
    assert.deepStrictEqual(JSON.parse(entrypoints[0][1]), [...CONTROLLER_ENTRYPOINT]);
    assert.ok(!/^CMD /m.test(dockerfile), "no CMD to replace jenkins.sh's arguments");
    assert.ok(!/PLUGINS_FORCE_UPGRADE=/.test(dockerfile), "PLUGINS_FORCE_UPGRADE does not do what it says; the start script replaces the plugins");
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: the controller container has no entryPoint or command, so ECS runs the image's`, async () => {
      const [container] = containersOf(expectOne(await runStack(stack), "aws:ecs/taskDefinition:TaskDefinition", { family: `jenkins-ecs-${stack}-controller` }));
      assert.strictEqual(container.entryPoint, undefined);
      assert.strictEqual(container.command, undefined);
    });
  }
});

describe("plugins come only from the image (real processes)", function () {
  this.timeout(20000);
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-home-"))));
  const plugins = () => path.join(home, "plugins");
  const seen = () => path.join(home, "jenkins-saw");
  /** What Jenkins finds when it starts: the plugin files and their contents. */
  const jenkinsSaw = `for f in "$JENKINS_HOME"/plugins/*; do echo "$(basename "$f")=$(cat "$f" 2>/dev/null || echo DIR)"; done > "$JENKINS_HOME/jenkins-saw"`;
  const read = () => fs.readFileSync(seen(), "utf8").trim().split("\n");
  const homeHas = (files: Record<string, string>) => {
    fs.mkdirSync(plugins(), { recursive: true });
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(plugins(), name), content);
  };

  it("an older plugin in the image wins over a newer one in JENKINS_HOME (a rollback)", async () => {
    homeHas({ "git.jpi": "git 5.3", "credentials.jpi": "credentials 1502" });
    const run = start(home, jenkinsSaw, 10, { REF: imageRef({ "git.jpi": "git 5.2", "credentials.jpi": "credentials 1502" }) });
    assert.strictEqual((await run.done).code, 0, run.stderr);
    assert.deepStrictEqual(read(), ["credentials.jpi=credentials 1502", "git.jpi=git 5.2"]);
    assert.match(run.stderr, /replaced .*\/plugins with the image's 2 plugin files/);
  });

  it("a plugin the image no longer has (removed from plugins.txt, or installed in the UI) disappears, unpacked folder and all", async () => {
    homeHas({ "git.jpi": "git 5.2", "blueocean.jpi": "from the UI", "blueocean.jpi.pinned": "" });
    fs.mkdirSync(path.join(plugins(), "blueocean", "WEB-INF"), { recursive: true });
    const run = start(home, jenkinsSaw);
    assert.strictEqual((await run.done).code, 0, run.stderr);
    assert.deepStrictEqual(read(), ["git.jpi=git 5.2"]);
    assert.match(run.stderr, /removed: .*blueocean\.jpi/);
  });

  it("a first start fills an empty JENKINS_HOME", async () => {
    const run = start(home, jenkinsSaw);
    assert.strictEqual((await run.done).code, 0, run.stderr);
    assert.deepStrictEqual(read(), ["git.jpi=git 5.2"]);
  });

  it("the image's set already in place is kept, and with it Jenkins' unpacked plugins", async () => {
    homeHas({ "git.jpi": "git 5.2" });
    fs.mkdirSync(path.join(plugins(), "git", "META-INF"), { recursive: true });
    const run = start(home, jenkinsSaw);
    assert.strictEqual((await run.done).code, 0, run.stderr);
    assert.deepStrictEqual(read(), ["git=DIR", "git.jpi=git 5.2"]);
    assert.match(run.stderr, /holds exactly the image's 1 plugin files/);
  });

  it("an image without plugins starts nothing and says what an image needs", async () => {
    homeHas({ "git.jpi": "git 5.2" });
    const run = start(home, jenkinsSaw, 10, { REF: imageRef({}) });
    assert.strictEqual((await run.done).code, 78);
    assert.match(run.stderr, /the image has no plugins in .*; an image for jenkins-ecs is built FROM controller-image\/Dockerfile/);
    assert.ok(!fs.existsSync(seen()), "Jenkins started");
    assert.deepStrictEqual(fs.readdirSync(plugins()), ["git.jpi"], "JENKINS_HOME's plugins were touched");
  });

  it("a waiting controller touches the plugins only once it holds the lock", async () => {
    homeHas({ "git.jpi": "git 5.2" });
    const release = path.join(home, "release-first");
    const first = start(home, `while [ ! -e ${release} ]; do sleep 0.05; done`);
    await said(first, "starting Jenkins");
    const second = start(home, jenkinsSaw, 10, { REF: imageRef({ "git.jpi": "git 5.3" }) });
    await said(second, "waiting up to 10 s");
    assert.strictEqual(fs.readFileSync(path.join(plugins(), "git.jpi"), "utf8"), "git 5.2", "replaced under a running Jenkins");
    fs.writeFileSync(release, "");
    assert.strictEqual((await second.done).code, 0, second.stderr);
    assert.deepStrictEqual(read(), ["git.jpi=git 5.3"]);
  });
});

describe("the JCasC sources the task carries are written by the start script (real processes)", function () {
  this.timeout(20000);
  let home: string;
  let casc: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-home-"));
    casc = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-casc-"));
  });

  it("every source of dev's task definition lands, byte for byte, at its place in CASC_JENKINS_CONFIG, before Jenkins starts", async () => {
    const [container] = containersOf(expectOne(await runStack("dev"), "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" }));
    const env: Record<string, string> = Object.fromEntries(container.environment.map((e: any) => [e.name, e.value]));
    const paths = env.CASC_JENKINS_CONFIG.split(",");
    assert.ok(paths.length >= 2 && paths.every((p) => p.startsWith("/var/jenkins_casc/")), env.CASC_JENKINS_CONFIG);
    // The same task environment, with /var/jenkins_casc moved to a temporary folder.
    const moved = (p: string) => p.replace("/var/jenkins_casc", casc);
    const run = start(home, `for f in ${paths.map(moved).join(" ")}; do test -f "$f" || exit 9; done`, 10, {
      ...env,
      [CASC_SOURCES_ENV]: env[CASC_SOURCES_ENV].replace(/=\/var\/jenkins_casc/g, `=${casc}`),
    });
    assert.strictEqual((await run.done).code, 0, run.stderr);
    const sources = cascSourcesOf(container);
    assert.deepStrictEqual(env[CASC_SOURCES_ENV].split(" ").map((pair) => pair.split("=")[1]), paths, "one source per CASC_JENKINS_CONFIG entry, in order");
    for (const [i, pair] of env[CASC_SOURCES_ENV].split(" ").entries()) {
      const [variable, file] = pair.split("=");
      assert.strictEqual(fs.readFileSync(moved(file), "utf8"), sources.find((s) => s.env === variable)!.yaml, `${variable} -> ${file}`);
      assert.strictEqual(file, paths[i]);
    }
  });

  it("text with quotes, dollars and line breaks survives", async () => {
    const text = "a: '$HOME \"x\"'\nb: ${NOT_EXPANDED}\n`c`\n";
    const file = path.join(casc, "team", "t.yaml");
    const run = start(home, "true", 10, { T_BASE64: Buffer.from(text).toString("base64"), [CASC_SOURCES_ENV]: `T_BASE64=${file}` });
    assert.strictEqual((await run.done).code, 0, run.stderr);
    assert.strictEqual(fs.readFileSync(file, "utf8"), text);
  });

  it("a source whose variable is not set, or a bad pair, stops the start before Jenkins and the lock", async () => {
    for (const [sources, message] of [
      [`MISSING_BASE64=${casc}/x.yaml`, /names MISSING_BASE64, which is not set/],
      [`bad-name=${casc}/x.yaml`, /"bad-name" is not a variable name/],
      ["T_BASE64=relative.yaml", /"relative\.yaml" is not an absolute path/],
    ] as const) {
      const marker = path.join(home, "started");
      const run = start(home, `touch ${marker}`, 10, { T_BASE64: "eA==", [CASC_SOURCES_ENV]: sources });
      assert.strictEqual((await run.done).code, 78, sources);
      assert.match(run.stderr, message);
      assert.ok(!fs.existsSync(marker) && !fs.existsSync(path.join(home, ".jenkins-ecs.lock")), sources);
    }
  });
});
