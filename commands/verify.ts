/**
 * `npm run verify -- --stack <stack>`: proves a deployment end to end (Jenkins up, JCasC
 * applied, an agent of every template started, connected back privately, a build done) and
 * measures how long builds wait for their agents.
 *
 * Jenkins endpoints it calls, and nothing else:
 *   GET  <url>login                                        no credentials; until it answers 200
 *   GET  <url>crumbIssuer/api/json                         basic auth; keeps the session cookie
 *   GET  <url>job/agent-smoke-test/api/json                the job's LABEL choices
 *   POST <url>job/agent-smoke-test/buildWithParameters?LABEL=<label>   crumb; 201, Location: queue item
 *   GET  <url>queue/item/<id>/api/json                     until it names its build
 *   GET  <url>job/agent-smoke-test/<n>/api/json            until the build is done
 *   GET  <url>job/agent-smoke-test/<n>/consoleText         the agent's report, or the tail of a failure
 * And one AWS call: secretsmanager:GetSecretValue of the `adminSecretArn` output (AWS SDK v3,
 * default credential chain, the region of the ARN, AWS_ENDPOINT_URL* honoured as the SDK does).
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Build, JenkinsClient, JenkinsHttpError, QueueItem } from "./jenkins";
import { OutputsError, OutputsSource, agentTemplatesOutput, readStackOutputs, stringOutput } from "./stackOutputs";
import { UsageError, readFlags } from "./flags";
import { SMOKE_TEST_JOB, SMOKE_TEST_PARAMETER, parseSmokeReport } from "../lib/jenkins/smokeTest";

/** What we promise, measured by this command: see the README, "Verify a deployment". */
export const TARGETS = { coldAgentSeconds: 60, warmAgentSeconds: 10 } as const;
/** Lines of a failed build's console shown with the failure. */
const CONSOLE_TAIL_LINES = 40;
const RUNBOOK = "docs/runbook.md";

/** Every flag, once: the parser reads it and --help prints it. */
const FLAGS = [
  ["--stack <stack>", "read the stack's outputs with `pulumi stack output --json --show-secrets --stack <stack>`"],
  ["--outputs <file>", "read the outputs from a JSON file of the same shape instead (CI, tests)"],
  ["--url <url>", "reach Jenkins here instead of the `url` output (e.g. an internal load balancer through a tunnel)"],
  ["--label <label>", "verify this template only; repeat for several (default: every template)"],
  ["--ready-timeout <s>", "seconds to wait for Jenkins to answer /login with 200 (default 600)"],
  ["--timeout <s>", "seconds each build may take, agent start included (default 900)"],
  ["--poll <s>", "seconds between polls of Jenkins (default 5)"],
  ["--json", "print the report as one JSON document on stdout (progress stays on stderr)"],
  ["--help", "print this help"],
] as const;

export const USAGE = [
  "usage: npm run verify -- (--stack <stack> | --outputs <file>) [options]",
  "",
  "Runs agent-smoke-test on every agent template of a deployed stack and reports how long each",
  "build waited for its agent (a second run for templates with reuse: true measures a warm agent).",
  "Exits 0 only when every build succeeded.",
  "",
  ...FLAGS.map(([flag, text]) => `  ${flag.padEnd(22)}${text}`),
].join("\n");

export interface VerifyOptions {
  readonly source: OutputsSource;
  readonly url?: string;
  readonly labels: readonly string[];
  readonly readyTimeoutSeconds: number;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
  readonly json: boolean;
}

export { UsageError };

