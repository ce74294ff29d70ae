/**
 * The stack's CloudWatch dashboard, as the body PutDashboard takes ("Dashboard body structure
 * and syntax", CloudWatch API Reference): the controller, JENKINS_HOME, then one section per
 * agent template. Every metric it names is one of lib/aws/metrics.ts, with the dimensions AWS
 * publishes it under; tests hold it to that.
 */
import { AGENT_START_FAILURES_METRIC, AGENT_TASKS_RUN_METRIC, taskGroupOf } from "./alarms";
import { PartitionName, partitionOf } from "./partition";

/** What the dashboard shows, by name and id: all known once the stack's resources exist. */
export interface DashboardInput {
  readonly region: string;
  readonly controller: {
    readonly clusterName: string;
    readonly serviceName: string;
    /** `app/<name>/<id>`: the LoadBalancer dimension. */
    readonly loadBalancer: string;
    /** `targetgroup/<name>/<id>`: the TargetGroup dimension. */
    readonly targetGroup: string;
  };
  readonly fileSystemId: string;
  /** Bursting throughput: only then are burst credits worth a graph. */
  readonly burstingThroughput: boolean;
  /** Container Insights on the clusters: per-template tasks, CPU and memory exist only with it. */
  readonly containerInsights: boolean;
  readonly agents: {
    readonly clusterName: string;
    readonly templates: readonly { readonly label: string; readonly family: string; readonly cpu: number; readonly memory: number }[];
  };
}

/** A metric as a widget names it: namespace, name, dimensions, and how to draw it. */
export interface MetricLine {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string;
  readonly label: string;
  readonly id?: string;
  /** false: fetched for an expression, not drawn. */
  readonly visible?: boolean;
}

/** A metric-math line (CloudWatch User Guide, "Using metric math"). */
export interface ExpressionLine {
  readonly expression: string;
  readonly label: string;
  readonly id: string;
}

export type Line = MetricLine | ExpressionLine;

export interface Widget {
  readonly type: "metric" | "text";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown>;
}

export interface DashboardBody {
  readonly widgets: Widget[];
}

/** The dashboard grid is 24 units wide (PutDashboard: width 1-24, x 0-23). */
export const GRID_WIDTH = 24;
const GRAPH = { width: 8, height: 6 };
const HEADER_HEIGHT = 2;

/** A line in the array form a metric widget takes: namespace, name, dimension pairs, options. */
export function renderLine(line: Line): unknown[] {
  if ("expression" in line) return [{ expression: line.expression, label: line.label, id: line.id }];
  const options: Record<string, unknown> = { stat: line.stat, label: line.label };
  if (line.id) options.id = line.id;
  if (line.visible === false) options.visible = false;
  return [line.namespace, line.name, ...Object.entries(line.dimensions).flat(), options];
}

interface Graph {
  readonly title: string;
  readonly lines: readonly Line[];
  /** Fixed y-axis range, e.g. 0-100 for percentages. */
  readonly yAxis?: { readonly min?: number; readonly max?: number; readonly label?: string };
}

/** Lays sections out top to bottom: a header across the grid, then graphs three to a row. */
function layout(region: string, sections: readonly { readonly header: string; readonly graphs: readonly (Graph | { readonly note: string })[] }[]): Widget[] {
  const widgets: Widget[] = [];
  let y = 0;
  for (const section of sections) {
    widgets.push({ type: "text", x: 0, y, width: GRID_WIDTH, height: HEADER_HEIGHT, properties: { markdown: section.header } });
    y += HEADER_HEIGHT;
    section.graphs.forEach((graph, i) => {
      const x = (i * GRAPH.width) % GRID_WIDTH;
      if (i > 0 && x === 0) y += GRAPH.height;
      if ("note" in graph) {
        widgets.push({ type: "text", x, y, width: GRAPH.width, height: GRAPH.height, properties: { markdown: graph.note } });
        return;
      }
      const properties: Record<string, unknown> = { title: graph.title, region, view: "timeSeries", stacked: false, metrics: graph.lines.map(renderLine) };
      if (graph.yAxis) properties.yAxis = { left: { showUnits: false, ...graph.yAxis } };
      widgets.push({ type: "metric", x, y, width: GRAPH.width, height: GRAPH.height, properties });
    });
    if (section.graphs.length > 0) y += GRAPH.height;
  }
  return widgets;
}

