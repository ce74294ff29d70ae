/**
 * The JCasC document: everything Jenkins is told, generated from the infrastructure so that no
 * id is ever copied by hand. A pure function of its input; rendered with the `yaml` library.
 *
 * Each field guards against a known way the amazon-ecs plugin silently fails to start agents
 * (see the comments), and tests check the rendered YAML against the deployed resources.
 */
import YAML from "yaml";
import { AGENT_CONTAINER, AGENT_HOME, AgentCloudSettings, AgentTemplateSettings } from "./cloud";
import { ADMIN_PASSWORD_ENV, OIDC_CLIENT_SECRET_ENV } from "../aws/controllerTask";
import type { SsoSettings } from "../settings";
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
  /** Login through OpenID Connect and authorization by its groups; undefined: the local admin, and any logged-in user may do anything. */
  readonly sso?: Omit<SsoSettings, "clientSecretArn">;
  /** Name prefix of the Secrets Manager secrets pipelines get as credentials (lib/aws/naming.ts credentialsPrefix). */
  readonly credentialsPrefix: string;
  /** Parts a team file brings instead (only without `sso`): JCasC cannot replace them from a second source, so ours are left out. */
  readonly teamBrings?: { readonly securityRealm: boolean; readonly authorizationStrategy: boolean };
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

interface Login {
  readonly securityRealm: Record<string, unknown>;
  readonly authorizationStrategy: Record<string, unknown>;
}

/** Without `sso`: one local admin whose password is the generated secret; whoever logs in may do anything. */
function localLogin(adminUser: string): Login {
  return {
    securityRealm: { local: { allowsSignup: false, users: [{ id: adminUser, password: `\${${ADMIN_PASSWORD_ENV}}` }] } },
    authorizationStrategy: { loggedInUsersCanDoAnything: { allowAnonymousRead: false } },
  };
}

/** What members of `userGroups` may do: see Jenkins and its jobs, start and stop builds. */
export const USER_PERMISSIONS: readonly string[] = ["Overall/Read", "Job/Read", "Job/Build", "Job/Cancel", "View/Read"];

/**
 * With `sso`: login through the OpenID Connect provider (oic-auth), and a global matrix
 * (matrix-auth) that gives the admin groups Overall/Administer and the user groups
 * {@link USER_PERMISSIONS}. Nobody else gets anything: no entry for anonymous or
 * authenticated. The local admin stays as oic-auth's escape hatch, a break-glass login with
 * the generated password (at /login), for when the provider is down or misconfigured.
 *
 * Field names as read in jenkinsci/oic-auth-plugin at tag 4.715.vf202e4229f61:
 * OicSecurityRealm.java (constructor l. 350-357: clientId, clientSecret, serverConfiguration;
 * setters userNameField, fullNameFieldName, emailFieldName, groupsFieldName,
 * logoutFromOpenidProvider, properties), OicServerWellKnownConfiguration.java (`wellKnown`, the
 * discovery document's full URL, l. 56-57), properties/Pkce.java (`pkce`) and
 * properties/EscapeHatch.java (l. 55-56: username, group, secret; the secret is kept BCrypt-
 * hashed). The old top-level `escapeHatch*` and `pkceEnabled` fields are deprecated there. And in
 * jenkinsci/matrix-auth-plugin at tag matrix-auth-3.2.8: `globalMatrix` with `entries` of
 * `user`/`group`, each a name and permission ids such as "Overall/Administer".
 */
function ssoLogin(sso: Omit<SsoSettings, "clientSecretArn">, adminUser: string): Login {
  const entries = [
    { user: { name: adminUser, permissions: ["Overall/Administer"] } },
    ...sso.adminGroups.map((name) => ({ group: { name, permissions: ["Overall/Administer"] } })),
    ...sso.userGroups.map((name) => ({ group: { name, permissions: [...USER_PERMISSIONS] } })),
  ];
  return {
    securityRealm: {
      oic: {
        clientId: sso.clientId,
        // Filled by the ECS secret at start: never in this document, the plan or the environment.
        clientSecret: `\${${OIDC_CLIENT_SECRET_ENV}}`,
        serverConfiguration: { wellKnown: { wellKnownOpenIDConfigurationUrl: wellKnownUrl(sso.issuer) } },
        // The user id Jenkins shows and the matrix would name: the provider's login name, not
        // the opaque `sub` (oic-auth's default).
        userNameField: "preferred_username",
        fullNameFieldName: "name",
        emailFieldName: "email",
        groupsFieldName: sso.groupsClaim,
        logoutFromOpenidProvider: true,
        properties: ["pkce", { escapeHatch: { username: adminUser, secret: `\${${ADMIN_PASSWORD_ENV}}` } }],
      },
    },
    authorizationStrategy: { globalMatrix: { entries } },
  };
}

/** The provider's discovery document (OpenID Connect Discovery 1.0, section 4). */
export function wellKnownUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/**
 * aws-secrets-manager-credentials-provider: pipelines get the secrets under the stack's prefix
 * as credentials, the prefix taken off their ids (`jenkins-ecs/dev/npm-token` is `npm-token`).
 * The plugin uses the controller's task role (the SDK's default chain), which may read only these
 * secrets. Keys as read in jenkinsci/aws-secrets-manager-credentials-provider-plugin at tag
 * 2.222.v376939a_9ffb_b: docs/README.md l. 352-378 (`listSecrets.filters`, applied by Secrets
 * Manager, where `name` is a case-sensitive prefix match: AWS API reference, "Filter"),
 * docs/transformations/index.md l. 25-32 (`removePrefix`), docs/client/index.md l. 124-129
 * (`client.region`, the 2.x form).
 */
function credentialsProvider(prefix: string, region: string): Record<string, unknown> {
  return {
    client: { region },
    listSecrets: { filters: [{ key: "name", values: [prefix] }] },
    transformations: { name: { removePrefix: { prefix } } },
  };
}

/** The system message every page shows; the boot test checks that JCasC applied it. */
export function systemMessage(project: string, stack: string): string {
  return `Jenkins of stack ${stack} (${project}). Configured by code: changes made in this UI are replaced at the next restart.`;
}

/** The complete JCasC document as YAML text. */
export function renderCasc(input: CascInput): string {
  const { cloud } = input;
  const login = input.sso ? ssoLogin(input.sso, input.adminUser) : localLogin(input.adminUser);
  const document = {
    jenkins: {
      systemMessage: systemMessage(input.project, input.stack),
      // Builds run on agents only; the controller's executors would run them next to JENKINS_HOME.
      numExecutors: 0,
      slaveAgentPort: input.jnlpPort,
      ...(input.teamBrings?.securityRealm ? {} : { securityRealm: login.securityRealm }),
      ...(input.teamBrings?.authorizationStrategy ? {} : { authorizationStrategy: login.authorizationStrategy }),
      clouds: cloud.templates.map((t) => cloudOf(cloud, t)),
    },
    unclassified: {
      location: { url: input.publicUrl, ...(input.adminEmail ? { adminAddress: input.adminEmail } : {}) },
      awsCredentialsProvider: credentialsProvider(input.credentialsPrefix, cloud.region),
    },
    jobs: [{ script: smokeTestJobDsl(cloud.templates.map((t) => t.label)) }],
  };
  return YAML.stringify(document, { lineWidth: 0 });
}
