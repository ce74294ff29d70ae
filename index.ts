/**
 * jenkins-ecs: a production Jenkins on AWS ECS Fargate.
 *
 * Data flows one way: network → discovery → agent images → agents → controller. The controller
 * consumes what the agents expose (their security group, the policy that lets Jenkins run them,
 * the cloud settings for JCasC); nothing flows back.
 */
import { loadSettings } from "./lib/config";
import { deployedTemplates } from "./lib/cloud";
import { stackPrefix } from "./lib/naming";
import { Network } from "./components/network";
import { Discovery } from "./components/discovery";
import { AgentImages } from "./components/agentImages";
import { Agents } from "./components/agents";
import { Controller } from "./components/controller";
import { Alarms } from "./components/alarms";

// Validated before any resource is registered: bad config stops here with one message.
const settings = loadSettings();

const network = new Network("network", { settings: settings.network, region: settings.region, interfaceEndpoints: settings.vpcEndpoints });

const discovery = new Discovery("discovery", { vpcId: network.vpcId, namespace: settings.discoveryNamespace });

// Built into the stack's ECR at `pulumi up`; prebuilt images pass through.
const agentImages = new AgentImages("agent-images", { templates: settings.agents.templates });

const agents = new Agents("agents", {
  settings,
  vpcId: network.vpcId,
  subnetIds: network.privateSubnetIds,
  controllerHost: discovery.controllerHost,
  images: agentImages.images,
  imageRepositoryArns: agentImages.repositoryArns,
});

const controller = new Controller("controller", { settings, network, discovery, agents });

const alarms = new Alarms("alarms", {
  loadBalancerArnSuffix: controller.loadBalancer.loadBalancerArnSuffix,
  targetGroupArnSuffix: controller.loadBalancer.targetGroupArnSuffix,
  clusterName: controller.clusterName,
  serviceName: controller.serviceName,
  fileSystemId: controller.fileSystemId,
  containerInsights: settings.controller.containerInsights,
  burstingThroughput: settings.controller.fileSystemThroughputMode === "bursting",
  healthCheckGracePeriodSeconds: settings.controller.healthCheckGracePeriodSeconds,
  agentClusterArn: agents.clusterArn,
  agentTemplates: deployedTemplates(settings),
  logRetentionDays: settings.logRetentionDays,
  stackPrefix: stackPrefix(settings.project, settings.stack),
  email: settings.alarmEmail,
});

/** Where users log in: the domain when one is configured, else the load balancer's name. */
export const url = controller.url;
/** What a CNAME for your own domain points at. */
export const loadBalancerDnsName = controller.loadBalancerDnsName;
/** The Jenkins admin user; its password is in the adminSecretArn secret. */
export const adminUser = settings.controller.adminUser;
/** Secrets Manager secret holding the admin password (the ARN, never the password). */
export const adminSecretArn = controller.adminSecretArn;
/** Every agent template as deployed: label, task-definition family, size, architecture, Spot, reuse, limit. */
export const agentTemplates = deployedTemplates(settings);
export const clusterName = controller.clusterName;
export const controllerServiceName = controller.serviceName;
/** CloudWatch log groups: the controller's, and every agent's (stream prefix jenkins-agent). */
export const controllerLogGroup = controller.logGroupName;
/** ECS Exec sessions into the controller (absent when ecsExec is off). */
export const controllerExecLogGroup = controller.execLogGroupName;
export const agentLogGroup = agents.logGroupName;
/** JENKINS_HOME's file system; it is kept when the stack is destroyed. */
export const fileSystemId = controller.fileSystemId;
/** SNS topic every alarm notifies; subscribe your pager or chat to it. */
export const alarmTopicArn = alarms.topicArn;
/** The agents' cluster: every build's task runs here. */
export const agentClusterArn = agents.clusterArn;
/** The controller's private name, for agents: `jenkins.<namespace>`. */
export const controllerPrivateHost = discovery.controllerHost;
export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const publicSubnetIds = network.publicSubnetIds;
