import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AGENT_START_FAILURES_METRIC, AGENT_TASKS_RUN_METRIC, ALARMS, ALARM_THRESHOLDS, agentStartFailurePattern, agentTaskRunPattern, taskGroupOf } from "../lib/aws/alarms";
import { downAlarmWindow } from "../lib/aws/controllerWaits";

/** Arguments for {@link Alarms}. */
export interface AlarmsArgs {
  /** `app/<name>/<id>` of the load balancer. */
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  /** `targetgroup/<name>/<id>` of the controller's target group. */
  readonly targetGroupArnSuffix: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  readonly serviceName: pulumi.Input<string>;
  readonly fileSystemId: pulumi.Input<string>;
  /** Container Insights on the controller's cluster: the running-task alarm can count tasks. */
  readonly containerInsights: boolean;
  /** Bursting EFS throughput: only then can burst credits run out. */
  readonly burstingThroughput: boolean;
  /** The controller's health-check grace period: the "down" alarms wait out a whole roll. */
  readonly healthCheckGracePeriodSeconds: number;
  /** The agents' cluster, whose tasks that fail to start are counted. */
  readonly agentClusterArn: pulumi.Input<string>;
  /** Every agent template: an alarm each, named after it. */
  readonly agentTemplates: readonly { readonly label: string; readonly family: string }[];
  /** Days the start-failure events are kept. */
  readonly logRetentionDays: number;
  /** Unique per stack: names the one account-wide resource that needs a name. */
  readonly stackPrefix: string;
  /** Subscribed to the topic when given. */
  readonly email?: string;
}

/**
 * CloudWatch alarms for the day Jenkins is down or struggling, or agents cannot start, all
 * notifying one SNS topic (subscribe a pager or chat integration to it, or set alarmEmail).
 */
