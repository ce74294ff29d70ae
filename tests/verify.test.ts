import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import { LoopbackService } from "./loopback";
import * as os from "os";
import * as path from "path";
import { USAGE, VerifyIo, VerifyOptions, VerifyReport, formatReport, parseArgs, secretFromAws, verify } from "../commands/verify";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { npmRun } from "./npmRun";

/** Jenkins' own root URL (its location setting): it writes it into Location headers and `url` fields. */
const JENKINS_ROOT = "https://jenkins.example.com/";
const PASSWORD = "Corr3ct-Horse!Battery";
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:controller-admin-1a2b3c4-AbCdEf";
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

type Outcome = { result: string; agentAfterMs?: number; durationMs: number; console?: string; neverStarts?: boolean; cache?: string; kaniko?: string };

interface Scenario {
  /** What each build of a label does, in order (cold, then warm). */
  readonly builds: Record<string, Outcome[]>;
  readonly jobMissing?: boolean;
  readonly choices?: string[];
}

/**
 * A local stand-in for the subset of the Jenkins REST API verify uses, answering with the JSON
 * shapes Jenkins sends (job with ParametersDefinitionProperty, Queue$WaitingItem/LeftItem with
 * `executable`, WorkflowRun) and checking what Jenkins checks: basic auth, crumb and session.
 */
class FakeJenkins extends LoopbackService {
  private queue = new Map<number, { label: string; outcome: Outcome; polls: number; inQueueSince: number; build?: number }>();
  private builds = new Map<number, { label: string; outcome: Outcome; polls: number; timestamp: number }>();
  private nextId = 1;

  constructor(private readonly scenario: Scenario) {
    super();
  }

  protected answer(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json;charset=utf-8", ...headers });
      res.end(JSON.stringify(body));
    };
    const authorized = req.headers.authorization === `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}`;
    if (url.pathname === "/login") return json(200, {});
    if (!authorized) return json(401, {}, { "www-authenticate": 'Basic realm="Jenkins"' });
    if (url.pathname === "/crumbIssuer/api/json") {
      return json(200, { _class: "hudson.security.csrf.DefaultCrumbIssuer", crumb: "c0ffee", crumbRequestField: "Jenkins-Crumb" }, { "set-cookie": "JSESSIONID.abcd1234=node01x; Path=/; HttpOnly" });
    }
    const job = /^\/job\/agent-smoke-test\/(.*)$/.exec(url.pathname);
    if (job && this.scenario.jobMissing) return json(404, {});
    if (job && job[1] === "api/json") {
      const choices = this.scenario.choices ?? Object.keys(this.scenario.builds);
      return json(200, {
        _class: "org.jenkinsci.plugins.workflow.job.WorkflowJob",
        name: "agent-smoke-test",
        property: [
          {
            _class: "hudson.model.ParametersDefinitionProperty",
            parameterDefinitions: [
              {
                _class: "hudson.model.ChoiceParameterDefinition",
                defaultParameterValue: { _class: "hudson.model.StringParameterValue", name: "LABEL", value: choices[0] },
                description: "Agent template (label) to run on",
                name: "LABEL",
                type: "ChoiceParameterDefinition",
                choices,
              },
            ],
          },
        ],
      });
    }
    if (job && job[1] === "buildWithParameters" && req.method === "POST") {
      // Jenkins' CSRF protection: the crumb, from the same session.
      if (req.headers["jenkins-crumb"] !== "c0ffee" || !String(req.headers.cookie).includes("JSESSIONID.abcd1234=node01x")) return json(403, {});
      const label = url.searchParams.get("LABEL")!;
      const outcome = this.scenario.builds[label].shift()!;
      const id = this.nextId++;
      this.queue.set(id, { label, outcome, polls: 0, inQueueSince: T0 + id * 1_000_000 });
      res.writeHead(201, { location: `${JENKINS_ROOT}queue/item/${id}/` });
      res.end();
      return;
    }
    const queued = /^\/queue\/item\/(\d+)\/api\/json$/.exec(url.pathname);
    if (queued) {
      const item = this.queue.get(Number(queued[1]))!;
      item.polls++;
      const common = { id: Number(queued[1]), inQueueSince: item.inQueueSince, params: `\nLABEL=${item.label}`, url: `queue/item/${queued[1]}/` };
      if (item.polls < 2 || item.outcome.neverStarts) {
        return json(200, { _class: "hudson.model.Queue$WaitingItem", ...common, blocked: false, buildable: false, stuck: false, why: `Waiting for next available executor on ‘${item.label}’` });
      }
      if (item.build === undefined) {
        item.build = this.nextId++;
        this.builds.set(item.build, { label: item.label, outcome: item.outcome, polls: 0, timestamp: item.inQueueSince + 2_000 });
      }
      return json(200, {
        _class: "hudson.model.Queue$LeftItem",
        ...common,
        cancelled: false,
        executable: { _class: "org.jenkinsci.plugins.workflow.job.WorkflowRun", number: item.build, url: `${JENKINS_ROOT}job/agent-smoke-test/${item.build}/` },
      });
    }
    const run = job && /^(\d+)\/(api\/json|consoleText)$/.exec(job[1]);
    if (run) {
      const build = this.builds.get(Number(run[1]))!;
      const agentStartedAt = build.timestamp - 2_000 + (build.outcome.agentAfterMs ?? 0);
      if (run[2] === "consoleText") {
        res.writeHead(200, { "content-type": "text/plain;charset=utf-8" });
        res.end(build.outcome.console ?? smokeConsole(build.label, agentStartedAt, build.outcome.cache, build.outcome.kaniko));
        return;
      }
      build.polls++;
      const building = build.polls < 2;
      return json(200, {
        _class: "org.jenkinsci.plugins.workflow.job.WorkflowRun",
        building,
        duration: building ? 0 : build.outcome.durationMs,
        fullDisplayName: `agent-smoke-test #${run[1]}`,
        number: Number(run[1]),
        result: building ? null : build.outcome.result,
        timestamp: build.timestamp,
        url: `${JENKINS_ROOT}job/agent-smoke-test/${run[1]}/`,
      });
    }
    json(404, {});
  }
}

