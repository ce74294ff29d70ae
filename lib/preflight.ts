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
import { TeamFile, cascFilesFor } from "./jenkins/teamCasc";
import { TASK_DEFINITION_MAX_BYTES, controllerContainerDefinitions, taskDefinitionBytes } from "./aws/controllerTask";
import { agentFamily, controllerHost, credentialsPrefix } from "./aws/naming";
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
 * Pulumi would hand out, with the team's JCasC files.
 * @throws TeamCascError when a team file would be refused (lib/jenkins/teamCasc.ts).
 */
export function controllerTaskDefinitionBytesAtMost(settings: Settings, teamFiles: readonly TeamFile[]): number {
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
  const cascFiles = cascFilesFor(
    {
      project: settings.project,
      stack: settings.stack,
      // An ALB's name: the load balancer's name, an id and the region's ELB domain.
      publicUrl: `https://${settings.domainName ?? `${NAME}-1234567890.${region}.elb.amazonaws.com`}/`,
      jnlpPort: settings.jnlpPort,
      adminUser: settings.controller.adminUser,
      adminEmail: settings.controller.adminEmail,
      cloud,
      sso: settings.sso,
      credentialsPrefix: credentialsPrefix(settings.project, settings.stack),
    },
    teamFiles,
  );
  const definitions = controllerContainerDefinitions({
    image: settings.controller.image ?? `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${NAME}@sha256:${"0".repeat(64)}`,
    logGroupName: NAME,
    region,
    adminSecretArn: arn("secretsmanager", `secret:${NAME}-AbCdEf`),
    cascFiles,
    oidcClientSecretArn: settings.sso?.clientSecretArn,
    jnlpPort: settings.jnlpPort,
    fileSystemView: settings.controller.ecsExec,
  });
  return taskDefinitionBytes(definitions);
}

/**
 * Refuses settings whose rendered output Jenkins or AWS would refuse: the team's JCasC files,
 * checked against the generated document, and the controller's task definition, which carries
 * every JCasC source and grows with each template and each team file.
 * @throws TeamCascError naming the file, the key path and the reason.
 * @throws ConfigError naming the key to change.
 */
export function checkRenderedLimits(settings: Settings, teamFiles: readonly TeamFile[]): void {
  const bytes = controllerTaskDefinitionBytesAtMost(settings, teamFiles);
  if (bytes > TASK_DEFINITION_MAX_BYTES) {
    const teamBytes = teamFiles.reduce((sum, f) => sum + Buffer.byteLength(f.text, "utf8"), 0);
    const team = teamFiles.length > 0 ? ` and ${teamFiles.length} team JCasC files (${teamBytes} bytes, a third more in base64)` : "";
    throw new ConfigError(settings.stack, [
      `${PROJECT}:agents: ${settings.agents.templates.length} templates${team} would make the controller's task definition up to ${bytes} bytes, over the ${TASK_DEFINITION_MAX_BYTES} bytes (64 KiB) ECS accepts; use fewer templates${team ? " or smaller team files" : ""}.`,
    ]);
  }
}
