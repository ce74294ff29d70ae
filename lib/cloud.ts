/**
 * What the Jenkins `ecs` cloud needs to know about the agents, as one typed object: the
 * Agents component produces it from real resources, the JCasC renderer consumes it.
 */
import type { Architecture, Settings } from "./config";
import { JENKINS_HTTP_PORT } from "./controllerTask";
import { cloudName } from "./naming";

/**
 * Agent image when a template names none: the inbound agent on JDK 21 (Debian, amd64 and
 * arm64), with the remoting version that Jenkins 2.580.x ships (keep them close).
 */
export const DEFAULT_AGENT_IMAGE = "jenkins/inbound-agent:3386.v353e57a_1b_ea_0-3-jdk21";
/** Name of the agent container in agent task definitions; the plugin is told to use it. */
export const AGENT_CONTAINER = "agent";
/** The inbound-agent image's home; builds run below it. */
export const AGENT_HOME = "/home/jenkins";

export interface AgentTemplateSettings {
  readonly label: string;
  readonly templateName: string;
  /** Pulumi-owned task-definition family the plugin runs (taskDefinitionOverride). */
  readonly family: string;
  readonly spot: boolean;
  readonly architecture: Architecture;
  readonly cpu: number;
  readonly memory: number;
}

export interface AgentCloudSettings {
  /** Unique per stack, so two Jenkins instances never share agent names. */
  readonly name: string;
  readonly clusterArn: string;
  readonly region: string;
  /** The controller's private URL; agents never go through the public load balancer. */
  readonly jenkinsUrl: string;
  /** `host:port` of the controller's inbound TCP (JNLP) listener. */
  readonly tunnel: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  readonly logGroupName: string;
  readonly maxAgents: number;
  readonly idleMinutes: number;
  readonly templates: readonly AgentTemplateSettings[];
}

/** The ids of what the Agents component creates, as the cloud refers to them. */
export interface AgentResourceIds {
  readonly clusterArn: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  readonly logGroupName: string;
  /** Task-definition family per template, in template order. */
  readonly families: readonly string[];
}

/** The `ecs` cloud for stack settings and the agents' resources. */
export function agentCloudSettings(settings: Settings, controllerHost: string, ids: AgentResourceIds): AgentCloudSettings {
  return {
    name: cloudName(settings.project, settings.stack),
    clusterArn: ids.clusterArn,
    region: settings.region,
    jenkinsUrl: `http://${controllerHost}:${JENKINS_HTTP_PORT}/`,
    tunnel: `${controllerHost}:${settings.jnlpPort}`,
    subnetIds: ids.subnetIds,
    securityGroupId: ids.securityGroupId,
    executionRoleArn: ids.executionRoleArn,
    taskRoleArn: ids.taskRoleArn,
    logGroupName: ids.logGroupName,
    maxAgents: settings.agents.maxAgents,
    idleMinutes: settings.agents.idleMinutes,
    templates: settings.agents.templates.map((t, i) => ({
      label: t.label,
      templateName: `agent-${t.label}`,
      family: ids.families[i],
      spot: t.spot,
      architecture: t.architecture,
      cpu: t.cpu,
      memory: t.memory,
    })),
  };
}