/** A pipeline console with the agent's report, as the smoke job prints it. */
function smokeConsole(label: string, startedAt: number, cache?: string, kaniko?: string): string {
  const arm = label.includes("arm");
  return [
    "Started by user admin",
    "[Pipeline] Start of Pipeline",
    "[Pipeline] timeout",
    "Timeout set to expire in 20 min",
    "[Pipeline] {",
    "[Pipeline] node",
    `Still waiting to schedule task`,
    `‘${label}-1a2b3’ is offline`,
    `Running on ${label}-1a2b3 in /home/jenkins/workspace/agent-smoke-test`,
    "[Pipeline] {",
    "[Pipeline] stage",
    "[Pipeline] { (Agent)",
    "[Pipeline] sh (agent report)",
    `started at: ${startedAt}`,
    "host: ip-10-0-1-7.eu-west-1.compute.internal",
    `architecture: ${arm ? "aarch64" : "x86_64"}`,
    'java: openjdk version "21.0.9" 2025-10-21 LTS',
    "task cpu: 1",
    "task memory: 2048",
    "availability zone: eu-west-1b",
    `capacity provider: ${label.includes("spot") ? "FARGATE_SPOT" : "FARGATE"}`,
    ...(cache !== undefined ? [`cache: ${cache}`] : []),
    ...(kaniko !== undefined ? [`kaniko: ${kaniko}`] : []),
    "[Pipeline] }",
    "[Pipeline] End of Pipeline",
    "Finished: SUCCESS",
    "",
  ].join("\n");
}

const OUTPUTS = {
  url: JENKINS_ROOT,
  adminUser: "admin",
  adminSecretArn: SECRET_ARN,
  agentTemplates: [
    { label: "ecs", family: "jenkins-ecs-dev-agent-ecs", cpu: 1024, memory: 2048, architecture: "X86_64", spot: false, reuse: true, maxAgents: 10 },
    { label: "ecs-spot", family: "jenkins-ecs-dev-agent-ecs-spot", cpu: 1024, memory: 2048, architecture: "X86_64", spot: true, reuse: false, maxAgents: 10 },
  ],
};

/** A Secrets Manager stand-in (JSON protocol, X-Amz-Target) for the SDK to reach through AWS_ENDPOINT_URL. */
async function secretsManagerStub(): Promise<{ url: string; calls: string[]; close: () => void }> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      calls.push(`${req.headers["x-amz-target"]} ${JSON.parse(body).SecretId}`);
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ ARN: SECRET_ARN, Name: "controller-admin-1a2b3c4", SecretString: PASSWORD, VersionId: "v1", VersionStages: ["AWSCURRENT"], CreatedDate: 1.7e9 }));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => server.close() };
}

