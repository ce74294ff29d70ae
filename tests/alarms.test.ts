import * as assert from "assert";
import { AGENT_START_FAILURES_METRIC, AGENT_TASKS_RUN_METRIC, agentStartFailurePattern, agentTaskRunPattern } from "../lib/aws/alarms";
import { FARGATE_START_SECONDS, STOP_TIMEOUT_SECONDS, TARGET_HEALTH_CHECK, controllerRollSeconds, downAlarmWindow } from "../lib/aws/controllerWaits";
import { matchesEventPattern } from "../offline/eventPattern";
import { Graph, expectOne, findAll, runStack } from "./helpers";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("down alarms sized to a controller roll", () => {
  it("the roll budget is the stop timeout, a Fargate start, the grace period and the health checks", () => {
    // Each part from where it is decided: the container's stop timeout, the target group's checks.
    const expected = STOP_TIMEOUT_SECONDS + FARGATE_START_SECONDS + 300 + TARGET_HEALTH_CHECK.intervalSeconds * TARGET_HEALTH_CHECK.healthyThreshold;
    assert.strictEqual(controllerRollSeconds(300), expected);
    assert.strictEqual(expected, 600);
  });

  for (const grace of [0, 300, 600, 7200]) {
    it(`grace ${grace} s: alarms only on an outage clearly longer than a roll, M of N with N > M`, () => {
      const w = downAlarmWindow(grace);
      assert.ok(w.datapointsToAlarm * w.period >= controllerRollSeconds(grace) * 1.2, `${w.datapointsToAlarm} × ${w.period} s is not clearly longer than ${controllerRollSeconds(grace)} s`);
      assert.ok(w.evaluationPeriods > w.datapointsToAlarm);
      // CloudWatch: evaluation periods × period at most one day.
      assert.ok(w.evaluationPeriods * w.period <= 86400);
    });
  }

  for (const [what, overrides, grace] of [
    ["dev", {}, 360],
    ["dev with a 600 s grace period", { "jenkins-ecs:healthCheckGracePeriodSeconds": "600" }, 600],
  ] as const) {
    it(`${what}: both down alarms use the window of its grace period`, async () => {
      const graph = await runStack("dev", overrides);
      const w = downAlarmWindow(grace);
      const down = [expectOne(graph, ALARM, { metricName: "HealthyHostCount" }), expectOne(graph, ALARM, { metricName: "CPUUtilization", statistic: "SampleCount" })];
      for (const a of down) {
        assert.deepStrictEqual([a.inputs.period, a.inputs.datapointsToAlarm, a.inputs.evaluationPeriods, a.inputs.treatMissingData], [w.period, w.datapointsToAlarm, w.evaluationPeriods, "breaching"], a.name);
      }
    });
  }
});

/**
 * ECS Task State Change events in the shape of the ECS Developer Guide's "Amazon ECS task state
 * change events" example: a Fargate task of the agents' cluster that never ran (a pull error),
 * and others that must not alarm.
 */