export class Alarms extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:alarms:Alarms", name, {}, opts);
    const parent = { parent: this };
    const t = ALARM_THRESHOLDS;

    const topic = new aws.sns.Topic(`${name}-topic`, {}, parent);
    this.topicArn = topic.arn;
    if (args.email) {
      new aws.sns.TopicSubscription(`${name}-email`, { topic: topic.arn, protocol: "email", endpoint: args.email }, parent);
    }

    const alarm = (id: keyof typeof ALARMS | `${keyof typeof ALARMS}-${string}`, description: string, spec: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "alarmDescription">) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${id}`,
        { alarmDescription: description, alarmActions: [topic.arn], okActions: [topic.arn], ...spec },
        parent,
      );

    const targetDimensions = { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix };
    const serviceDimensions = { ClusterName: args.clusterName, ServiceName: args.serviceName };
    // Longer than the longest normal controller roll (lib/aws/alarms.ts): deploys never page.
    const down = downAlarmWindow(args.healthCheckGracePeriodSeconds);
    const downTiming = { period: down.period, evaluationPeriods: down.evaluationPeriods, datapointsToAlarm: down.datapointsToAlarm, treatMissingData: "breaching" };

    alarm("no-healthy-target", "No healthy Jenkins controller behind the load balancer for longer than a controller roll: users cannot reach Jenkins. Runbook: No healthy target.", {
      namespace: "AWS/ApplicationELB",
      metricName: "HealthyHostCount",
      dimensions: targetDimensions,
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      ...downTiming,
    });

    // Container Insights counts running tasks. Without it, the service's CPU metric is only
    // reported while a task runs, so "no samples" means "no task".
    alarm(
      "no-running-task",
      "The Jenkins controller service has run no task for longer than a controller roll. Runbook: No running task.",
      args.containerInsights
        ? { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: serviceDimensions, statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: 1, ...downTiming }
        : { namespace: "AWS/ECS", metricName: "CPUUtilization", dimensions: serviceDimensions, statistic: "SampleCount", comparisonOperator: "LessThanThreshold", threshold: 1, ...downTiming },
    );

    alarm("lb-5xx", "The load balancer answers with 5xx: Jenkins is unreachable, overloaded or restarting. Runbook: Load balancer 5xx.", {
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_ELB_5XX_Count",
      dimensions: { LoadBalancer: args.loadBalancerArnSuffix },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.loadBalancer5xx.above,
      period: t.loadBalancer5xx.period,
      evaluationPeriods: t.loadBalancer5xx.periods,
      treatMissingData: "notBreaching",
    });

    alarm("target-5xx", "Jenkins answers with 5xx errors. Runbook: Jenkins 5xx.", {
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      dimensions: targetDimensions,
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.target5xx.above,
      period: t.target5xx.period,
      evaluationPeriods: t.target5xx.periods,
      treatMissingData: "notBreaching",
    });

    alarm("cpu-high", "The Jenkins controller's CPU is high: raise controllerCpu or move work to agents. Runbook: Controller CPU high.", {
      namespace: "AWS/ECS",
      metricName: "CPUUtilization",
      dimensions: serviceDimensions,
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.cpuPercent.above,
      period: t.cpuPercent.period,
      evaluationPeriods: t.cpuPercent.periods,
      treatMissingData: "notBreaching",
    });

    alarm("memory-high", "The Jenkins controller's memory is high: raise controllerMemory before the JVM runs out. Runbook: Controller memory high.", {
      namespace: "AWS/ECS",
      metricName: "MemoryUtilization",
      dimensions: serviceDimensions,
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.memoryPercent.above,
      period: t.memoryPercent.period,
      evaluationPeriods: t.memoryPercent.periods,
      treatMissingData: "notBreaching",
    });

    if (args.burstingThroughput) {
      alarm("efs-burst-credits", "JENKINS_HOME is running out of EFS burst credits: Jenkins will slow to a crawl. Runbook: EFS burst credits low.", {
        namespace: "AWS/EFS",
        metricName: "BurstCreditBalance",
        dimensions: { FileSystemId: args.fileSystemId },
        statistic: "Minimum",
        comparisonOperator: "LessThanThreshold",
        threshold: t.burstCreditBytes.below,
        period: t.burstCreditBytes.period,
        evaluationPeriods: t.burstCreditBytes.periods,
        treatMissingData: "notBreaching",
      });
    }

    this.agentTaskEvents(name, args, alarm);

    this.registerOutputs({ topicArn: this.topicArn });
  }

  /**
   * Agent tasks that stop before running (an image that cannot be pulled, a role that cannot be
   * used): the plugin starts another every 10 s, forever, and the build only waits. EventBridge
   * sends those task events to a log group; a metric filter counts them per task group
   * (`family:<family>`, so per template), and an alarm per template fires on 3 in 10 minutes.
   * Agent tasks that ran are counted the same way, into a second log group: builds per template.
   */
  private agentTaskEvents(name: string, args: AlarmsArgs, alarm: (id: `agent-start-failures-${string}`, description: string, spec: aws.cloudwatch.MetricAlarmArgs) => aws.cloudwatch.MetricAlarm): void {
    const parent = { parent: this };
    // EventBridge writes to a log group through its resource policy; the /aws/events/ prefix is
    // where EventBridge's own console puts such groups.
    const failures = new aws.cloudwatch.LogGroup(`${name}-agent-starts`, { namePrefix: "/aws/events/agent-start-failures-", retentionInDays: args.logRetentionDays }, parent);
    const runs = new aws.cloudwatch.LogGroup(`${name}-agent-runs`, { namePrefix: "/aws/events/agent-tasks-run-", retentionInDays: args.logRetentionDays }, parent);
    const delivery = new aws.cloudwatch.LogResourcePolicy(
      `${name}-agent-starts`,
      {
        // The one name that must be chosen (an account-wide namespace, at most 10 policies per
        // region): one policy per stack for both groups.
        policyName: `${args.stackPrefix}-agent-start-failures`,
        policyDocument: pulumi.all([failures.arn, runs.arn]).apply(([failuresArn, runsArn]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "EventBridgeWritesAgentTaskEvents",
                Effect: "Allow",
                Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: [`${failuresArn}:*`, `${runsArn}:*`],
              },
            ],
          }),
        ),
      },
      parent,
    );
    const count = (id: string, description: string, pattern: (clusterArn: string) => object, events: aws.cloudwatch.LogGroup, metric: { namespace: string; name: string; dimension: string }) => {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${id}`,
        { description, eventPattern: pulumi.output(args.agentClusterArn).apply((arn) => JSON.stringify(pattern(arn))) },
        parent,
      );
      new aws.cloudwatch.EventTarget(`${name}-${id}`, { rule: rule.name, arn: events.arn }, { ...parent, dependsOn: [delivery] });
      new aws.cloudwatch.LogMetricFilter(
        `${name}-${id}`,
        {
          logGroupName: events.name,
          pattern: '{ $.detail.lastStatus = "STOPPED" }',
          metricTransformation: { namespace: metric.namespace, name: metric.name, value: "1", unit: "Count", dimensions: { [metric.dimension]: "$.detail.group" } },
        },
        parent,
      );
    };
    count("agent-starts", "Agent tasks of Jenkins that stopped before they ran", agentStartFailurePattern, failures, AGENT_START_FAILURES_METRIC);
    count("agent-runs", "Agent tasks of Jenkins that ran, counted when they stop", agentTaskRunPattern, runs, AGENT_TASKS_RUN_METRIC);

    const metric = AGENT_START_FAILURES_METRIC;
    const t = ALARM_THRESHOLDS.agentStartFailures;
    for (const template of args.agentTemplates) {
      alarm(
        `agent-start-failures-${template.label}`,
        `Agents of template ${template.label} (task definition family ${template.family}) keep stopping before they run: builds on ${template.label} wait forever. Runbook: Agents failing to start.`,
        {
          namespace: metric.namespace,
          metricName: metric.name,
          dimensions: { [metric.dimension]: taskGroupOf(template.family) },
          statistic: "Sum",
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: t.atLeast,
          period: t.period,
          evaluationPeriods: t.periods,
          treatMissingData: "notBreaching",
        },
      );
    }
  }
}
