import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mockClient } from "aws-sdk-client-mock";
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, GetMetricDataCommandOutput } from "@aws-sdk/client-cloudwatch";
import { SizingReport, formatReport, parseArgs, periodFor, sizing } from "../commands/sizing";
import { SIZING, advise, smallestFittingSize } from "../lib/cost/sizing";
import { PRICES, PRICE_LABEL } from "../lib/cost/prices";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { isFargateSize } from "../lib/aws/fargate";
import type { DeployedTemplate } from "../lib/jenkins/cloud";

const CLUSTER = "agents-cluster-ef20fc6";
const CLUSTER_ARN = `arn:aws:ecs:eu-west-1:123456789012:cluster/${CLUSTER}`;
const NOW = new Date("2026-11-29T12:00:00Z");

const template = (label: string, cpu: number, memory: number): DeployedTemplate => ({
  permissions: { policyArns: [], ecrPush: [] },
  secrets: [],
  cache: null,
  kaniko: false,
  label,
  family: `jenkins-ecs-prod-agent-${label}`,
  cpu,
  memory,
  architecture: "X86_64",
  spot: false,
  reuse: false,
  maxAgents: 10,
});

/** What each template's tasks did, minute by minute: how many ran, and what the busy ones used. */
interface Workload {
  readonly tasks: number;
  readonly minutesPerTask: number;
  /** CPU units used (average over tasks) and MiB of the busiest task, each minute a task ran. */
  readonly cpu: (minute: number) => number;
  readonly memory: (minute: number) => number;
}

/** A deterministic wobble in [-1, 1], so series look measured, not flat. */
const wobble = (n: number) => Math.sin(n * 12.9898) * 0.5 + Math.sin(n * 78.233) * 0.5;

const TEMPLATES = [
  // 2 vCPU / 4 GB, using about a quarter of its CPU and 40 % of its memory: over-sized.
  template("ecs", 2048, 4096),
  // 1 vCPU / 2 GB, pegged: under-sized.
  template("java", 1024, 2048),
  // Hardly used yet.
  template("rare", 1024, 2048),
  // Already the smallest Fargate size, and idle.
  template("tiny", 256, 512),
];
const WORKLOADS: Workload[] = [
  { tasks: 120, minutesPerTask: 12, cpu: (m) => 520 + 150 * wobble(m), memory: (m) => 1600 + 200 * wobble(m + 7) },
  { tasks: 60, minutesPerTask: 20, cpu: (m) => 985 + 30 * wobble(m), memory: (m) => 1300 + 150 * wobble(m + 3) },
  { tasks: 3, minutesPerTask: 6, cpu: () => 100, memory: () => 300 },
  { tasks: 40, minutesPerTask: 5, cpu: (m) => 20 + 5 * wobble(m), memory: (m) => 120 + 10 * wobble(m) },
];

/**
 * GetMetricData answers in CloudWatch's shape for one query: a datapoint per minute that had
 * tasks (an empty minute has no datapoint), timestamps ascending as asked.
 */
function series(query: NonNullable<GetMetricDataCommandInput["MetricDataQueries"]>[number]): { Timestamps: Date[]; Values: number[] } {
  const i = Number(/^t(\d+)/.exec(query.Id!)![1]);
  const w = WORKLOADS[i];
  const minutes = w.tasks * w.minutesPerTask;
  const what = query.Id!.replace(/^t\d+/, "");
  const Timestamps: Date[] = [];
  const Values: number[] = [];
  // One task at a time, back to back, ending an hour ago.
  for (let m = 0; m < minutes; m++) {
    Timestamps.push(new Date(NOW.getTime() - (minutes - m + 60) * 60_000));
    Values.push(what === "cpu" ? w.cpu(m) : what === "memory" ? w.memory(m) : what === "minutes" ? 1 : (m + 1) % w.minutesPerTask === 0 ? 1 : 0);
  }
  // AgentTasksRun is published only when a task stops: drop the zero minutes, as CloudWatch has none.
  if (what === "runs") {
    const kept = Values.map((v, k) => [Timestamps[k], v] as const).filter(([, v]) => v > 0);
    return { Timestamps: kept.map(([t]) => t), Values: kept.map(([, v]) => v) };
  }
  return { Timestamps, Values };
}