export function parseArgs(argv: readonly string[]): VerifyOptions | "help" {
  let stack: string | undefined;
  let file: string | undefined;
  let url: string | undefined;
  const labels: string[] = [];
  const numbers = { "--ready-timeout": 600, "--timeout": 900, "--poll": 5 };
  let json = false;
  const help = readFlags(argv, USAGE, (flag, value) => {
    if (flag === "--stack") stack = value();
    else if (flag === "--outputs") file = value();
    else if (flag === "--url") url = value();
    else if (flag === "--label") labels.push(value());
    else if (flag === "--json") json = true;
    else if (flag in numbers) {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) === 0) throw new UsageError(`${flag} takes a whole number of seconds above 0, not ${JSON.stringify(v)}`);
      numbers[flag as keyof typeof numbers] = Number(v);
    } else return false;
    return true;
  });
  if (help) return help;
  if ((stack === undefined) === (file === undefined)) throw new UsageError(`give either --stack or --outputs\n\n${USAGE}`);
  if (url !== undefined && !/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--url takes an http(s) URL, not ${JSON.stringify(url)}`);
  return {
    source: file !== undefined ? { file } : { stack: stack! },
    url,
    labels,
    readyTimeoutSeconds: numbers["--ready-timeout"],
    timeoutSeconds: numbers["--timeout"],
    pollSeconds: numbers["--poll"],
    json,
  };
}

/** A reason the whole verification stops, with its own message (wrong password, missing job, ...). */
export class VerifyError extends Error {}

/** How one smoke build went. */
export interface BuildOutcome {
  readonly result: string;
  readonly build?: string;
  /** Seconds from queued to the first step on the agent (the agent's report). */
  readonly agentWaitSeconds?: number;
  /** Seconds the whole build took, agent wait included. */
  readonly buildSeconds?: number;
  readonly architecture?: string;
  readonly capacityProvider?: string;
  /** The cache directory the agent found mounted ("" for none). */
  readonly cache?: string;
  /** "ready" when the task's kaniko container was ready for builds ("" for none). */
  readonly kaniko?: string;
  readonly message?: string;
  readonly consoleTail?: string;
  /** The runbook section that fits a failure. */
  readonly runbook?: string;
}

export interface LabelReport extends BuildOutcome {
  readonly label: string;
  readonly spot?: boolean;
  /** The second, warm run of a reused template. */
  readonly warm?: BuildOutcome;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly url: string;
  readonly targets: typeof TARGETS;
  readonly labels: readonly LabelReport[];
  readonly error?: string;
}

/** What verify needs from the world, so tests can run it against local stand-ins. */
export interface VerifyIo {
  progress(line: string): void;
  sleep(ms: number): Promise<void>;
  now(): number;
  secret(arn: string): Promise<string>;
}

/** The admin password from Secrets Manager, in the region of the secret's ARN. */
export async function secretFromAws(arn: string): Promise<string> {
  const region = arn.split(":")[3];
  const client = new SecretsManagerClient({ region });
  try {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (answer.SecretString === undefined) throw new VerifyError(`the secret ${arn} holds no string`);
    return answer.SecretString;
  } catch (err) {
    if (err instanceof VerifyError) throw err;
    throw new VerifyError(`cannot read the admin password from ${arn}: ${(err as Error).name}: ${(err as Error).message}`);
  } finally {
    client.destroy();
  }
}

/** The runbook section for a failed build's console. */
export function runbookSection(console: string): string {
  if (/CannotPullContainerError|toomanyrequests|manifest unknown|pull image/i.test(console)) return `${RUNBOOK}#image-pull-errors`;
  if (/AccessDenied|not authorized to perform|UnauthorizedOperation/i.test(console)) return `${RUNBOOK}#permission-errors`;
  return `${RUNBOOK}#agents-that-never-connect`;
}

const tail = (text: string, lines: number) => text.trimEnd().split("\n").slice(-lines).join("\n");
const seconds = (ms: number) => Math.round(ms / 100) / 10;

