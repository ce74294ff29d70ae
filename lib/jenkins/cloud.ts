/**
 * What the Jenkins `ecs` clouds need to know about the agents, as one typed object: the
 * Agents component produces it from real resources, the JCasC renderer consumes it.
 */
import type { AgentsSettings, Settings } from "../settings";
import { JENKINS_HTTP_PORT } from "../aws/controllerTask";
import { agentFamily, cloudName } from "../aws/naming";

/**
 * Agent image when a template names none: the inbound agent on JDK 21 (Debian, amd64 and
 * arm64), with the remoting version that Jenkins 2.580.x ships (keep them close).
 */
export const DEFAULT_AGENT_IMAGE = "jenkins/inbound-agent:3386.v353e57a_1b_ea_0-3-jdk21";
/** Name of the agent container in agent task definitions; the plugin is told to use it. */
export const AGENT_CONTAINER = "agent";
/**
 * Jenkins' endpoints for agents and the CLI, which the load balancer refuses (403) so that they
 * are reachable only by the private path agents use (jenkinsUrl and tunnel, the Cloud Map name).
 * A WebSocket agent connects at /wsagents/ with a name and secret alone, and the amazon-ecs
 * plugin passes that secret in the RunTask overrides, which anyone with ecs:DescribeTasks can
 * read; /computer/<name>/jenkins-agent.jnlp (and its old name slave-agent.jnlp) hands out the
 * same secret, /tcpSlaveAgentListener/ advertises the inbound TCP port, /jnlpJars/ serves the
 * agent's jar, /cli the Jenkins CLI. None of them is needed from a browser.
 */
export const AGENT_ENDPOINT_PATHS = [
  "/wsagents*",
  "/cli*",
  "/tcpSlaveAgentListener*",
  "/jnlpJars*",
  "/computer/*/jenkins-agent.jnlp",
  "/computer/*/slave-agent.jnlp",
] as const;
export { AGENT_HOME } from "./agentImages";

/**
 * Environment variable every agent task definition carries: `FARGATE_SPOT` or `FARGATE`, the
 * capacity its template runs on. Task metadata does not say, so the smoke test reads this.
 */
export const CAPACITY_PROVIDER_ENV = "JENKINS_AGENT_CAPACITY_PROVIDER";

/** One agent template, as its own `ecs` cloud runs it. */
export interface AgentTemplateSettings {
  readonly label: string;
  /** Name of the template's own `ecs` cloud: unique per stack and template. */
  readonly cloudName: string;
  /** Pulumi-owned task-definition family the plugin runs (taskDefinitionOverride). */
  readonly family: string;
  readonly spot: boolean;
  /** The cloud's `maxAgents`: the plugin caps each label, so this caps exactly this template. */
  readonly maxAgents: number;
  /** The cloud's `retainAgents`: keep an idle agent for the next build of this label. */
  readonly reuse: boolean;
}

/** What every template's cloud shares: the agents' cluster, network and the controller's private URLs. */
export interface AgentCloudSettings {
  readonly clusterArn: string;
  readonly region: string;
  /** The controller's private URL; agents never go through the public load balancer. */
  readonly jenkinsUrl: string;
  /** `host:port` of the controller's inbound TCP (JNLP) listener. */
  readonly tunnel: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
  /** Minutes an idle agent of a reused template waits for the next build. */
  readonly idleMinutes: number;
  readonly templates: readonly AgentTemplateSettings[];
}

/** The ids of what the Agents component creates, as the clouds refer to them. */
export interface AgentResourceIds {
  readonly clusterArn: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
  /** Task-definition family per template, in template order. */
  readonly families: readonly string[];
}

/** What the clouds take from stack settings (a {@link Settings} satisfies it). */
export interface CloudInput {
  readonly project: string;
  readonly stack: string;
  readonly region: string;
  /** The controller's inbound (JNLP) port, part of the tunnel. */
  readonly jnlpPort: number;
  readonly agents: Pick<AgentsSettings, "templates" | "idleMinutes">;
}

/** The `ecs` clouds for stack settings and the agents' resources. */
export function agentCloudSettings(settings: CloudInput, controllerHost: string, ids: AgentResourceIds): AgentCloudSettings {
  return {
    clusterArn: ids.clusterArn,
    region: settings.region,
    jenkinsUrl: `http://${controllerHost}:${JENKINS_HTTP_PORT}/`,
    tunnel: `${controllerHost}:${settings.jnlpPort}`,
    subnetIds: ids.subnetIds,
    securityGroupId: ids.securityGroupId,
    idleMinutes: settings.agents.idleMinutes,
    templates: settings.agents.templates.map((t, i) => ({
      label: t.label,
      cloudName: cloudName(settings.project, settings.stack, t.label),
      family: ids.families[i],
      spot: t.spot,
      maxAgents: t.maxAgents,
      reuse: t.reuse,
    })),
  };
}

/**
 * One agent template as deployed, for the `agentTemplates` stack output: what `npm run verify`
 * and `npm run sizing` need to know without reading stack config.
 */
export interface DeployedTemplate {
  readonly label: string;
  /** Its task-definition family (the Container Insights dimension TaskDefinitionFamily). */
  readonly family: string;
  readonly cpu: number;
  readonly memory: number;
  readonly architecture: "X86_64" | "ARM64";
  readonly spot: boolean;
  readonly reuse: boolean;
  readonly maxAgents: number;
  /** What its builds may do in AWS: managed policies and ECR repositories they may push to (both empty: nothing). */
  readonly permissions: { readonly policyArns: readonly string[]; readonly ecrPush: readonly string[] };
  /** Names of the variables its secrets fill (the ARNs stay in config). */
  readonly secrets: readonly string[];
  /** The directory kept between its builds; null: no cache. */
  readonly cache: string | null;
  /** Whether its tasks have a kaniko container (image builds with "$KANIKO_BUILD"). */
  readonly kaniko: boolean;
}

export function deployedTemplates(settings: Settings): DeployedTemplate[] {
  return settings.agents.templates.map((t) => ({
    label: t.label,
    family: agentFamily(settings.project, settings.stack, t.label),
    cpu: t.cpu,
    memory: t.memory,
    architecture: t.architecture,
    spot: t.spot,
    reuse: t.reuse,
    maxAgents: t.maxAgents,
    permissions: t.permissions,
    secrets: Object.keys(t.secrets),
    cache: t.cache?.path ?? null,
    kaniko: t.kaniko,
  }));
}
