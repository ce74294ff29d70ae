import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { LoopbackService } from "./loopback";
import * as path from "path";
import { CLOUD_NAMES_SCRIPT, BootExpectations, ContainerProbe, TaskContainer, USAGE, bootEnvironment, cascErrors, checkBoot, dockerRunArgs, entrypointProblem, expectationsOf, imageToBoot, parseArgs } from "../commands/bootTest";
import { JenkinsClient } from "../commands/jenkins";
import { readPins } from "../lib/jenkins/plugins";
import { SMOKE_TEST_JOB } from "../lib/jenkins/smokeTest";
import { ADMIN_PASSWORD_ENV, OIDC_CLIENT_SECRET_ENV } from "../lib/aws/controllerTask";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { cascOf } from "../offline/plan";
import { containersOf, expectOne, runStack } from "./helpers";

const PASSWORD = "boot-Test-pass-1";
const pluginsTxt = fs.readFileSync(path.join(PROJECT_ROOT, "controller-image", "plugins.txt"), "utf8");
const pins = readPins(pluginsTxt);
const expected: BootExpectations = {
  systemMessage: "Jenkins of stack dev (jenkins-ecs). Configured by code: changes made in this UI are replaced at the next restart.",
  cloudNames: ["ecs-jenkins-ecs-dev-ecs", "ecs-jenkins-ecs-dev-ecs-spot"],
  jobs: [SMOKE_TEST_JOB],
  plugins: pins,
};
const JCASC_ERROR_LINE =
  "SEVERE\tjenkins.InitReactorRunner$1#onTaskFailed: Failed ConfigurationAsCode.init\nio.jenkins.plugins.casc.UnknownAttributesException: ecs: Invalid configuration elements for type: class com.cloudbees.jenkins.plugins.amazonecs.ECSCloud : tunel.";

interface Scenario {
  /** /login answers 503 forever (Jenkins' boot failure page), and the log says why. */
  readonly bootFails?: boolean;
  readonly description?: string | null;
  readonly plugins?: { shortName: string; version: string; active: boolean; enabled: boolean }[];
  readonly clouds?: string[];
}

/**
 * A local stand-in for the Jenkins REST API the boot test calls, with the JSON shapes Jenkins
 * sends (Hudson's /api/json, the plugin manager's, the script console's plain text) and the
 * checks Jenkins makes: basic auth, and a crumb of the same session on POST.
 */
class FakeJenkins extends LoopbackService {
  constructor(private readonly scenario: Scenario) {
    super();
  }

  protected answer(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const send = (status: number, body: string, type = "application/json;charset=utf-8", headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": type, ...headers });
      res.end(body);
    };
    if (url.pathname === "/login") return this.scenario.bootFails ? send(503, "<html>Jenkins failed to start</html>", "text/html") : send(200, "<html>login</html>", "text/html");
    if (req.headers.authorization !== `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}`) return send(401, "{}", undefined, { "www-authenticate": 'Basic realm="Jenkins"' });
    if (url.pathname === "/crumbIssuer/api/json") return send(200, JSON.stringify({ crumb: "c1", crumbRequestField: "Jenkins-Crumb" }), undefined, { "set-cookie": "JSESSIONID.x=s1; Path=/; HttpOnly" });
    if (url.pathname === "/api/json" && url.searchParams.get("tree") === "description,jobs[name]") {
      return send(200, JSON.stringify({ _class: "hudson.model.Hudson", description: "description" in this.scenario ? this.scenario.description : expected.systemMessage, jobs: [{ _class: "com.cloudbees.hudson.plugins.folder.Folder", name: "team" }, { _class: "org.jenkinsci.plugins.workflow.job.WorkflowJob", name: SMOKE_TEST_JOB }] }));
    }
    if (url.pathname === "/pluginManager/api/json" && url.searchParams.get("depth") === "1") {
      const plugins = this.scenario.plugins ?? pins.map((p) => ({ shortName: p.plugin, version: p.version, active: true, enabled: true }));
      return send(200, JSON.stringify({ _class: "hudson.LocalPluginManager", plugins }));
    }
    if (url.pathname === "/scriptText" && req.method === "POST") {
      if (req.headers["jenkins-crumb"] !== "c1" || !String(req.headers.cookie).includes("JSESSIONID.x=s1")) return send(403, "No valid crumb was included in the request", "text/html");
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        if (new URLSearchParams(body).get("script") !== CLOUD_NAMES_SCRIPT) return send(400, "unexpected script", "text/plain");
        send(200, `${JSON.stringify(this.scenario.clouds ?? expected.cloudNames)}\n`, "text/plain;charset=utf-8");
      });
      return;
    }
    send(404, "{}");
  }
}

