import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DashboardInput, dashboardBody, dashboardUrl } from "../lib/aws/dashboard";

/** Arguments for {@link Dashboard}: what the dashboard shows, as the other components expose it. */
export interface DashboardArgs {
  /**
   * The dashboard's name: dashboards are named by the caller (no auto-naming), so it must be
   * unique per account and region; the stack prefix is.
   */
  readonly name: string;
  readonly region: string;
  /** The controller's service and load balancer (see {@link DashboardInput}). */
  readonly controller: {
    readonly clusterName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
    readonly loadBalancer: pulumi.Input<string>;
    readonly targetGroup: pulumi.Input<string>;
  };
  readonly fileSystemId: pulumi.Input<string>;
  readonly burstingThroughput: boolean;
  readonly containerInsights: boolean;
  /** The agents' cluster and every template: a section each. */
  readonly agents: { readonly clusterName: pulumi.Input<string>; readonly templates: DashboardInput["agents"]["templates"] };
}

/**
 * One CloudWatch dashboard per stack (lib/aws/dashboard.ts builds its body): the controller,
 * JENKINS_HOME, and each agent template's tasks, CPU, memory, builds and start failures.
 */
export class Dashboard extends pulumi.ComponentResource {
  /** Opens the dashboard in the CloudWatch console. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:dashboard:Dashboard", name, {}, opts);
    const { controller } = args;
    const body = pulumi
      .all([controller.clusterName, controller.serviceName, controller.loadBalancer, controller.targetGroup, args.fileSystemId, args.agents.clusterName])
      .apply(([clusterName, serviceName, loadBalancer, targetGroup, fileSystemId, agentClusterName]) =>
        JSON.stringify(
          dashboardBody({
            region: args.region,
            controller: { clusterName, serviceName, loadBalancer, targetGroup },
            fileSystemId,
            burstingThroughput: args.burstingThroughput,
            containerInsights: args.containerInsights,
            agents: { clusterName: agentClusterName, templates: args.agents.templates },
          }),
        ),
      );
    const dashboard = new aws.cloudwatch.Dashboard(`${name}-board`, { dashboardName: args.name, dashboardBody: body }, { parent: this });
    this.url = dashboard.dashboardName.apply((dashboardName) => dashboardUrl(args.region, dashboardName));
    this.registerOutputs({ url: this.url });
  }
}
