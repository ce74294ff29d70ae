/**
 * Every alarm's threshold and timing, in one place, and the two decisions behind the timing:
 * how long a normal controller roll keeps Jenkins down, and which ECS events mean an agent
 * failed to start. The README's alarm table and the runbook's alarm sections follow these.
 */
import { STOP_TIMEOUT_SECONDS } from "./controllerTask";

/** The controller's target health check (the load balancer's): a new task is healthy after `healthyThreshold` passes. */
export const TARGET_HEALTH_CHECK = { path: "/login", intervalSeconds: 30, timeoutSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 5 } as const;

/**
 * Seconds from RunTask to a running controller container: Fargate placement, the network
 * interface, and pulling the controller image (about 1 GB, from ECR in the region).
 */
export const FARGATE_START_SECONDS = 120;

/**
 * The longest outage a normal controller roll causes (min 0 % / max 100 %: the old task stops
 * first): the old task's stop timeout, a Fargate start, Jenkins and JCasC starting within the
 * health-check grace period, then the target passing its health checks.
 */
export function controllerRollSeconds(healthCheckGracePeriodSeconds: number): number {
  return STOP_TIMEOUT_SECONDS + FARGATE_START_SECONDS + healthCheckGracePeriodSeconds + TARGET_HEALTH_CHECK.intervalSeconds * TARGET_HEALTH_CHECK.healthyThreshold;
}

/** How much longer than a roll an outage must last before the "down" alarms fire. */
export const ROLL_MARGIN = 1.25;
const DOWN_PERIOD_SECONDS = 60;

/** An alarm's timing: it fires when `datapointsToAlarm` of the last `evaluationPeriods` periods breach. */
export interface AlarmWindow {
  readonly period: number;
  readonly datapointsToAlarm: number;
  readonly evaluationPeriods: number;
}

/**
 * The "down" alarms (no healthy target, no running task) fire on M of N one-minute datapoints:
 * M minutes are clearly longer than a roll (×{@link ROLL_MARGIN}), and N = M + 2, so a healthy
 * minute in the middle of an outage does not reset it. A deploy never pages; an outage longer
 * than any deploy does.
 */
export function downAlarmWindow(healthCheckGracePeriodSeconds: number): AlarmWindow {
  const datapointsToAlarm = Math.ceil((controllerRollSeconds(healthCheckGracePeriodSeconds) * ROLL_MARGIN) / DOWN_PERIOD_SECONDS);
  return { period: DOWN_PERIOD_SECONDS, datapointsToAlarm, evaluationPeriods: datapointsToAlarm + 2 };
}

/** Thresholds of the other alarms; periods in seconds, each fires after `periods` breaching periods. */
export const ALARM_THRESHOLDS = {
  /** 5xx answers of the load balancer itself (Jenkins unreachable, slow or restarting), per period. */
  loadBalancer5xx: { above: 10, period: 300, periods: 1 },
  /** 5xx answers of Jenkins, per period. */
  target5xx: { above: 25, period: 300, periods: 1 },
  /** Average controller CPU, percent. */
  cpuPercent: { above: 80, period: 300, periods: 3 },
  /** Average controller memory, percent: above this the JVM is close to its limit. */
  memoryPercent: { above: 85, period: 300, periods: 3 },
  /** EFS burst credits, bytes (about 200 GiB: roughly half an hour of bursting at 100 MiB/s). */
  burstCreditBytes: { below: 200 * 1024 ** 3, period: 300, periods: 1 },
  /** Agent tasks of one template that stopped before running, in 10 minutes (the plugin retries every 10 s). */
  agentStartFailures: { atLeast: 3, period: 600, periods: 1 },
} as const;

/** Every alarm the stack can have, by the id its resource name ends in, and its runbook section. */
export const ALARMS = {
  "no-healthy-target": "No healthy target",
  "no-running-task": "No running task",
  "lb-5xx": "Load balancer 5xx",
  "target-5xx": "Jenkins 5xx",
  "cpu-high": "Controller CPU high",
  "memory-high": "Controller memory high",
  "efs-burst-credits": "EFS burst credits low",
  "agent-start-failures": "Agents failing to start",
} as const;

/**
 * How many alarms a stack has: every alarm of {@link ALARMS} once, but burst credits only with
 * bursting throughput, and the start-failure alarm once per agent template.
 */
export function alarmCount(burstingThroughput: boolean, templates: number): number {
  return Object.keys(ALARMS).length - 2 + (burstingThroughput ? 1 : 0) + templates;
}

/** Where agent start failures are counted: CloudWatch metric namespace and name. */
export const AGENT_START_FAILURES_METRIC = { namespace: "jenkins-ecs", name: "AgentStartFailures", dimension: "TaskGroup" } as const;

/**
 * Where agent tasks that ran are counted, one per task when it stops: builds per template for
 * the dashboard and `npm run sizing` (Container Insights has no task count per family).
 */
export const AGENT_TASKS_RUN_METRIC = { namespace: "jenkins-ecs", name: "AgentTasksRun", dimension: "TaskGroup" } as const;

/**
 * EventBridge pattern for agent tasks that stopped before they ran ("Amazon ECS task state
 * change events", ECS Developer Guide): an ECS Task State Change of the agents' cluster whose
 * task is STOPPED with `stopCode` TaskFailedToStart, or whose `stoppedReason` begins with
 * CannotPullContainerError or ResourceInitializationError (image pull, secrets and log setup
 * failures).
 */
export function agentStartFailurePattern(agentClusterArn: string): object {
  return {
    source: ["aws.ecs"],
    "detail-type": ["ECS Task State Change"],
    detail: {
      clusterArn: [agentClusterArn],
      lastStatus: ["STOPPED"],
      $or: [{ stopCode: ["TaskFailedToStart"] }, { stoppedReason: [{ prefix: "CannotPullContainerError" }, { prefix: "ResourceInitializationError" }] }],
    },
  };
}

/**
 * EventBridge pattern for agent tasks that ran and have stopped: an ECS Task State Change of
 * the agents' cluster, STOPPED, with a `startedAt` (set once the task ran; a task that failed
 * to start has none). One event per task: how many builds' agents each template ran.
 */
export function agentTaskRunPattern(agentClusterArn: string): object {
  return {
    source: ["aws.ecs"],
    "detail-type": ["ECS Task State Change"],
    detail: { clusterArn: [agentClusterArn], lastStatus: ["STOPPED"], startedAt: [{ exists: true }] },
  };
}

/** The task group ECS gives a task run without one: `family:<task definition family>` (RunTask `group`). */
export function taskGroupOf(family: string): string {
  return `family:${family}`;
}