export async function verify(options: VerifyOptions, io: VerifyIo): Promise<VerifyReport> {
  const start = io.now();
  const say = (line: string) => io.progress(`[${String(Math.round((io.now() - start) / 1000)).padStart(4)}s] ${line}`);

  const outputs = await readStackOutputs(options.source);
  const url = (options.url ?? stringOutput(outputs, "url")).replace(/\/?$/, "/");
  const user = stringOutput(outputs, "adminUser");
  const templates = agentTemplatesOutput(outputs);
  const unknown = options.labels.filter((l) => !templates.some((t) => t.label === l));
  if (unknown.length > 0) throw new UsageError(`--label ${unknown.join(", ")}: the stack has no such template (it has ${templates.map((t) => t.label).join(", ")})`);
  const chosen = options.labels.length > 0 ? templates.filter((t) => options.labels.includes(t.label)) : templates;

  const jenkins = new JenkinsClient(url, user, await io.secret(stringOutput(outputs, "adminSecretArn")));

  // 1. Jenkins answers.
  say(`Waiting for Jenkins at ${url}login (up to ${options.readyTimeoutSeconds} s)`);
  for (let status = await jenkins.loginPageAnswers(); status !== 200; status = await jenkins.loginPageAnswers()) {
    if (io.now() - start > options.readyTimeoutSeconds * 1000) {
      throw new VerifyError(`Jenkins did not answer ${url}login with 200 within ${options.readyTimeoutSeconds} s (last: ${status || "no answer"}); is the controller running? See ${RUNBOOK}#agents-that-never-connect and the controller log.`);
    }
    await io.sleep(options.pollSeconds * 1000);
  }
  say("Jenkins answers /login with 200");

  // 2. The admin can log in.
  try {
    await jenkins.logIn();
  } catch (err) {
    if (err instanceof JenkinsHttpError && (err.status === 401 || err.status === 403)) {
      throw new VerifyError(
        `Jenkins refused the login of "${user}" (${err.status}): the password in the admin secret is not the one Jenkins has. After a rotation, restart the controller (${RUNBOOK}#rotating-the-admin-password).`,
      );
    }
    throw err;
  }
  say(`Logged in as ${user}`);

  // 3. The configuration was applied: the smoke job offers every template.
  let parameters;
  try {
    parameters = await jenkins.jobParameters(SMOKE_TEST_JOB);
  } catch (err) {
    if (err instanceof JenkinsHttpError && err.status === 404) {
      throw new VerifyError(`Jenkins has no job ${SMOKE_TEST_JOB}: the configuration (JCasC) was not applied. Check the controller log for configuration-as-code errors.`);
    }
    throw err;
  }
  const choices = parameters.find((p) => p.name === SMOKE_TEST_PARAMETER)?.choices ?? [];
  const missing = templates.map((t) => t.label).filter((l) => !choices.includes(l));
  if (missing.length > 0) {
    throw new VerifyError(`${SMOKE_TEST_JOB} offers ${SMOKE_TEST_PARAMETER} ${JSON.stringify(choices)} but not ${missing.join(", ")}: Jenkins runs an older configuration. Restart the controller after pulumi up.`);
  }
  say(`${SMOKE_TEST_JOB} offers ${SMOKE_TEST_PARAMETER}: ${choices.join(", ")}`);

  // 4. and 5. A build per template; reused templates twice.
  const labels: LabelReport[] = [];
  for (const template of chosen) {
    let cold = await smokeBuild(jenkins, template.label, options, io, say);
    // A template's cache must be mounted where its config says (an older agent report has no cache line).
    const expectedCache = template.cache ?? "";
    if (cold.result === "SUCCESS" && cold.cache !== undefined && cold.cache !== expectedCache) {
      cold = { ...cold, result: "FAILURE", message: `${template.label}: the agent has ${cold.cache ? `a cache at ${cold.cache}` : "no cache mounted"}, but the template's cache is ${expectedCache || "none"}` };
      say(cold.message!);
    }
    // A kaniko template's agent must find its kaniko container ready, and no other agent one.
    const expectedKaniko = template.kaniko === true ? "ready" : "";
    if (cold.result === "SUCCESS" && cold.kaniko !== undefined && cold.kaniko !== expectedKaniko) {
      cold = { ...cold, result: "FAILURE", message: `${template.label}: ${expectedKaniko ? "the template has kaniko, but the agent found no ready kaniko container" : "the agent found a kaniko container the template does not ask for"}` };
      say(cold.message!);
    }
    const warm = template.reuse && cold.result === "SUCCESS" ? await smokeBuild(jenkins, template.label, options, io, say, "warm") : undefined;
    labels.push({ label: template.label, spot: template.spot, ...cold, ...(warm ? { warm } : {}) });
  }
  const ok = labels.every((l) => l.result === "SUCCESS" && (l.warm === undefined || l.warm.result === "SUCCESS"));
  return { ok, url, targets: TARGETS, labels };
}