describe("npm run verify", function () {
  this.timeout(20000);
  let outputsFile: string;
  let secrets: { url: string; calls: string[]; close: () => void };
  const env = { ...process.env };
  const realFetch = globalThis.fetch;
  const reached: string[] = [];

  before(async () => {
    outputsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "verify-")), "outputs.json");
    fs.writeFileSync(outputsFile, JSON.stringify(OUTPUTS));
    secrets = await secretsManagerStub();
    // The SDK's own endpoint and credential variables: no AWS account is reached.
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, AWS_ACCESS_KEY_ID: "AKIAOFFLINE", AWS_SECRET_ACCESS_KEY: "offline", AWS_EC2_METADATA_DISABLED: "true" });
    // Every HTTP request verify makes is recorded: none may leave 127.0.0.1.
    globalThis.fetch = ((input: any, init?: any) => {
      reached.push(new URL(typeof input === "string" ? input : input.url).host);
      return realFetch(input, init);
    }) as typeof fetch;
  });
  after(() => {
    secrets.close();
    globalThis.fetch = realFetch;
    for (const key of ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"]) {
      if (env[key] === undefined) delete process.env[key];
      else process.env[key] = env[key];
    }
  });

  /** Runs verify against a fake Jenkins on a virtual clock: sleeping only moves the clock. */
  async function run(scenario: Scenario, extra: Partial<VerifyOptions> = {}) {
    const jenkins = new FakeJenkins(scenario);
    await jenkins.start();
    let clock = T0;
    const progress: string[] = [];
    const io: VerifyIo = {
      progress: (line) => progress.push(line),
      sleep: async (ms) => {
        clock += ms;
        await new Promise((done) => setImmediate(done));
      },
      now: () => clock,
      secret: secretFromAws,
    };
    const options: VerifyOptions = { source: { file: outputsFile }, url: jenkins.baseUrl, labels: [], readyTimeoutSeconds: 600, timeoutSeconds: 900, pollSeconds: 5, json: false, ...extra };
    try {
      const report = await verify(options, io);
      return { report, progress, jenkins, error: undefined as Error | undefined };
    } catch (error) {
      return { report: undefined as VerifyReport | undefined, progress, jenkins, error: error as Error };
    } finally {
      jenkins.stop();
    }
  }

  it("a cache the template does not have (or lacks) fails the template, naming both", async () => {
    const { report } = await run({
      builds: {
        ecs: [{ result: "SUCCESS", agentAfterMs: 48_000, durationMs: 61_000, cache: "" }, { result: "SUCCESS", agentAfterMs: 3_000, durationMs: 9_000, cache: "" }],
        "ecs-spot": [{ result: "SUCCESS", agentAfterMs: 55_500, durationMs: 70_000, cache: "/home/jenkins/.m2" }],
      },
    });
    assert.ok(report && !report.ok);
    assert.deepStrictEqual(report.labels.map((l) => [l.label, l.result]), [["ecs", "SUCCESS"], ["ecs-spot", "FAILURE"]]);
    assert.strictEqual(report.labels[1].message, "ecs-spot: the agent has a cache at /home/jenkins/.m2, but the template's cache is none");
  });

  it("a kaniko template whose agent finds no ready kaniko container fails; a ready one passes", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "verify-")), "outputs.json");
    fs.writeFileSync(file, JSON.stringify({ ...OUTPUTS, agentTemplates: [{ ...OUTPUTS.agentTemplates[1], label: "image", family: "jenkins-ecs-dev-agent-image", kaniko: true }, OUTPUTS.agentTemplates[1]] }));
    const outputs = { source: { file } };
    const { report } = await run({
      builds: {
        image: [{ result: "SUCCESS", agentAfterMs: 48_000, durationMs: 61_000, kaniko: "" }],
        "ecs-spot": [{ result: "SUCCESS", agentAfterMs: 55_500, durationMs: 70_000, kaniko: "" }],
      },
    }, outputs);
    assert.ok(report && !report.ok);
    assert.deepStrictEqual(report.labels.map((l) => [l.label, l.result]), [["image", "FAILURE"], ["ecs-spot", "SUCCESS"]]);
    assert.strictEqual(report.labels[0].message, "image: the template has kaniko, but the agent found no ready kaniko container");
    const ready = await run({ builds: { image: [{ result: "SUCCESS", agentAfterMs: 48_000, durationMs: 61_000, kaniko: "ready" }], "ecs-spot": [{ result: "SUCCESS", agentAfterMs: 55_500, durationMs: 70_000, kaniko: "" }] } }, outputs);
    assert.ok(ready.report?.ok, JSON.stringify(ready.report?.labels));
  });

  it("all green: every template built, the reused one twice; agent waits measured from queue to agent", async () => {
    const { report, progress, jenkins } = await run({
      builds: {
        ecs: [
          { result: "SUCCESS", agentAfterMs: 48_000, durationMs: 61_000 },
          { result: "SUCCESS", agentAfterMs: 3_000, durationMs: 9_000 },
        ],
        "ecs-spot": [{ result: "SUCCESS", agentAfterMs: 55_500, durationMs: 70_000 }],
      },
    });
    assert.ok(report, "no report");
    assert.strictEqual(report.ok, true);
    assert.deepStrictEqual(
      report.labels.map((l) => [l.label, l.result, l.agentWaitSeconds, l.buildSeconds, l.warm?.agentWaitSeconds, l.architecture, l.capacityProvider]),
      [
        ["ecs", "SUCCESS", 48, 61, 3, "x86_64", "FARGATE"],
        ["ecs-spot", "SUCCESS", 55.5, 70, undefined, "x86_64", "FARGATE_SPOT"],
      ],
    );
    const table = formatReport(report);
    assert.match(table, /^label\s+result\s+agent wait\s+build time\s+warm wait\s+architecture\s+spot$/m);
    assert.match(table, /^ecs\s+SUCCESS\s+48 s\s+61 s\s+3 s\s+x86_64\s+no$/m);
    assert.match(table, /^ecs-spot\s+SUCCESS\s+55\.5 s\s+70 s\s+-\s+x86_64\s+yes$/m);
    // Progress lines carry elapsed seconds, one per check.
    for (const step of [/Jenkins answers \/login with 200/, /Logged in as admin/, /agent-smoke-test offers LABEL: ecs, ecs-spot/, /ecs: warm build SUCCESS/]) {
      assert.ok(progress.some((l) => /^\[\s*\d+s\] /.test(l) && step.test(l)), `no progress line ${step}`);
    }
    // Exactly the endpoints the module's first comment lists, and the secret once.
    const endpoints = new Set(jenkins.requests.map((r) => r.replace(/\d+/g, "<n>").replace(/LABEL=[\w-]+/, "LABEL=<label>")));
    assert.deepStrictEqual([...endpoints].sort(), [
      "GET /crumbIssuer/api/json",
      "GET /job/agent-smoke-test/<n>/api/json",
      "GET /job/agent-smoke-test/<n>/consoleText",
      "GET /job/agent-smoke-test/api/json",
      "GET /login",
      "GET /queue/item/<n>/api/json",
      "POST /job/agent-smoke-test/buildWithParameters?LABEL=<label>",
    ]);
    assert.ok(secrets.calls.includes(`secretsmanager.GetSecretValue ${SECRET_ARN}`), secrets.calls.join());
  });

  it("a failed build: the report fails, with the console's last 40 lines and the runbook section for a pull error", async () => {
    const console = [...Array.from({ length: 60 }, (_, i) => `line ${i}`), "ECS task stopped: CannotPullContainerError: pull image manifest has been retried 5 time(s)", "Finished: FAILURE", ""].join("\n");
    const { report } = await run({ builds: { ecs: [{ result: "FAILURE", durationMs: 120_000, console }], "ecs-spot": [{ result: "SUCCESS", agentAfterMs: 50_000, durationMs: 60_000 }] } });
    assert.ok(report);
    assert.strictEqual(report.ok, false);
    const ecs = report.labels[0];
    assert.deepStrictEqual([ecs.result, ecs.runbook, ecs.warm], ["FAILURE", "docs/runbook.md#image-pull-errors", undefined]);
    assert.strictEqual(ecs.consoleTail!.split("\n").length, 40);
    assert.match(ecs.consoleTail!, /CannotPullContainerError[\s\S]*Finished: FAILURE$/);
    const text = formatReport(report);
    assert.match(text, /^FAILED: /);
    assert.match(text, /Runbook: docs\/runbook\.md#image-pull-errors/);
    assert.match(text, /^ecs: the smoke build ended FAILURE \(https:\/\/jenkins\.example\.com\/job\/agent-smoke-test\/\d+\/\)$/m);
    assert.match(text, /Last lines of the console:\nline 22\n/);
  });

  it("a build that never leaves the queue: a timeout naming the label", async () => {
    const { report } = await run({ builds: { ecs: [{ result: "SUCCESS", durationMs: 0, neverStarts: true }], "ecs-spot": [] } }, { labels: ["ecs"], timeoutSeconds: 60 });
    assert.ok(report);
    assert.strictEqual(report.ok, false);
    assert.strictEqual(report.labels[0].result, "TIMEOUT");
    assert.match(report.labels[0].message!, /^ecs: no agent finished a build within 60 s \(still in the queue: Waiting for next available executor on ‘ecs’\)/);
    assert.strictEqual(report.labels[0].runbook, "docs/runbook.md#agents-that-never-connect");
  });

  it("401 from Jenkins: a wrong-password message, not a stack trace", async () => {
    const wrong = fs.mkdtempSync(path.join(os.tmpdir(), "verify-"));
    fs.writeFileSync(path.join(wrong, "outputs.json"), JSON.stringify({ ...OUTPUTS, adminUser: "someone" }));
    const { error } = await run({ builds: { ecs: [], "ecs-spot": [] } }, { source: { file: path.join(wrong, "outputs.json") } });
    assert.strictEqual(error?.name, "Error");
    assert.match(error!.message, /^Jenkins refused the login of "someone" \(401\): the password in the admin secret is not the one Jenkins has/);
  });

  it("the smoke job missing: says the configuration was not applied", async () => {
    const { error } = await run({ builds: { ecs: [], "ecs-spot": [] }, jobMissing: true });
    assert.match(error!.message, /^Jenkins has no job agent-smoke-test: the configuration \(JCasC\) was not applied/);
  });

  it("a smoke job that lacks a template: says Jenkins runs an older configuration", async () => {
    const { error } = await run({ builds: { ecs: [], "ecs-spot": [] }, choices: ["ecs"] });
    assert.match(error!.message, /offers LABEL \["ecs"\] but not ecs-spot: Jenkins runs an older configuration/);
  });

  it("never reached beyond 127.0.0.1", () => {
    assert.ok(reached.length > 10);
    assert.deepStrictEqual([...new Set(reached.map((host) => host.split(":")[0]))], ["127.0.0.1"]);
  });
});