/** What the start script and Jenkins log on a good boot. */
const GOOD_LOG = [
  "jenkins-ecs: holding /var/jenkins_home/.jenkins-ecs.lock",
  "jenkins-ecs: replaced /var/jenkins_home/plugins with the image's 93 plugin files",
  "jenkins-ecs: starting Jenkins",
  "Jenkins is fully up and running",
  "",
].join("\n");

async function boot(scenario: Scenario, log = GOOD_LOG, running = true) {
  const jenkins = new FakeJenkins(scenario);
  await jenkins.start();
  try {
    const probe: ContainerProbe = { running: async () => running, logs: async () => log };
    return await checkBoot(new JenkinsClient(jenkins.baseUrl, "admin", PASSWORD), expected, probe, { readyTimeoutMs: 2000, pollMs: 20 });
  } finally {
    jenkins.stop();
  }
}

describe("npm run boot-test: the checks, against a fake Jenkins on 127.0.0.1", () => {
  it("green: JCasC applied, the clouds and the smoke job exist, every pin active", async () => {
    const report = await boot({});
    assert.deepStrictEqual(report.problems, []);
    assert.ok(report.ok);
    assert.deepStrictEqual(report.passed, [
      "Jenkins answered /login",
      "the start script took the lock on JENKINS_HOME and put the image's plugins in place",
      "JCasC applied the generated document (its system message is shown)",
      `jobs exist: ${SMOKE_TEST_JOB}`,
      `clouds exist: ${expected.cloudNames.join(", ")}`,
      `all ${pins.length} pinned plugins are active at their pinned versions`,
    ]);
  });

  it("a JCasC error: reported from the log, without waiting for the timeout", async () => {
    const started = Date.now();
    const report = await boot({ bootFails: true }, `Running from: /usr/share/jenkins/jenkins.war\n${JCASC_ERROR_LINE}\n`);
    assert.ok(!report.ok);
    assert.strictEqual(report.problems[0], "JCasC failed, so Jenkins did not start:");
    assert.match(report.problems[1], /UnknownAttributesException: ecs: Invalid configuration elements .* tunel\.$/);
    assert.ok(Date.now() - started < 1500, "it should stop at the first poll that shows the error");
  });

  it("a Jenkins that did not start through the start script (no lock lines in its log) fails", async () => {
    const report = await boot({}, "Running from: /usr/share/jenkins/jenkins.war\nJenkins is fully up and running\n");
    assert.ok(!report.ok);
    assert.match(report.problems[0], /Jenkins did not start through \/usr\/local\/bin\/jenkins-ecs-start, so nothing keeps a second controller off JENKINS_HOME/);
  });

  it("boots what the stack would run: --image, else the stack's controllerImage, else controller-image/ built", () => {
    assert.deepStrictEqual(imageToBoot("dev", "x/y:1", "a/b:2"), { image: "x/y:1", build: false });
    assert.deepStrictEqual(imageToBoot("dev", undefined, "a/b:2"), { image: "a/b:2", build: false });
    assert.deepStrictEqual(imageToBoot("Dev", undefined, undefined), { image: "jenkins-ecs-boot-test:dev", build: true });
  });

  it("the ENTRYPOINT check takes controller-image/Dockerfile's and refuses the official image's or none", () => {
    const ours = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(fs.readFileSync(path.join(PROJECT_ROOT, "controller-image", "Dockerfile"), "utf8"))![1]);
    assert.strictEqual(entrypointProblem(ours), undefined);
    assert.match(entrypointProblem(["/usr/bin/tini", "--", "/usr/local/bin/jenkins.sh"])!, /without the lock on JENKINS_HOME/);
    assert.match(entrypointProblem(null)!, /^the image's ENTRYPOINT is null/);
  });

  it("a document that did not apply (another system message) is reported", async () => {
    const report = await boot({ description: null });
    assert.ok(!report.ok);
    assert.match(report.problems[0], /^JCasC did not apply the generated document: the system message is null/);
  });

  it("a missing plugin, an inactive one and one at another version are each reported", async () => {
    const [first, second, third, ...rest] = pins;
    const plugins = [
      { shortName: second.plugin, version: second.version, active: false, enabled: true },
      { shortName: third.plugin, version: "0.1", active: true, enabled: true },
      ...rest.map((p) => ({ shortName: p.plugin, version: p.version, active: true, enabled: true })),
    ];
    const report = await boot({ plugins });
    assert.ok(!report.ok);
    assert.deepStrictEqual(report.problems, [
      `plugin ${first.plugin}:${first.version} is not installed`,
      `plugin ${second.plugin}:${second.version} is installed but not active (it failed to load: see the log, or Manage Jenkins > Plugins)`,
      `plugin ${third.plugin} is 0.1, but plugins.txt pins ${third.version}`,
    ]);
  });

  it("a cloud missing is reported by name", async () => {
    const report = await boot({ clouds: [expected.cloudNames[0]] });
    assert.deepStrictEqual(report.problems, [`missing clouds: ${expected.cloudNames[1]} (Jenkins has ${expected.cloudNames[0]})`]);
  });

  it("a container that exits before /login: its log's tail", async () => {
    const report = await boot({ bootFails: true }, "line 1\njenkins-ecs-start: JENKINS_HOME is locked by another controller; giving up\n", false);
    assert.strictEqual(report.problems[0], "the controller container exited before /login answered:");
    assert.match(report.problems.at(-1)!, /giving up$/);
  });

  it("finds JCasC's exceptions in a log and nothing else", () => {
    assert.deepStrictEqual(cascErrors("INFO\tstarted\nWARNING\tsomething else\n"), []);
    assert.strictEqual(cascErrors(JCASC_ERROR_LINE).length, 1);
  });
});

