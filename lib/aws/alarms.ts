/**
 * Every alarm's threshold, and which ECS events mean an agent failed to start. The timing of
 * the "down" alarms follows from how long a controller roll takes (./controllerWaits.ts). The
 * README's alarm table and the runbook's alarm sections follow these.
 */

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
