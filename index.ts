/**
 * jenkins-ecs: a production Jenkins on AWS ECS Fargate.
 *
 * Data flows one way: network → discovery → agents → controller. The controller consumes what
 * the agents expose (their security group, the policy that lets Jenkins run them, the cloud
 * settings for JCasC); nothing flows back.
 */
import { loadSettings } from "./lib/config";
import { Network } from "./components/network";
import { Discovery } from "./components/discovery";
import { Agents } from "./components/agents";
import { Controller } from "./components/controller";

// Validated before any resource is registered: bad config stops here with one message.
const settings = loadSettings();

const network = new Network("network", { settings: settings.network });

const discovery = new Discovery("discovery", { vpcId: network.vpcId, namespace: settings.discoveryNamespace });

const agents = new Agents("agents", {
  settings,
  vpcId: network.vpcId,
  subnetIds: network.privateSubnetIds,
  controllerHost: discovery.controllerHost,
});

const controller = new Controller("controller", { settings, network, discovery, agents });

/** Where users log in: the domain when one is configured, else the load balancer's name. */
export const url = controller.url;
/** What a CNAME for your own domain points at. */
export const loadBalancerDnsName = controller.loadBalancerDnsName;
/** Secrets Manager secret holding the admin password (the ARN, never the password). */
export const adminSecretArn = controller.adminSecretArn;
export const clusterName = controller.clusterName;
/** JENKINS_HOME's file system; it is kept when the stack is destroyed. */
export const fileSystemId = controller.fileSystemId;
/** The agents' cluster: every build's task runs here. */
export const agentClusterArn = agents.clusterArn;
/** The controller's private name, for agents: `jenkins.<namespace>`. */
export const controllerPrivateHost = discovery.controllerHost;
export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const publicSubnetIds = network.publicSubnetIds;
