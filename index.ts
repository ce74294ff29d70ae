/**
 * jenkins-ecs: a production Jenkins on AWS ECS Fargate.
 *
 * Data flows one way: network → discovery → agent images → agents → controller, then the
 * alarms and the dashboard that watch them. The controller consumes what the agents expose
 * (their security group, the policy that lets Jenkins run them, the cloud settings for JCasC);
 * nothing flows back.
 *
 * The program is an async function (Pulumi awaits it, and its result is the stack's outputs) so
 * that everything that can refuse the stack does so before the first resource is registered.
 */
import { loadSettings } from "./lib/config/parse";
import { checkRenderedLimits } from "./lib/preflight";
import { readTeamFiles } from "./lib/jenkins/teamCasc";
import { deployedTemplates } from "./lib/jenkins/cloud";
import { stackPrefix } from "./lib/aws/naming";
import { Network, checkAdoptedNetwork } from "./components/network";
import { Discovery } from "./components/discovery";
import { stackIam } from "./components/taskRoles";
import { AgentImages } from "./components/agentImages";
import { Agents } from "./components/agents";
import { Controller } from "./components/controller";
import { Alarms } from "./components/alarms";
import { Dashboard } from "./components/dashboard";

export = async () => {
  // Validated before any resource is registered: bad config stops here with one message.
  const settings = loadSettings();
  // The team's own JCasC (jenkins/casc/), applied with the generated document at every start.
  const teamFiles = readTeamFiles(__dirname, settings.stack);
  // What only rendered output can tell (the team's JCasC against ours, the task-definition
  // size) is refused here, as config is.
  checkRenderedLimits(settings, teamFiles);
  // An adopted VPC is looked up and checked first: bad subnets stop here too.
  if (settings.network.mode === "adopt") await checkAdoptedNetwork(settings.network, { interfaceEndpoints: settings.vpcEndpoints, internetFacing: !settings.loadBalancer.internal });

  // Every role and policy under the stack's own IAM path, bounded when the stack file names a
  // boundary, which must exist: a missing one stops here too.
  const iam = await stackIam(settings.stack, settings.partition, settings.permissionsBoundary);

  const network = new Network("network", { settings: settings.network, region: settings.region, interfaceEndpoints: settings.vpcEndpoints });

  const discovery = new Discovery("discovery", { vpcId: network.vpcId, namespace: settings.discoveryNamespace });

  // Built into the stack's ECR at `pulumi up`; prebuilt images pass through.
  const agentImages = new AgentImages("agent-images", { templates: settings.agents.templates });

  const agents = new Agents("agents", {
    project: settings.project,
    stack: settings.stack,
    region: settings.region,
    partition: settings.partition,
    iam,
    jnlpPort: settings.jnlpPort,
    agents: settings.agents,
    containerInsights: settings.containerInsights,
    logRetentionDays: settings.logRetentionDays,
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    subnetCount: network.privateSubnetCount,
    controllerHost: discovery.controllerHost,
    images: agentImages.images,
    kanikoImages: agentImages.kanikoImages,
    imageRepositoryArns: agentImages.repositoryArns,
  });

  const controller = new Controller("controller", {
    project: settings.project,
    stack: settings.stack,
    region: settings.region,
    partition: settings.partition,
    iam,
    jnlpPort: settings.jnlpPort,
    controller: settings.controller,
    loadBalancer: settings.loadBalancer,
    dns: { certificateArn: settings.certificateArn, domainName: settings.domainName, hostedZoneId: settings.hostedZoneId },
    containerInsights: settings.containerInsights,
    logRetentionDays: settings.logRetentionDays,
    deletionProtection: settings.deletionProtection,
    network,
    discovery,
    agents,
    jenkins: { sso: settings.sso, teamFiles },
  });

  const alarms = new Alarms("alarms", {
    loadBalancerArnSuffix: controller.loadBalancer.loadBalancerArnSuffix,
    targetGroupArnSuffix: controller.loadBalancer.targetGroupArnSuffix,
    clusterName: controller.clusterName,
    serviceName: controller.serviceName,
    fileSystemId: controller.fileSystemId,
    containerInsights: settings.containerInsights,
    burstingThroughput: settings.controller.fileSystemThroughputMode === "bursting",
    healthCheckGracePeriodSeconds: settings.controller.healthCheckGracePeriodSeconds,
    agentClusterArn: agents.clusterArn,
    agentTemplates: deployedTemplates(settings),
    logRetentionDays: settings.logRetentionDays,
    stackPrefix: stackPrefix(settings.project, settings.stack),
    email: settings.alarmEmail,
  });

  const dashboard = new Dashboard("dashboard", {
    name: stackPrefix(settings.project, settings.stack),
    region: settings.region,
    controller: {
      clusterName: controller.clusterName,
      serviceName: controller.serviceName,
      loadBalancer: controller.loadBalancer.loadBalancerArnSuffix,
      targetGroup: controller.loadBalancer.targetGroupArnSuffix,
    },
    fileSystemId: controller.fileSystemId,
    burstingThroughput: settings.controller.fileSystemThroughputMode === "bursting",
    containerInsights: settings.containerInsights,
    agents: { clusterName: agents.clusterName, templates: deployedTemplates(settings) },
  });

  return {
    /** Where users log in: the domain when one is configured, else the load balancer's name. */
    url: controller.url,
    /** What a CNAME for your own domain points at. */
    loadBalancerDnsName: controller.loadBalancerDnsName,
    /** The Jenkins admin user; its password is in the adminSecretArn secret. */
    adminUser: settings.controller.adminUser,
    /** Secrets Manager secret holding the admin password (the ARN, never the password). */
    adminSecretArn: controller.adminSecretArn,
    /** Every agent template as deployed: label, family, size, architecture, Spot, reuse, limit, permissions, secret names, cache. */
    agentTemplates: deployedTemplates(settings),
    clusterName: controller.clusterName,
    controllerServiceName: controller.serviceName,
    /** CloudWatch log groups: the controller's, and every agent's (stream prefix jenkins-agent). */
    controllerLogGroup: controller.logGroupName,
    /** The S3 bucket of the load balancer's access logs (prefix load-balancer/). */
    accessLogBucket: controller.loadBalancer.accessLogBucket,
    /** ECS Exec sessions into the controller (absent when ecsExec is off). */
    controllerExecLogGroup: controller.execLogGroupName,
    agentLogGroup: agents.logGroupName,
    /** JENKINS_HOME's file system; it is kept when the stack is destroyed. */
    fileSystemId: controller.fileSystemId,
    /** The stack's CloudWatch dashboard: controller, JENKINS_HOME, every agent template. */
    dashboardUrl: dashboard.url,
    /** SNS topic every alarm notifies; subscribe your pager or chat to it. */
    alarmTopicArn: alarms.topicArn,
    /** The agents' cluster: every build's task runs here. */
    agentClusterArn: agents.clusterArn,
    /** The controller's private name, for agents: `jenkins.<namespace>`. */
    controllerPrivateHost: discovery.controllerHost,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
  };
};