/** Runs one smoke build on `label` and follows it to its end, or to the deadline. */
async function smokeBuild(
  jenkins: JenkinsClient,
  label: string,
  options: VerifyOptions,
  io: VerifyIo,
  say: (line: string) => void,
  run = "cold",
): Promise<BuildOutcome> {
  const deadline = io.now() + options.timeoutSeconds * 1000;
  const queueUrl = await jenkins.buildWithParameters(SMOKE_TEST_JOB, { [SMOKE_TEST_PARAMETER]: label });
  say(`${label}: ${run} build queued (${queueUrl})`);
  const late = (where: string, console?: string): BuildOutcome => ({
    result: "TIMEOUT",
    message: `${label}: no agent finished a build within ${options.timeoutSeconds} s (${where}). See ${RUNBOOK}#agents-that-never-connect.`,
    runbook: `${RUNBOOK}#agents-that-never-connect`,
    ...(console !== undefined ? { consoleTail: tail(console, CONSOLE_TAIL_LINES) } : {}),
  });

  let item: QueueItem = await jenkins.queueItem(queueUrl);
  while (!item.executable) {
    if (item.cancelled) return { result: "CANCELLED", message: `${label}: the queued build was cancelled` };
    if (io.now() > deadline) return late(`still in the queue: ${item.why ?? "waiting"}`);
    await io.sleep(options.pollSeconds * 1000);
    item = await jenkins.queueItem(queueUrl);
  }
  const buildUrl = item.executable.url;
  let build: Build = await jenkins.build(buildUrl);
  while (build.building) {
    if (io.now() > deadline) return { ...late(`build ${build.url} still running`, await jenkins.consoleText(buildUrl)), build: build.url };
    await io.sleep(options.pollSeconds * 1000);
    build = await jenkins.build(buildUrl);
  }
  const console = await jenkins.consoleText(buildUrl);
  const report = parseSmokeReport(console);
  const startedAt = Number(report["started at"]);
  const outcome: BuildOutcome = {
    result: build.result ?? "UNKNOWN",
    build: build.url,
    agentWaitSeconds: Number.isFinite(startedAt) && startedAt > 0 ? seconds(startedAt - item.inQueueSince) : undefined,
    buildSeconds: seconds(build.duration),
    architecture: report.architecture,
    capacityProvider: report["capacity provider"],
    cache: report.cache,
    kaniko: report.kaniko,
  };
  if (outcome.result !== "SUCCESS") {
    const runbook = runbookSection(console);
    say(`${label}: ${outcome.result} (${build.url}); see ${runbook}`);
    return { ...outcome, message: `${label}: the smoke build ended ${outcome.result}`, consoleTail: tail(console, CONSOLE_TAIL_LINES), runbook };
  }
  say(`${label}: ${run} build SUCCESS in ${outcome.buildSeconds} s, agent after ${outcome.agentWaitSeconds ?? "?"} s (${outcome.architecture}, ${outcome.capacityProvider})`);
  return outcome;
}

/** The report as a table, one row per label, then the failures' details. */
export function formatReport(report: VerifyReport): string {
  const fmt = (s?: number) => (s === undefined ? "-" : `${s} s`);
  const rows = [
    ["label", "result", "agent wait", "build time", "warm wait", "architecture", "spot"],
    ...report.labels.map((l) => [
      l.label,
      l.warm && l.warm.result !== "SUCCESS" ? `${l.result}/${l.warm.result}` : l.result,
      fmt(l.agentWaitSeconds),
      fmt(l.buildSeconds),
      fmt(l.warm?.agentWaitSeconds),
      l.architecture ?? "-",
      l.capacityProvider ? (l.capacityProvider === "FARGATE_SPOT" ? "yes" : "no") : l.spot ? "yes" : "no",
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const table = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd());
  const failures = report.labels.flatMap((l) => [l, ...(l.warm ? [{ ...l.warm, label: `${l.label} (warm)` }] : [])]).filter((l) => l.result !== "SUCCESS");
  return [
    `${report.ok ? "Verified" : "FAILED"}: ${report.url}`,
    "",
    ...table,
    "",
    `Targets: a cold agent within ${report.targets.coldAgentSeconds} s (p95), a warm (reused) agent within ${report.targets.warmAgentSeconds} s.`,
    ...failures.flatMap((f) => ["", `${f.message ?? `${f.label}: ${f.result}`}${f.build ? ` (${f.build})` : ""}`, ...(f.runbook ? [`Runbook: ${f.runbook}`] : []), ...(f.consoleTail ? ["Last lines of the console:", f.consoleTail] : [])]),
  ].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const io: VerifyIo = {
    progress: (line) => process.stderr.write(`${line}\n`),
    sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
    now: () => Date.now(),
    secret: secretFromAws,
  };
  let report: VerifyReport;
  try {
    report = await verify(options, io);
  } catch (err) {
    if (!(err instanceof VerifyError || err instanceof OutputsError)) throw err;
    if (options.json) process.stdout.write(`${JSON.stringify({ ok: false, error: err.message }, null, 2)}\n`);
    process.stderr.write(`verify: ${err.message}\n`);
    return 1;
  }
  process.stdout.write(`${options.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`verify: ${err instanceof UsageError ? err.message : (err as Error)?.stack ?? String(err)}\n`);
      process.exit(2);
    },
  );
}