// Started as this file loads, so the process runs beside the in-process tests.
const verifyHelp = npmRun("verify", "--help");

describe("npm run verify: the command line", () => {
  it("--help documents every flag", async () => {
    const help = await verifyHelp;
    assert.strictEqual(help.status, 0, help.stderr);
    assert.strictEqual(help.stdout.trim(), USAGE);
    for (const flag of ["--stack", "--outputs", "--url", "--label", "--ready-timeout", "--timeout", "--poll", "--json", "--help"]) {
      assert.match(help.stdout, new RegExp(`^ {2}${flag}\\b`, "m"), flag);
    }
  });

  it("reads its flags, with the documented defaults", () => {
    assert.deepStrictEqual(parseArgs(["--stack", "dev"]), { source: { stack: "dev" }, url: undefined, labels: [], readyTimeoutSeconds: 600, timeoutSeconds: 900, pollSeconds: 5, json: false });
    const options = parseArgs(["--outputs", "o.json", "--label", "a", "--label", "b", "--url", "https://localhost:8443/", "--timeout", "120", "--json"]);
    assert.ok(options !== "help");
    assert.deepStrictEqual([options.source, options.labels, options.url, options.timeoutSeconds, options.json], [{ file: "o.json" }, ["a", "b"], "https://localhost:8443/", 120, true]);
    assert.throws(() => parseArgs([]), /give either --stack or --outputs/);
    assert.throws(() => parseArgs(["--stack", "dev", "--timeout", "soon"]), /--timeout takes a whole number of seconds/);
    assert.throws(() => parseArgs(["--stack", "dev", "--frobnicate"]), /unknown argument "--frobnicate"/);
  });

  it("the module's first comment lists the Jenkins endpoints it calls", () => {
    const source = fs.readFileSync(path.join(PROJECT_ROOT, "commands", "verify.ts"), "utf8");
    const header = source.slice(0, source.indexOf("*/"));
    for (const endpoint of ["GET  <url>login", "GET  <url>crumbIssuer/api/json", "GET  <url>job/agent-smoke-test/api/json", "POST <url>job/agent-smoke-test/buildWithParameters", "GET  <url>queue/item/<id>/api/json", "GET  <url>job/agent-smoke-test/<n>/api/json", "GET  <url>job/agent-smoke-test/<n>/consoleText"]) {
      assert.ok(header.includes(endpoint), endpoint);
    }
  });
});
