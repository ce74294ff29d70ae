import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * Every alarm threshold, in one place. Periods are seconds; an alarm fires after
 * `periods` consecutive breaching periods. The README's alarm table mirrors this (tested).
 */
export const ALARM_THRESHOLDS = {
  /** Fewer healthy targets than this behind the load balancer: users cannot reach Jenkins. */
  healthyTargets: { below: 1, period: 60, periods: 3 },
  /** Fewer running controller tasks than this. */
  runningTasks: { below: 1, period: 60, periods: 3 },
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
} as const;

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
  /** Subscribed to the topic when given. */
  readonly email?: string;
}

/**
 * CloudWatch alarms for the day Jenkins is down or struggling, all notifying one SNS topic
 * (subscribe a pager or chat integration to it, or set alarmEmail).
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

    const alarm = (id: string, description: string, spec: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "alarmDescription">) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${id}`,
        { alarmDescription: description, alarmActions: [topic.arn], okActions: [topic.arn], ...spec },
        parent,
      );

    const targetDimensions = { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix };
    const serviceDimensions = { ClusterName: args.clusterName, ServiceName: args.serviceName };

    alarm("no-healthy-target", "No healthy Jenkins controller behind the load balancer: users cannot reach Jenkins.", {
      namespace: "AWS/ApplicationELB",
      metricName: "HealthyHostCount",
      dimensions: targetDimensions,
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      threshold: t.healthyTargets.below,
      period: t.healthyTargets.period,
      evaluationPeriods: t.healthyTargets.periods,
      treatMissingData: "breaching",
    });

    // Container Insights counts running tasks. Without it, the service's CPU metric is only
    // reported while a task runs, so "no samples" means "no task".
    alarm(
      "no-running-task",
      "The Jenkins controller service runs no task.",
      args.containerInsights
        ? {
            namespace: "ECS/ContainerInsights",
            metricName: "RunningTaskCount",
            dimensions: serviceDimensions,
            statistic: "Minimum",
            comparisonOperator: "LessThanThreshold",
            threshold: t.runningTasks.below,
            period: t.runningTasks.period,
            evaluationPeriods: t.runningTasks.periods,
            treatMissingData: "breaching",
          }
        : {
            namespace: "AWS/ECS",
            metricName: "CPUUtilization",
            dimensions: serviceDimensions,
            statistic: "SampleCount",
            comparisonOperator: "LessThanThreshold",
            threshold: t.runningTasks.below,
            period: t.runningTasks.period,
            evaluationPeriods: t.runningTasks.periods,
            treatMissingData: "breaching",
          },
    );

    alarm("lb-5xx", "The load balancer answers with 5xx: Jenkins is unreachable, overloaded or restarting.", {
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

    alarm("target-5xx", "Jenkins answers with 5xx errors.", {
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

    alarm("cpu-high", "The Jenkins controller's CPU is high: raise controllerCpu or move work to agents.", {
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

    alarm("memory-high", "The Jenkins controller's memory is high: raise controllerMemory before the JVM runs out.", {
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
      alarm("efs-burst-credits", "JENKINS_HOME is running out of EFS burst credits: Jenkins will slow to a crawl. Switch fileSystemThroughputMode to elastic.", {
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

    this.registerOutputs({ topicArn: this.topicArn });
  }
}