const percent = { min: 0, max: 100, label: "%" };

function controllerGraphs(input: DashboardInput): Graph[] {
  const { clusterName, serviceName, loadBalancer, targetGroup } = input.controller;
  const service = { ClusterName: clusterName, ServiceName: serviceName };
  const target = { LoadBalancer: loadBalancer, TargetGroup: targetGroup };
  return [
    {
      title: "Controller CPU and memory",
      lines: [
        { namespace: "AWS/ECS", name: "CPUUtilization", dimensions: service, stat: "Average", label: "CPU %" },
        { namespace: "AWS/ECS", name: "MemoryUtilization", dimensions: service, stat: "Average", label: "memory %" },
      ],
      yAxis: percent,
    },
    {
      title: "Healthy controller behind the load balancer",
      lines: [{ namespace: "AWS/ApplicationELB", name: "HealthyHostCount", dimensions: target, stat: "Minimum", label: "healthy targets" }],
      yAxis: { min: 0 },
    },
    {
      title: "5xx answers",
      lines: [
        { namespace: "AWS/ApplicationELB", name: "HTTPCode_ELB_5XX_Count", dimensions: { LoadBalancer: loadBalancer }, stat: "Sum", label: "load balancer 5xx" },
        { namespace: "AWS/ApplicationELB", name: "HTTPCode_Target_5XX_Count", dimensions: target, stat: "Sum", label: "Jenkins 5xx" },
      ],
      yAxis: { min: 0 },
    },
    {
      title: "Jenkins response time p90 (s)",
      lines: [{ namespace: "AWS/ApplicationELB", name: "TargetResponseTime", dimensions: target, stat: "p90", label: "p90" }],
      yAxis: { min: 0 },
    },
    {
      title: "Requests",
      lines: [{ namespace: "AWS/ApplicationELB", name: "RequestCount", dimensions: target, stat: "Sum", label: "requests" }],
      yAxis: { min: 0 },
    },
  ];
}

function fileSystemGraphs(input: DashboardInput): Graph[] {
  const fs = { FileSystemId: input.fileSystemId };
  const graphs: Graph[] = [
    {
      title: "JENKINS_HOME throughput (bytes/s)",
      lines: [
        { namespace: "AWS/EFS", name: "TotalIOBytes", dimensions: fs, stat: "Sum", label: "bytes", id: "io", visible: false },
        // Sum over a period, per second (EFS User Guide: "divide the Sum statistic by the number of seconds").
        { expression: "io/PERIOD(io)", label: "throughput", id: "throughput" },
      ],
      yAxis: { min: 0 },
    },
    { title: "JENKINS_HOME I/O limit used", lines: [{ namespace: "AWS/EFS", name: "PercentIOLimit", dimensions: fs, stat: "Maximum", label: "% of I/O limit" }], yAxis: percent },
    {
      title: "JENKINS_HOME client connections",
      // ClientConnections is valid only as Sum; per minute it is the connection count.
      lines: [
        { namespace: "AWS/EFS", name: "ClientConnections", dimensions: fs, stat: "Sum", label: "sum", id: "conn", visible: false },
        { expression: "conn/(PERIOD(conn)/60)", label: "connections", id: "connections" },
      ],
      yAxis: { min: 0 },
    },
  ];
  if (input.burstingThroughput) {
    graphs.push({ title: "JENKINS_HOME burst credits (bytes)", lines: [{ namespace: "AWS/EFS", name: "BurstCreditBalance", dimensions: fs, stat: "Minimum", label: "burst credits" }], yAxis: { min: 0 } });
  }
  return graphs;
}

/** Ids in metric math must start with a lower-case letter: one prefix per template. */
function idOf(index: number, what: string): string {
  return `t${index}${what}`;
}

