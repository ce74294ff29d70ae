/**
 * Every CloudWatch metric this stack reads (dashboard, alarms, `npm run sizing`), with the
 * dimension sets AWS publishes it under and where AWS says so. One table, so a widget or an
 * alarm that names a metric or a dimension AWS never publishes fails a test instead of drawing
 * an empty graph. The sources are AWS's documentation; the awsdocs repositories hold the same
 * pages as Markdown, at the commit given.
 */
import { AGENT_START_FAILURES_METRIC, AGENT_TASKS_RUN_METRIC } from "./alarms";

export interface PublishedMetric {
  readonly namespace: string;
  readonly name: string;
  /** Each dimension set the metric is published with (names, in any order). */
  readonly dimensionSets: readonly (readonly string[])[];
  /** Where AWS documents it. */
  readonly source: string;
}

const SOURCES = {
  containerInsights:
    "CloudWatch User Guide, Amazon ECS Container Insights metrics (awsdocs/amazon-cloudwatch-user-guide doc_source/Container-Insights-metrics-ECS.md @ b35549706cab)",
  ecs: "Amazon ECS Developer Guide, Amazon ECS CloudWatch metrics (awsdocs/amazon-ecs-developer-guide doc_source/cloudwatch-metrics.md @ 3ba9bc24b3f6)",
  alb: "ELB User Guide for Application Load Balancers, CloudWatch metrics for your Application Load Balancer (awsdocs/elb-application-load-balancers-user-guide doc_source/load-balancer-cloudwatch-metrics.md @ 10251a799ee4)",
  efs: "Amazon EFS User Guide, Amazon CloudWatch metrics for Amazon EFS (awsdocs/amazon-efs-user-guide doc_source/efs-metrics.md @ 767cd53e39db)",
  own: "this stack: a metric filter on the agents' ECS Task State Change events (components/alarms.ts)",
} as const;

const FAMILY = ["ClusterName", "TaskDefinitionFamily"];
const SERVICE = ["ClusterName", "ServiceName"];
const CLUSTER = ["ClusterName"];
const TARGET = ["LoadBalancer", "TargetGroup"];
const LOAD_BALANCER = ["LoadBalancer"];
const FILE_SYSTEM = ["FileSystemId"];

const insights = (name: string, dimensionSets: string[][]): PublishedMetric => ({ namespace: "ECS/ContainerInsights", name, dimensionSets, source: SOURCES.containerInsights });

export const PUBLISHED_METRICS: readonly PublishedMetric[] = [
  // Container Insights: per task-definition family (so per agent template), service, cluster.
  ...["CpuUtilized", "CpuReserved", "MemoryUtilized", "MemoryReserved", "NetworkRxBytes", "NetworkTxBytes", "StorageReadBytes", "StorageWriteBytes", "EphemeralStorageReserved", "EphemeralStorageUtilized"].map(
    (name) => insights(name, [FAMILY, SERVICE, CLUSTER]),
  ),
  ...["DeploymentCount", "DesiredTaskCount", "PendingTaskCount", "RunningTaskCount", "TaskSetCount"].map((name) => insights(name, [SERVICE])),
  ...["ContainerInstanceCount", "ServiceCount", "TaskCount"].map((name) => insights(name, [CLUSTER])),
  // Free ECS metrics: a Fargate service's utilisation, in percent of its task size.
  ...["CPUUtilization", "MemoryUtilization"].map((name) => ({ namespace: "AWS/ECS", name, dimensionSets: [SERVICE, CLUSTER], source: SOURCES.ecs })),
  // Application Load Balancer: the load balancer's own metrics, and those of its targets
  // (per load balancer, or per target group of it; "the final portion of the ARN" each).
  { namespace: "AWS/ApplicationELB", name: "HTTPCode_ELB_5XX_Count", dimensionSets: [LOAD_BALANCER], source: SOURCES.alb },
  { namespace: "AWS/ApplicationELB", name: "HealthyHostCount", dimensionSets: [TARGET], source: SOURCES.alb },
  { namespace: "AWS/ApplicationELB", name: "UnHealthyHostCount", dimensionSets: [TARGET], source: SOURCES.alb },
  ...["RequestCount", "HTTPCode_Target_5XX_Count", "TargetResponseTime"].map((name) => ({ namespace: "AWS/ApplicationELB", name, dimensionSets: [LOAD_BALANCER, TARGET], source: SOURCES.alb })),
  // EFS: one dimension, the file system.
  ...["PercentIOLimit", "BurstCreditBalance", "PermittedThroughput", "MeteredIOBytes", "TotalIOBytes", "DataReadIOBytes", "DataWriteIOBytes", "MetadataIOBytes", "ClientConnections"].map((name) => ({
    namespace: "AWS/EFS",
    name,
    dimensionSets: [FILE_SYSTEM],
    source: SOURCES.efs,
  })),
  // This stack's own, per agent task group (family:<family>).
  ...[AGENT_START_FAILURES_METRIC, AGENT_TASKS_RUN_METRIC].map((m) => ({ namespace: m.namespace, name: m.name, dimensionSets: [[m.dimension]], source: SOURCES.own })),
];

/** The published metric `namespace`/`name` with exactly the dimensions `dimensionNames`, if AWS publishes it so. */
export function publishedMetric(namespace: string, name: string, dimensionNames: readonly string[]): PublishedMetric | undefined {
  const wanted = [...dimensionNames].sort().join(",");
  return PUBLISHED_METRICS.find((m) => m.namespace === namespace && m.name === name && m.dimensionSets.some((set) => [...set].sort().join(",") === wanted));
}
