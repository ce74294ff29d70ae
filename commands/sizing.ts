/**
 * `npm run sizing -- --stack <stack> [--days 14] [--json]`: what each agent template's tasks
 * used over the last days, and the Fargate size that fits them (lib/cost/sizing.ts decides).
 *
 * AWS calls it makes, and nothing else: cloudwatch:GetMetricData (paged with NextToken) in the
 * region of the `agentClusterArn` output, for each template's task-definition family:
 *   ECS/ContainerInsights CpuUtilized (Average), MemoryUtilized (Maximum), CpuReserved
 *   (SampleCount: one report per running task per minute), dimensions ClusterName and
 *   TaskDefinitionFamily; jenkins-ecs AgentTasksRun (Sum), dimension TaskGroup.
 * AWS SDK v3, default credential chain; AWS_ENDPOINT_URL(_CLOUDWATCH) honoured as the SDK does.
 */
import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { DeployedTemplate } from "../lib/jenkins/cloud";
import { AGENT_TASKS_RUN_METRIC, taskGroupOf } from "../lib/aws/alarms";
import { PRICE_LABEL, noPricesReason, pricesFor } from "../lib/cost/prices";
import { SIZING, SizingAdvice, TemplateUsage, advise } from "../lib/cost/sizing";
import { sizeLabel } from "../lib/aws/fargate";
import { OutputsError, OutputsSource, agentTemplatesOutput, readStackOutputs, stringOutput } from "./stackOutputs";
import { UsageError, readFlags } from "./flags";

const FLAGS = [
  ["--stack <stack>", "read the stack's outputs with `pulumi stack output --json --show-secrets --stack <stack>`"],
  ["--outputs <file>", "read the outputs from a JSON file of the same shape instead (needs --stack-name for the commands)"],
  ["--stack-name <name>", "the stack the printed `pulumi config set` commands name (default: --stack)"],
  ["--days <n>", "look back this many days, 1-455 (default 14)"],
  ["--json", "print the advice as one JSON document"],
  ["--help", "print this help"],
] as const;

export const USAGE = [
  "usage: npm run sizing -- (--stack <stack> | --outputs <file> --stack-name <name>) [--days 14] [--json]",
  "",
  `Reads what each agent template's tasks used (Container Insights must be on) and prints p50/p95 CPU and memory,`,
  `the cheapest Fargate size keeping p95 under ${SIZING.targetPercent} %, and the commands that apply it.`,
  "",
  ...FLAGS.map(([flag, text]) => `  ${flag.padEnd(22)}${text}`),
].join("\n");

export { UsageError };

export interface SizingOptions {
  readonly source: OutputsSource;
  readonly stackName: string;
  readonly days: number;
  readonly json: boolean;
}

export function parseArgs(argv: readonly string[]): SizingOptions | "help" {
  let stack: string | undefined;
  let file: string | undefined;
  let stackName: string | undefined;
  let days = 14;
  let json = false;
  const help = readFlags(argv, USAGE, (flag, value) => {
    if (flag === "--stack") stack = value();
    else if (flag === "--outputs") file = value();
    else if (flag === "--stack-name") stackName = value();
    else if (flag === "--json") json = true;
    else if (flag === "--days") {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 455) throw new UsageError(`--days takes a whole number of days from 1 to 455 (what CloudWatch keeps), not ${JSON.stringify(v)}`);
      days = Number(v);
    } else return false;
    return true;
  });
  if (help) return help;
  if ((stack === undefined) === (file === undefined)) throw new UsageError(`give either --stack or --outputs\n\n${USAGE}`);
  const name = stackName ?? stack;
  if (name === undefined) throw new UsageError(`with --outputs, name the stack for the commands with --stack-name\n\n${USAGE}`);
  return { source: file !== undefined ? { file } : { stack: stack! }, stackName: name, days, json };
}

/**
 * The finest period CloudWatch still holds for data `days` old: 1-minute data for 15 days,
 * 5-minute for 63, 1-hour for 455 (CloudWatch User Guide, "Metrics retention").
 */
export function periodFor(days: number): number {
  return days <= 15 ? 60 : days <= 63 ? 300 : 3600;
}

/** The region and name of a cluster, from its ARN (arn:<partition>:ecs:<region>:<account>:cluster/<name>). */
export function clusterOf(arn: string): { region: string; name: string } {
  const match = /^arn:[\w-]+:ecs:([\w-]+):\d{12}:cluster\/(.+)$/.exec(arn);
  if (!match) throw new OutputsError(`agentClusterArn is not an ECS cluster ARN: ${arn}`);
  return { region: match[1], name: match[2] };
}

/** The GetMetricData queries for every template: four per template, ids `t<i><what>`. */
export function usageQueries(clusterName: string, templates: readonly DeployedTemplate[], period: number): MetricDataQuery[] {
  return templates.flatMap((t, i) => {
    const family = [
      { Name: "ClusterName", Value: clusterName },
      { Name: "TaskDefinitionFamily", Value: t.family },
    ];
    const insights = (what: string, metricName: string, stat: string): MetricDataQuery => ({
      Id: `t${i}${what}`,
      MetricStat: { Metric: { Namespace: "ECS/ContainerInsights", MetricName: metricName, Dimensions: family }, Period: period, Stat: stat },
      ReturnData: true,
    });
    return [
      insights("cpu", "CpuUtilized", "Average"),
      insights("memory", "MemoryUtilized", "Maximum"),
      insights("minutes", "CpuReserved", "SampleCount"),
      {
        Id: `t${i}runs`,
        MetricStat: {
          Metric: { Namespace: AGENT_TASKS_RUN_METRIC.namespace, MetricName: AGENT_TASKS_RUN_METRIC.name, Dimensions: [{ Name: AGENT_TASKS_RUN_METRIC.dimension, Value: taskGroupOf(t.family) }] },
          Period: period,
          Stat: "Sum",
        },
        ReturnData: true,
      },
    ];
  });
}

