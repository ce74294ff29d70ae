/**
 * The JCasC document: everything Jenkins is told, generated from the infrastructure so that no
 * id is ever copied by hand. A pure function of its input; rendered with the `yaml` library.
 *
 * Each field guards against a known way the amazon-ecs plugin silently fails to start agents
 * (see the comments), and tests check the rendered YAML against the deployed resources.
 */
import YAML from "yaml";
import { AGENT_CONTAINER, AGENT_HOME, AgentCloudSettings, AgentTemplateSettings } from "./cloud";
import { ADMIN_PASSWORD_ENV } from "./controllerTask";

/** The ready-made job whose first build proves the whole chain. */
export const SMOKE_TEST_JOB = "agent-smoke-test";
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

/** Pipeline of the smoke-test job: where it ran, on what, with which Java. */
export function smokeTestPipeline(label: string): string {
  // No "${" anywhere: JCasC would substitute it before Job DSL ever saw the script.
  return [
    "pipeline {",
    `  agent { label '${label}' }`,
    "  options { timeout(time: 20, unit: 'MINUTES') }",
    "  stages {",
    "    stage('Agent') {",
    "      steps {",
    "        sh 'echo \"host: $(hostname)\"; echo \"architecture: $(uname -m)\"; java -version'",
    "      }",
    "    }",
    "  }",
    "}",
  ].join("\n");
}

function template(cloud: AgentCloudSettings, t: AgentTemplateSettings): Record<string, unknown> {
  return {
    // Always set and never empty: without it the plugin throws, with "" it invents a new
    // task family on every restart.
    templateName: t.templateName,
    label: t.label,
    // Run Pulumi's task definition: sizing changes are a Pulumi diff, and the plugin never
    // registers revisions of its own.
    taskDefinitionOverride: t.family,
    agentContainerName: AGENT_CONTAINER,
    // On-demand: an explicit launch type (without one the plugin assumes EC2). Spot: a
    // FARGATE_SPOT strategy and no launch type, or RunTask would ignore the strategy.
    ...(t.spot
      ? { capacityProviderStrategies: [{ provider: "FARGATE_SPOT", base: 0, weight: 1 }], defaultCapacityProvider: false }
      : { launchType: "FARGATE" }),
    platformVersion: "LATEST",
    operatingSystemFamily: "LINUX",
    cpuArchitecture: t.architecture,
    networkMode: "awsvpc",
    cpu: t.cpu,
    memory: t.memory,
    // One comma-separated string each, which the plugin splits without trimming: no spaces.
    subnets: cloud.subnetIds.join(","),
    // Required on Fargate: without it RunTask fails with a NullPointerException.
    securityGroups: cloud.securityGroupId,
    assignPublicIp: false,
    executionRole: cloud.executionRoleArn,
    taskrole: cloud.taskRoleArn,
    remoteFSRoot: AGENT_HOME,
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
      clouds: [
        {
          ecs: {
            name: cloud.name,
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
            maxAgents: cloud.maxAgents,
            // Keep an idle agent for the next build instead of paying a new Fargate start.
            retainAgents: true,
            retentionTimeout: cloud.idleMinutes,
            slaveTimeoutInSeconds: AGENT_START_TIMEOUT_SECONDS,
            taskPollingIntervalInSeconds: TASK_POLLING_SECONDS,
            templates: cloud.templates.map((t) => template(cloud, t)),
          },
        },
      ],
    },
    unclassified: {
      location: { url: input.publicUrl, ...(input.adminEmail ? { adminAddress: input.adminEmail } : {}) },
    },
    jobs: [
      {
        script: [
          `pipelineJob('${SMOKE_TEST_JOB}') {`,
          `  description('Runs on a Fargate agent (label ${cloud.templates[0].label}) and prints its host name, architecture and Java version.')`,
          "  definition {",
          "    cps {",
          "      sandbox(true)",
          `      script('''${smokeTestPipeline(cloud.templates[0].label)}''')`,
          "    }",
          "  }",
          "}",
        ].join("\n"),
      },
    ],
  };
  return YAML.stringify(document, { lineWidth: 0 });
}
