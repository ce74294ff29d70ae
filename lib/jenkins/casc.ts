/**
 * The JCasC document: everything Jenkins is told, generated from the infrastructure so that no
 * id is ever copied by hand. A pure function of its input; rendered with the `yaml` library.
 *
 * Each field guards against a known way the amazon-ecs plugin silently fails to start agents
 * (see the comments), and tests check the rendered YAML against the deployed resources.
 */
import YAML from "yaml";
import { AGENT_CONTAINER, AGENT_HOME, AgentCloudSettings, AgentTemplateSettings } from "./cloud";
import { ADMIN_PASSWORD_ENV } from "../aws/controllerTask";
import { smokeTestJobDsl } from "./smokeTest";

/**
 * Seconds from RunTask until the agent must be connected: a Fargate start takes about a minute,
 * pulling a large build image on a cold host several more.
 */
export const AGENT_START_TIMEOUT_SECONDS = 900;
/** How often the plugin asks ECS about starting tasks; faster polling gets throttled with many agents. */
const TASK_POLLING_SECONDS = 5;

export interface CascInput {
  readonly project: string;
  readonly stack: string;
  /** Public URL users open (Jenkins' location URL). */
  readonly publicUrl: string;
  readonly jnlpPort: number;
  readonly adminUser: string;
  readonly adminEmail?: string;
  readonly cloud: AgentCloudSettings;
}

/**
 * What amazon-ecs 1.49 reads from a template that has a `taskDefinitionOverride`, and nothing
 * else: the task definition decides image, size, architecture, OS, network mode and roles.
 * Source: jenkinsci/amazon-ecs-plugin tag amazon-ecs-1.49,
 * - ECSTaskTemplate.java, constructor (l. 397-409): with an override, `templateName` is forced
 *   to "" and only `agentContainerName` is kept besides it;
 * - ECSService.java `registerTemplate` (l. 175-185): with an override the task definition is
 *   looked up, never registered, so `cpu`, `memory`, `image`, `cpuArchitecture`,
 *   `operatingSystemFamily`, `networkMode`, `executionRole`, `taskrole`, `logDriver`... are
 *   never read;
 * - ECSService.java `runEcsTask` (l. 457-509): RunTask takes `agentContainerName`, `label`
 *   (a tag), `launchType` or `capacityProviderStrategies`/`defaultCapacityProvider`,
 *   `platformVersion`, `enableExecuteCommand`, `assignPublicIp`, `securityGroups`, `subnets`,
 *   `placementStrategies`;
 * - ECSCloud.java `getTemplate` (label matching) and ECSSlave.java (l. 96-107: `label`,
 *   `remoteFSRoot`).
 */
export const TEMPLATE_KEYS_READ_WITH_OVERRIDE: readonly string[] = [
  "label",
  "taskDefinitionOverride",
  "agentContainerName",
  "launchType",
  "capacityProviderStrategies",
  "defaultCapacityProvider",
  "platformVersion",
  "enableExecuteCommand",
  "assignPublicIp",
  "securityGroups",
  "subnets",
  "placementStrategies",
  "remoteFSRoot",
  "uniqueRemoteFSRoot",
  "inheritFrom",
];

function template(cloud: AgentCloudSettings, t: AgentTemplateSettings): Record<string, unknown> {
  return {
    label: t.label,
    // Run Pulumi's task definition: sizing changes are a Pulumi diff, and the plugin never
    // registers revisions of its own. The plugin then ignores templateName and every sizing,
    // image and role field (TEMPLATE_KEYS_READ_WITH_OVERRIDE), so none is written here.
    taskDefinitionOverride: t.family,
    agentContainerName: AGENT_CONTAINER,
    // On-demand: an explicit launch type (without one the plugin assumes EC2). Spot: a
    // FARGATE_SPOT strategy and no launch type, or RunTask would ignore the strategy.
    ...(t.spot
      ? { capacityProviderStrategies: [{ provider: "FARGATE_SPOT", base: 0, weight: 1 }], defaultCapacityProvider: false }
      : { launchType: "FARGATE" }),
    platformVersion: "LATEST",
    // One comma-separated string each, which the plugin splits without trimming: no spaces.
    subnets: cloud.subnetIds.join(","),
    // Required on Fargate: without it RunTask fails with a NullPointerException.
    securityGroups: cloud.securityGroupId,
    assignPublicIp: false,
    remoteFSRoot: AGENT_HOME,
  };
}

/**
 * One `ecs` cloud per template. amazon-ecs 1.49 compares a cloud's `maxAgents` with the online
 * and connecting executors of the label being provisioned only (ECSProvisioningStrategy.java
 * `apply`, l. 35-60, and ECSCloud.java `getProvisioningCapacity`, l. 215-232), and
 * `retainAgents`/`retentionTimeout` belong to the cloud (ECSSlave.java l. 105-107). A cloud
 * per template makes both exactly the template's own, and the stack's total their sum.
 */
function cloudOf(cloud: AgentCloudSettings, t: AgentTemplateSettings): Record<string, unknown> {
  return {
    ecs: {
      name: t.cloudName,
      // Empty: use the controller task's own role, no stored keys.
      credentialsId: "",
      cluster: cloud.clusterArn,
      regionName: cloud.region,
      // Agents take their URL only from here; it is the private one (Cloud Map), so a
      // restricted load balancer never cuts them off.
      jenkinsUrl: cloud.jenkinsUrl,
      // A plain host:port for the TCP channel, never a URL and never the load balancer.
      tunnel: cloud.tunnel,
      // 0 crashes provisioning; this is the executors per agent, not the controller's.
      numExecutors: 1,
      maxAgents: t.maxAgents,
      // true: an idle agent waits retentionTimeout minutes for the next build of its label;
      // false: one build per task (the plugin's OnceRetentionStrategy, its default).
      retainAgents: t.reuse,
      retentionTimeout: cloud.idleMinutes,
      slaveTimeoutInSeconds: AGENT_START_TIMEOUT_SECONDS,
      taskPollingIntervalInSeconds: TASK_POLLING_SECONDS,
      templates: [template(cloud, t)],
    },
  };
}

/** The complete JCasC document as YAML text. */
export function renderCasc(input: CascInput): string {
  const { cloud } = input;
  const document = {
    jenkins: {
      systemMessage: `Jenkins of stack ${input.stack} (${input.project}). Configured by code: changes made in this UI are replaced at the next restart.`,
      // Builds run on agents only; the controller's executors would run them next to JENKINS_HOME.
      numExecutors: 0,
      slaveAgentPort: input.jnlpPort,
      securityRealm: {
        local: {
          allowsSignup: false,
          users: [{ id: input.adminUser, password: `\${${ADMIN_PASSWORD_ENV}}` }],
        },
      },
      authorizationStrategy: { loggedInUsersCanDoAnything: { allowAnonymousRead: false } },
      clouds: cloud.templates.map((t) => cloudOf(cloud, t)),
    },
    unclassified: {
      location: { url: input.publicUrl, ...(input.adminEmail ? { adminAddress: input.adminEmail } : {}) },
    },
    jobs: [{ script: smokeTestJobDsl(cloud.templates.map((t) => t.label)) }],
  };
  return YAML.stringify(document, { lineWidth: 0 });
}