function templateGraphs(input: DashboardInput, index: number): (Graph | { note: string })[] {
  const template = input.agents.templates[index];
  const group = { [AGENT_TASKS_RUN_METRIC.dimension]: taskGroupOf(template.family) };
  const builds: Graph = {
    title: `${template.label}: agent tasks run and failed to start`,
    lines: [
      { namespace: AGENT_TASKS_RUN_METRIC.namespace, name: AGENT_TASKS_RUN_METRIC.name, dimensions: group, stat: "Sum", label: "tasks run (stopped after running)" },
      { namespace: AGENT_START_FAILURES_METRIC.namespace, name: AGENT_START_FAILURES_METRIC.name, dimensions: group, stat: "Sum", label: "failed to start" },
    ],
    yAxis: { min: 0 },
  };
  if (!input.containerInsights) {
    return [builds, { note: `Per-template tasks running, CPU and memory need Container Insights:\n\`pulumi config set containerInsights true\`, then \`pulumi up\`.` }];
  }
  const family = { ClusterName: input.agents.clusterName, TaskDefinitionFamily: template.family };
  const id = (what: string) => idOf(index, what);
  const insights = (name: string, stat: string, what: string): MetricLine => ({ namespace: "ECS/ContainerInsights", name, dimensions: family, stat, label: what, id: id(what), visible: false });
  // Used against reserved, per task: the average task, and the busiest.
  const used = (what: string, metric: "Cpu" | "Memory", size: string): Graph => {
    const m = metric.toLowerCase();
    return {
      title: `${template.label}: ${what} used of ${size}`,
      lines: [
        insights(`${metric}Utilized`, "Average", `${m}avg`),
        insights(`${metric}Utilized`, "Maximum", `${m}max`),
        insights(`${metric}Reserved`, "Average", `${m}res`),
        { expression: `100*${id(`${m}avg`)}/${id(`${m}res`)}`, label: "average %", id: id(`${m}pct`) },
        { expression: `100*${id(`${m}max`)}/${id(`${m}res`)}`, label: "busiest task %", id: id(`${m}peak`) },
      ],
      yAxis: percent,
    };
  };
  return [
    {
      title: `${template.label}: agent tasks running`,
      lines: [
        insights("CpuReserved", "Sum", "reservedsum"),
        // Each running task reports its reservation once a minute: the sum over a period, per
        // minute and per task's CPU units, is the average number of tasks running.
        { expression: `${id("reservedsum")}/(${template.cpu}*PERIOD(${id("reservedsum")})/60)`, label: "tasks running (average)", id: id("running") },
      ],
      yAxis: { min: 0 },
    },
    used("CPU", "Cpu", `${template.cpu} units`),
    used("memory", "Memory", `${template.memory} MiB`),
    builds,
  ];
}

/** The dashboard: controller, JENKINS_HOME, and a section per agent template, named by its label. */
export function dashboardBody(input: DashboardInput): DashboardBody {
  const sections = [
    { header: "## Jenkins controller", graphs: controllerGraphs(input) },
    { header: "## JENKINS_HOME (EFS)", graphs: fileSystemGraphs(input) },
    ...input.agents.templates.map((t, i) => ({
      header: `## Agents: ${t.label}\nTask-definition family \`${t.family}\`, ${t.cpu} CPU units, ${t.memory} MiB. Right-size with \`npm run sizing\`.`,
      graphs: templateGraphs(input, i),
    })),
  ];
  return { widgets: layout(input.region, sections) };
}

/** The console's domain in each partition this stack supports. */
const CONSOLE: Record<Exclude<PartitionName, "aws-cn">, (region: string) => string> = {
  aws: (region) => `https://${region}.console.aws.amazon.com`,
  "aws-us-gov": () => "https://console.amazonaws-us-gov.com",
};

/** Where the dashboard opens in the CloudWatch console. */
export function dashboardUrl(region: string, dashboardName: string): string {
  const partition = partitionOf(region);
  if (partition === "aws-cn") throw new Error("aws-cn is not supported");
  return `${CONSOLE[partition](region)}/cloudwatch/home?region=${region}#dashboards/dashboard/${encodeURIComponent(dashboardName)}`;
}
