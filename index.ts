/**
 * jenkins-ecs: a production Jenkins on AWS ECS Fargate.
 *
 * Data flows one way: network → discovery → agents → controller. The controller consumes what
 * the agents expose (their security group, the policy that lets Jenkins run them, the cloud
 * settings for JCasC); nothing flows back.
 */
import { loadSettings } from "./lib/config";
import { Network } from "./components/network";

// Validated before any resource is registered: bad config stops here with one message.
const settings = loadSettings();

const network = new Network("network", { settings: settings.network });

export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const publicSubnetIds = network.publicSubnetIds;