/** Every value of every query, following NextToken until CloudWatch has returned all pages. */
export async function metricValues(client: CloudWatchClient, queries: MetricDataQuery[], start: Date, end: Date): Promise<Map<string, number[]>> {
  const values = new Map<string, number[]>(queries.map((q) => [q.Id!, []]));
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: "TimestampAscending", NextToken: nextToken }));
    for (const result of page.MetricDataResults ?? []) {
      if (result.StatusCode === "Forbidden" || result.StatusCode === "InternalError") throw new Error(`GetMetricData ${result.Id}: ${result.StatusCode} ${(result.Messages ?? []).map((m) => m.Value).join("; ")}`);
      values.get(result.Id!)?.push(...(result.Values ?? []));
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return values;
}

/** Each template's usage from the query results. */
export function usageOf(values: Map<string, number[]>, templates: readonly DeployedTemplate[]): TemplateUsage[] {
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  return templates.map((_, i) => ({
    tasksRun: sum(values.get(`t${i}runs`) ?? []),
    taskMinutes: sum(values.get(`t${i}minutes`) ?? []),
    cpuUsed: values.get(`t${i}cpu`) ?? [],
    memoryUsed: values.get(`t${i}memory`) ?? [],
  }));
}

export interface SizingReport {
  readonly stack: string;
  readonly region: string;
  readonly days: number;
  readonly periodSeconds: number;
  readonly prices: string;
  readonly templates: readonly (SizingAdvice & { readonly size: string; readonly runsOn: string })[];
}

export interface SizingIo {
  readonly now: () => Date;
  readonly client: (region: string) => CloudWatchClient;
}

export async function sizing(options: SizingOptions, io: SizingIo): Promise<SizingReport> {
  const outputs = await readStackOutputs(options.source);
  const templates = agentTemplatesOutput(outputs);
  const cluster = clusterOf(stringOutput(outputs, "agentClusterArn"));
  const period = periodFor(options.days);
  const end = io.now();
  const start = new Date(end.getTime() - options.days * 24 * 3600 * 1000);
  const client = io.client(cluster.region);
  let values: Map<string, number[]>;
  try {
    values = await metricValues(client, usageQueries(cluster.name, templates, period), start, end);
  } finally {
    client.destroy();
  }
  const prices = pricesFor(cluster.region);
  const usage = usageOf(values, templates);
  return {
    stack: options.stackName,
    region: cluster.region,
    days: options.days,
    periodSeconds: period,
    prices: prices ? PRICE_LABEL : noPricesReason(cluster.region),
    templates: templates.map((t, i) => ({
      ...advise(options.stackName, i, t, usage[i], options.days, prices),
      size: sizeText(t),
      runsOn: `${t.spot ? "Spot" : "on-demand"} ${t.architecture === "ARM64" ? "ARM64" : "x86"}`,
    })),
  };
}

const sizeText = (s: { cpu: number; memory: number }) => `${sizeLabel(s)} (cpu ${s.cpu}, memory ${s.memory})`;

export function formatReport(report: SizingReport): string {
  const lines = [
    `Agent sizing for ${report.stack} (${report.region}), last ${report.days} days, ${report.periodSeconds}-second periods; target: p95 under ${SIZING.targetPercent} %.`,
    `Costs: ${report.prices}.`,
    "",
  ];
  let changes = 0;
  for (const t of report.templates) {
    lines.push(`${t.label} (agents[${t.index}]): ${t.size}, ${t.runsOn}`);
    lines.push(`  ${t.tasksRun} tasks run, ${Math.round(t.taskMinutes).toLocaleString("en-US")} task-minutes`);
    if (t.cpuPercent && t.memoryPercent) {
      lines.push(`  CPU     p50 ${t.cpuPercent.p50} %   p95 ${t.cpuPercent.p95} %`);
      lines.push(`  memory  p50 ${t.memoryPercent.p50} %   p95 ${t.memoryPercent.p95} %`);
    }
    if (t.fit) lines.push(`  cheapest size keeping p95 under ${SIZING.targetPercent} %: ${sizeText(t.fit)}`);
    const delta = t.monthlyDeltaUsd === undefined ? "" : `, ${t.monthlyDeltaUsd < 0 ? "saving" : "costing"} about ${Math.abs(t.monthlyDeltaUsd).toFixed(2)} USD a month at this usage`;
    lines.push(`  ${t.verdict}: ${t.reason}${t.suggestion ? `${delta}` : ""}`);
    for (const command of t.commands) lines.push(`    ${command}`);
    if (t.commands.length > 0) changes++;
    lines.push("");
  }
  if (changes > 0) lines.push(`Then: pulumi preview --stack ${report.stack}, and pulumi up --stack ${report.stack}.`);
  else lines.push("Nothing to change.");
  return lines.join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const io: SizingIo = { now: () => new Date(), client: (region) => new CloudWatchClient({ region }) };
  try {
    const report = await sizing(options, io);
    process.stdout.write(`${options.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof OutputsError)) throw err;
    process.stderr.write(`sizing: ${err.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`sizing: ${err instanceof UsageError ? err.message : `${(err as Error)?.name}: ${(err as Error)?.message ?? String(err)}`}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