const AGENT_CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/agents-cluster-ef20fc6";
function taskEvent(detail: Record<string, unknown>): object {
  return {
    version: "0",
    id: "3317b2af-7005-947d-b652-f55e762e571a",
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    account: "123456789012",
    time: "2026-11-29T20:53:06Z",
    region: "eu-west-1",
    resources: ["arn:aws:ecs:eu-west-1:123456789012:task/agents-cluster-ef20fc6/b99d40b3-5176-4f71-9a52-9dbd6f1cebef"],
    detail: {
      attachments: [{ id: "1789bcae-ddfb-4d10-8ebe-8ac87ddba5b8", type: "eni", status: "DELETED", details: [{ name: "subnetId", value: "subnet-0123456789abcdef0" }] }],
      availabilityZone: "eu-west-1b",
      clusterArn: AGENT_CLUSTER,
      connectivity: "CONNECTED",
      containers: [{ containerArn: "arn:aws:ecs:eu-west-1:123456789012:container/x", lastStatus: "STOPPED", name: "agent", image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/agents@sha256:0123", taskArn: "arn:aws:ecs:eu-west-1:123456789012:task/agents-cluster-ef20fc6/b99d40b3", cpu: "0" }],
      cpu: "1024",
      createdAt: "2026-11-29T20:52:35.133Z",
      desiredStatus: "STOPPED",
      group: "family:jenkins-ecs-dev-agent-ecs",
      launchType: "FARGATE",
      lastStatus: "STOPPED",
      memory: "2048",
      platformVersion: "1.4.0",
      stopCode: "TaskFailedToStart",
      stoppedAt: "2026-11-29T20:53:06.094Z",
      stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref",
      stoppingAt: "2026-11-29T20:53:05.913Z",
      taskArn: "arn:aws:ecs:eu-west-1:123456789012:task/agents-cluster-ef20fc6/b99d40b3-5176-4f71-9a52-9dbd6f1cebef",
      taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/jenkins-ecs-dev-agent-ecs:3",
      version: 4,
      ...detail,
    },
  };
}

describe("agents failing to start: the EventBridge pattern", () => {
  const pattern = agentStartFailurePattern(AGENT_CLUSTER) as Record<string, unknown>;

  it("matches an agent task that failed to start with a pull error", () => {
    assert.strictEqual(matchesEventPattern(pattern, taskEvent({})), true);
  });

  it("matches a ResourceInitializationError and a bare TaskFailedToStart", () => {
    assert.strictEqual(matchesEventPattern(pattern, taskEvent({ stopCode: "EssentialContainerExited", stoppedReason: "ResourceInitializationError: unable to pull secrets or registry auth" })), true);
    assert.strictEqual(matchesEventPattern(pattern, taskEvent({ stoppedReason: "Task failed to start" })), true);
  });

  for (const [what, change] of [
    ["a build that ran and ended (stopped normally)", { stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" }],
    ["a task the plugin stopped after its build", { stopCode: "UserInitiated", stoppedReason: "Task stopped by user" }],
    ["a task of the controller's cluster", { clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/controller-cluster-764cf73" }],
    ["a task that is still starting", { lastStatus: "PROVISIONING", desiredStatus: "RUNNING", stopCode: undefined, stoppedReason: undefined }],
  ] as const) {
    it(`does not match ${what}`, () => {
      assert.strictEqual(matchesEventPattern(pattern, taskEvent(change)), false);
    });
  }

  it("the matcher refuses pattern syntax it does not implement, instead of guessing", () => {
    assert.throws(() => matchesEventPattern({ detail: { cpu: [{ numeric: [">", 0] }] } }, taskEvent({})), /unsupported/);
  });
});

describe("agent tasks that ran: the EventBridge pattern", () => {
  const pattern = agentTaskRunPattern(AGENT_CLUSTER) as Record<string, unknown>;
  const ran = { stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", startedAt: "2026-11-29T20:52:58.411Z" };

  it("matches a build's task that ran and stopped, however it stopped", () => {
    assert.strictEqual(matchesEventPattern(pattern, taskEvent(ran)), true);
    assert.strictEqual(matchesEventPattern(pattern, taskEvent({ ...ran, stopCode: "UserInitiated", stoppedReason: "Task stopped by user" })), true);
    assert.strictEqual(matchesEventPattern(pattern, taskEvent({ ...ran, stopCode: "SpotInterruption", stoppedReason: "Your Spot Task was interrupted." })), true);
  });

  for (const [what, change] of [
    ["a task that never started (no startedAt): counted as a failure, not a build", {}],
    ["the same task while it runs", { ...ran, lastStatus: "RUNNING", desiredStatus: "RUNNING", stopCode: undefined, stoppedReason: undefined, stoppedAt: undefined }],
    ["a task of the controller's cluster", { ...ran, clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/controller-cluster-764cf73" }],
  ] as const) {
    it(`does not match ${what}`, () => {
      assert.strictEqual(matchesEventPattern(pattern, taskEvent(change)), false);
    });
  }
});

for (const stack of ["dev", "prod"]) {
  describe(`agents failing to start: resources (${stack})`, () => {
    let graph: Graph;
    before(async () => (graph = await runStack(stack)));

    for (const [what, pattern, metric] of [
      ["failed to start", agentStartFailurePattern, AGENT_START_FAILURES_METRIC],
      ["ran", agentTaskRunPattern, AGENT_TASKS_RUN_METRIC],
    ] as const) {
      it(`agent tasks that ${what}: a rule on the agents' cluster feeds a log group EventBridge may write to, counted per task group`, () => {
        const agentCluster = expectOne(graph, "jenkins-ecs:agents:Agents").state.clusterArn;
        const rules = findAll(graph, "aws:cloudwatch/eventRule:EventRule").filter((r) => JSON.stringify(JSON.parse(r.inputs.eventPattern)) === JSON.stringify(pattern(agentCluster)));
        assert.strictEqual(rules.length, 1);
        const target = expectOne(graph, "aws:cloudwatch/eventTarget:EventTarget", { rule: rules[0].state.name });
        const logGroup = graph.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.state.arn === target.inputs.arn)!;
        assert.match(logGroup.state.name, /^\/aws\/events\//);
        // One account-wide resource policy per stack covers both groups (10 per region at most).
        const policy = JSON.parse(expectOne(graph, "aws:cloudwatch/logResourcePolicy:LogResourcePolicy").inputs.policyDocument);
        assert.deepStrictEqual(policy.Statement[0].Principal.Service, ["events.amazonaws.com", "delivery.logs.amazonaws.com"]);
        assert.ok(policy.Statement[0].Resource.includes(`${logGroup.state.arn}:*`));
        assert.ok(target.dependsOn.length > 0, "the target waits for the policy");
        const filter = expectOne(graph, "aws:cloudwatch/logMetricFilter:LogMetricFilter", { logGroupName: logGroup.state.name });
        assert.deepStrictEqual(filter.inputs.metricTransformation, { namespace: metric.namespace, name: metric.name, value: "1", unit: "Count", dimensions: { [metric.dimension]: "$.detail.group" } });
      });
    }

    it("one alarm per template: 3 failures in 10 minutes, its message naming the template and its family", () => {
      const templates = expectOne(graph, "jenkins-ecs:agents:Agents").state.cloud.templates as { label: string; family: string }[];
      const alarms = findAll(graph, ALARM, { metricName: AGENT_START_FAILURES_METRIC.name });
      assert.strictEqual(alarms.length, templates.length);
      for (const t of templates) {
        const a = expectOne(graph, ALARM, { metricName: AGENT_START_FAILURES_METRIC.name, dimensions: { TaskGroup: `family:${t.family}` } });
        assert.deepStrictEqual([a.inputs.statistic, a.inputs.comparisonOperator, a.inputs.threshold, a.inputs.period, a.inputs.evaluationPeriods], ["Sum", "GreaterThanOrEqualToThreshold", 3, 600, 1]);
        assert.ok(a.inputs.alarmDescription.includes(`template ${t.label}`) && a.inputs.alarmDescription.includes(t.family), a.inputs.alarmDescription);
      }
    });
  });
}