describe("npm run boot-test: the container it runs", () => {
  let container: TaskContainer;
  let generated: string;
  before(async () => {
    const graph = await runStack("dev");
    container = containersOf(expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" }))[0];
    generated = cascOf(graph);
  });

  it("runs the image's own entry point, as the task does, on 127.0.0.1 only", () => {
    const args = dockerRunArgs({ name: "n", image: "img:1", envFile: "/tmp/env", container });
    assert.deepStrictEqual(args, ["run", "--detach", "--name", "n", "--publish", "127.0.0.1::8080", "--env-file", "/tmp/env", "img:1"]);
    const overridden = dockerRunArgs({ name: "n", image: "img:1", envFile: "/tmp/env", container: { ...container, entryPoint: ["/bin/sh", "-c"], command: ["x"] } });
    assert.deepStrictEqual(overridden.slice(-5), ["--entrypoint", "/bin/sh", "img:1", "-c", "x"], "an override is reproduced as ECS would apply it");
  });

  it("passes the task's whole environment, the JCasC sources included, and a value for each secret; the password is the one it logs in with", () => {
    const lines = bootEnvironment(container, PASSWORD).trimEnd().split("\n");
    const env = new Map(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    for (const e of container.environment) assert.strictEqual(env.get(e.name), e.value, e.name);
    assert.strictEqual(env.get(ADMIN_PASSWORD_ENV), PASSWORD);
    const withSso = { ...container, secrets: [...container.secrets, { name: OIDC_CLIENT_SECRET_ENV, valueFrom: "arn:x" }] };
    assert.match(bootEnvironment(withSso, PASSWORD), new RegExp(`^${OIDC_CLIENT_SECRET_ENV}=boot-test-placeholder`, "m"));
    assert.ok(env.get("CASC_JENKINS_CONFIG")!.includes("/var/jenkins_casc/team/team.yaml"), "the team's files are booted too");
  });

  it("expects the stack's clouds, the smoke job, its system message and every pin", () => {
    const e = expectationsOf(generated, "jenkins-ecs", "dev", pluginsTxt);
    assert.deepStrictEqual(e.cloudNames, expected.cloudNames);
    assert.strictEqual(e.systemMessage, expected.systemMessage);
    assert.ok(generated.includes(e.systemMessage));
    assert.deepStrictEqual(e.plugins, pins);
  });
});

describe("npm run boot-test: the command line", () => {
  it("reads its flags, with the documented defaults", () => {
    assert.deepStrictEqual(parseArgs(["--stack", "dev"]), { stack: "dev", readyTimeoutSeconds: 600, keep: false });
    assert.deepStrictEqual(parseArgs(["--stack", "prod", "--image", "x:1", "--keep", "--ready-timeout", "900"]), { stack: "prod", image: "x:1", keep: true, readyTimeoutSeconds: 900 });
    assert.strictEqual(parseArgs(["--help"]), "help");
    assert.throws(() => parseArgs([]), /which stack/);
    assert.throws(() => parseArgs(["--stack", "dev", "--ready-timeout", "0"]), /whole number of seconds above 0/);
    for (const flag of ["--stack", "--network", "--image", "--ready-timeout", "--keep"]) assert.ok(USAGE.includes(flag), flag);
  });

  it("the module's first comment lists the Jenkins endpoints it calls", () => {
    const source = fs.readFileSync(path.join(PROJECT_ROOT, "commands", "bootTest.ts"), "utf8");
    for (const endpoint of ["login", "crumbIssuer/api/json", "api/json?tree=description,jobs[name]", "scriptText", "pluginManager/api/json?depth=1"]) {
      assert.ok(source.split("*/")[0].includes(endpoint), endpoint);
    }
  });
});
