/**
 * Preflight: the checks that need rendered output, run after the config is parsed and before
 * any resource is registered. AWS limits that stack config alone can break are checked here, so
 * a stack that AWS would refuse halfway through `pulumi up` is refused up front, with the same
 * one-message {@link ConfigError} as bad config.
 *
 * It is a step of its own because it renders what the settings feed (the JCasC document, the
 * controller's container definitions): config parsing must not depend on its own consumers.
 */
import type { Settings } from "./settings";
import { PROJECT } from "./config/keys";
import { ConfigError } from "./config/reader";
import { agentCloudSettings } from "./jenkins/cloud";
import { renderCasc } from "./jenkins/casc";
import { TASK_DEFINITION_MAX_BYTES, controllerContainerDefinitions, taskDefinitionBytes } from "./aws/controllerTask";
import { agentFamily, controllerHost } from "./aws/naming";
import { availabilityZoneCount } from "./aws/cidr";

/**
 * Longer than any physical name Pulumi generates here (a short logical name, "-" and 7
 * characters), so the estimate below is an upper bound of what is registered.
 */
const NAME = "n".repeat(64);
const ACCOUNT = "123456789012";
/** Subnet and security group ids are at most 17 hex digits after their prefix. */
const SUBNET_ID = `subnet-${"0".repeat(17)}`;
const SECURITY_GROUP_ID = `sg-${"0".repeat(17)}`;

/**
 * The most bytes the controller's RegisterTaskDefinition request can take for these settings:
 * the real container definitions and JCasC document, rendered with the longest ids AWS and
 * Pulumi would hand out.
 */
export function controllerTaskDefinitionBytesAtMost(settings: Settings): number {
  const { region, partition } = settings;
  const arn = (service: string, resource: string, withRegion = true) => `arn:${partition}:${service}:${withRegion ? region : ""}:${ACCOUNT}:${resource}`;
  const network = settings.network;
  const subnetCount = availabilityZoneCount(network);
  const cloud = agentCloudSettings(settings, controllerHost(settings.discoveryNamespace), {
    clusterArn: arn("ecs", `cluster/${NAME}`),
    subnetIds: Array.from({ length: subnetCount }, () => SUBNET_ID),
    securityGroupId: SECURITY_GROUP_ID,
    families: settings.agents.templates.map((t) => agentFamily(settings.project, settings.stack, t.label)),
  });
  const casc = renderCasc({
    project: settings.project,
    stack: settings.stack,
    // An ALB's name: the load balancer's name, an id and the region's ELB domain.
    publicUrl: `https://${settings.domainName ?? `${NAME}-1234567890.${region}.elb.amazonaws.com`}/`,
    jnlpPort: settings.jnlpPort,
    adminUser: settings.controller.adminUser,
    adminEmail: settings.controller.adminEmail,
    cloud,
  });
  const definitions = controllerContainerDefinitions({
    image: settings.controller.image ?? `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${NAME}@sha256:${"0".repeat(64)}`,
    logGroupName: NAME,
    region,
    adminSecretArn: arn("secretsmanager", `secret:${NAME}-AbCdEf`),
    casc,
    jnlpPort: settings.jnlpPort,
    fileSystemView: settings.controller.ecsExec,
  });
  return taskDefinitionBytes(definitions);
}

/**
 * Refuses settings whose rendered output AWS would refuse: today the controller's task
 * definition, which carries the JCasC document and grows with every template.
 * @throws ConfigError naming the key to change.
 */
export function checkRenderedLimits(settings: Settings): void {
  const bytes = controllerTaskDefinitionBytesAtMost(settings);
  if (bytes > TASK_DEFINITION_MAX_BYTES) {
    throw new ConfigError(settings.stack, [
      `${PROJECT}:agents: ${settings.agents.templates.length} templates would make the controller's task definition up to ${bytes} bytes, over the ${TASK_DEFINITION_MAX_BYTES} bytes (64 KiB) ECS accepts; use fewer templates.`,
    ]);
  }
}