/** Answers every query in two pages, as CloudWatch does when a response would be too large. */
function answer(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
  const second = input.NextToken === "page-2";
  return {
    $metadata: {},
    MetricDataResults: input.MetricDataQueries!.map((q) => {
      const { Timestamps, Values } = series(q);
      const half = Math.ceil(Values.length / 2);
      return {
        Id: q.Id,
        Label: q.MetricStat!.Metric!.MetricName,
        Timestamps: second ? Timestamps.slice(half) : Timestamps.slice(0, half),
        Values: second ? Values.slice(half) : Values.slice(0, half),
        StatusCode: second ? "Complete" : "PartialData",
      };
    }),
    NextToken: second ? undefined : "page-2",
    Messages: [],
  };
}

describe("npm run sizing, over recorded GetMetricData answers", () => {
  const cloudwatch = mockClient(CloudWatchClient);
  let dir: string;
  let report: SizingReport;
  const byLabel = (label: string) => report.templates.find((t) => t.label === label)!;

  before(async () => {
    cloudwatch.reset();
    cloudwatch.on(GetMetricDataCommand).callsFake(answer);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sizing-"));
    const file = path.join(dir, "outputs.json");
    fs.writeFileSync(file, JSON.stringify({ agentClusterArn: CLUSTER_ARN, agentTemplates: TEMPLATES }));
    report = await sizing({ source: { file }, stackName: "prod", days: 14, json: false }, { now: () => NOW, client: (region) => new CloudWatchClient({ region }) });
  });
  after(() => {
    cloudwatch.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("asks CloudWatch in the cluster's region for each template's family and task group, over the days asked, following NextToken", async () => {
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    assert.deepStrictEqual(calls.map((c) => c.args[0].input.NextToken), [undefined, "page-2"]);
    assert.strictEqual(await calls[0].thisValue.config.region(), "eu-west-1");
    const input = calls[0].args[0].input;
    assert.strictEqual(input.EndTime!.valueOf() - input.StartTime!.valueOf(), 14 * 24 * 3600 * 1000);
    const dims = input.MetricDataQueries!.map((q) => Object.fromEntries(q.MetricStat!.Metric!.Dimensions!.map((d) => [d.Name, d.Value])));
    for (const [i, t] of TEMPLATES.entries()) {
      const mine = input.MetricDataQueries!.filter((q) => q.Id!.startsWith(`t${i}`)).map((q, k) => [q.MetricStat!.Metric!.MetricName, dims[input.MetricDataQueries!.indexOf(q)], k]);
      assert.deepStrictEqual(
        mine.map(([name, d]) => [name, d]),
        [
          ["CpuUtilized", { ClusterName: CLUSTER, TaskDefinitionFamily: t.family }],
          ["MemoryUtilized", { ClusterName: CLUSTER, TaskDefinitionFamily: t.family }],
          ["CpuReserved", { ClusterName: CLUSTER, TaskDefinitionFamily: t.family }],
          ["AgentTasksRun", { TaskGroup: `family:${t.family}` }],
        ],
      );
    }
  });

  it("counts builds and task-minutes across both pages", () => {
    for (const [i, w] of WORKLOADS.entries()) {
      assert.deepStrictEqual([report.templates[i].tasksRun, report.templates[i].taskMinutes], [w.tasks, w.tasks * w.minutesPerTask], TEMPLATES[i].label);
    }
  });

  it("an over-sized template gets a smaller, cheaper size and the commands to apply it", () => {
    const ecs = byLabel("ecs");
    assert.strictEqual(ecs.verdict, "smaller");
    // CPU peaks near 670 units and memory near 1,800 MiB: under 70 % needs 960 units and
    // 2,570 MiB, so 1 vCPU with 3 GB.
    assert.deepStrictEqual(ecs.suggestion, { cpu: 1024, memory: 3072 });
    assert.ok(ecs.cpuPercent!.p95 < SIZING.targetPercent / 2 && ecs.memoryPercent!.p95 < 50);
    assert.deepStrictEqual(ecs.commands, [
      "pulumi config set --stack prod --path 'agents[0].label' ecs",
      "pulumi config set --stack prod --path 'agents[0].cpu' 1024",
      "pulumi config set --stack prod --path 'agents[0].memory' 3072",
    ]);
    assert.ok(ecs.monthlyDeltaUsd! < 0, "it saves money");
  });

  it("an under-sized template (p95 above 90 %) gets a larger size", () => {
    const java = byLabel("java");
    assert.strictEqual(java.verdict, "larger");
    assert.ok(java.cpuPercent!.p95 > SIZING.underSizedPercent);
    assert.ok(java.suggestion!.cpu > 1024 && isFargateSize(java.suggestion!.cpu, java.suggestion!.memory), JSON.stringify(java.suggestion));
    assert.ok((100 * 1015) / java.suggestion!.cpu < SIZING.targetPercent, "the busiest minute fits under the target");
    assert.ok(java.monthlyDeltaUsd! > 0);
    assert.match(java.commands[1], /agents\[1\]\.cpu' 2048$/);
  });

  it("too little data gives no suggestion, and says why", () => {
    const rare = byLabel("rare");
    assert.strictEqual(rare.verdict, "too little data");
    assert.strictEqual(rare.suggestion, undefined);
    assert.deepStrictEqual(rare.commands, []);
    assert.match(rare.reason, /3 tasks and 18 task-minutes in 14 days/);
  });

  it("a template at the smallest Fargate size is never told to shrink", () => {
    const tiny = byLabel("tiny");
    assert.strictEqual(tiny.verdict, "keep");
    assert.deepStrictEqual(tiny.fit, { cpu: 256, memory: 512 });
    assert.deepStrictEqual(tiny.commands, []);
  });

  it("the printed report shows p50/p95 per template and ends with preview and up", () => {
    const text = formatReport(report);
    assert.match(text, /^ecs \(agents\[0\]\): 2 vCPU \/ 4 GB/m);
    assert.match(text, /CPU\s+p50 [\d.]+ %\s+p95 [\d.]+ %/);
    assert.match(text, /saving about \d+\.\d\d USD a month at this usage/);
    assert.match(text, /Then: pulumi preview --stack prod, and pulumi up --stack prod\.$/);
  });
});

describe("sizing, pure parts", () => {
  it("the cheapest fitting size is a valid Fargate size at least as large as asked, and never below the smallest", () => {
    for (const [cpu, memory] of [[1, 1], [300, 600], [1000, 9000], [5000, 20000], [9000, 70000]]) {
      const size = smallestFittingSize(cpu, memory, { architecture: "X86_64", spot: false })!;
      assert.ok(isFargateSize(size.cpu, size.memory) && size.cpu >= cpu && size.memory >= memory, `${cpu}/${memory} -> ${JSON.stringify(size)}`);
    }
    assert.deepStrictEqual(smallestFittingSize(1, 1, { architecture: "X86_64", spot: false }), { cpu: 256, memory: 512 });
    assert.strictEqual(smallestFittingSize(20000, 1024, { architecture: "X86_64", spot: false }), undefined, "beyond 16 vCPU");
  });

  it("the period follows what CloudWatch keeps: 1 minute for 15 days, 5 for 63, an hour beyond", () => {
    assert.deepStrictEqual([periodFor(1), periodFor(15), periodFor(16), periodFor(63), periodFor(64)], [60, 60, 300, 300, 3600]);
  });

  it("reads its flags; with an outputs file the commands need a stack name", () => {
    assert.deepStrictEqual(parseArgs(["--stack", "prod"]), { source: { stack: "prod" }, stackName: "prod", days: 14, json: false });
    assert.deepStrictEqual(parseArgs(["--stack", "dev", "--days", "30", "--json"]), { source: { stack: "dev" }, stackName: "dev", days: 30, json: true });
    assert.throws(() => parseArgs(["--outputs", "o.json"]), /--stack-name/);
    assert.throws(() => parseArgs(["--stack", "dev", "--days", "0"]), /1 to 455/);
  });
});

describe("README, Sizing agents", () => {
  it("the worked example is what npm run sizing prints for its usage", () => {
    // The example's prod template and two weeks of use: 120 builds of 12 minutes, CPU around a
    // quarter of 2 vCPU, memory around 40 % of 4 GB.
    const ecs = template("ecs", 2048, 4096);
    const minutes = 120 * 12;
    const usage = { tasksRun: 120, taskMinutes: minutes, cpuUsed: Array.from({ length: minutes }, (_, i) => 500 + (i % 100)), memoryUsed: Array.from({ length: minutes }, (_, i) => 1500 + (i % 300)) };
    const advice = advise("prod", 0, ecs, usage, 14, PRICES["eu-west-1"]);
    const printed = formatReport({
      stack: "prod",
      region: "eu-west-1",
      days: 14,
      periodSeconds: periodFor(14),
      prices: PRICE_LABEL,
      templates: [{ ...advice, size: "2 vCPU / 4 GB (cpu 2048, memory 4096)", runsOn: "on-demand x86" }],
    });
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    assert.ok(readme.includes(`$ npm run sizing -- --stack prod\n${printed}\n\`\`\``), `README's example differs from:\n${printed}`);
  });
});
