import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { AgentTemplate, AgentsSettings } from "../lib/settings";
import type { PartitionName } from "../lib/aws/partition";
import { agentFamily } from "../lib/aws/naming";
import { denyReadingAgentTasksPolicy, ecrPushPolicy, executionPolicy, runAgentsPolicy, secretBaseArn } from "../lib/aws/policies";
import { AGENT_CONTAINER, AgentCloudSettings, CAPACITY_PROVIDER_ENV, agentCloudSettings } from "../lib/jenkins/cloud";
import { SHARED_VOLUMES, agentSideOfKaniko, ecrRegistry, kanikoContainer } from "../lib/jenkins/kaniko";
import { StackIam, createTaskRoles } from "./taskRoles";
import { AgentCaches } from "./agentCaches";

/** The task volume of a template's cache (its access point on the agent caches' file system). */
export const CACHE_VOLUME = "cache";

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

/** The roles of one template's tasks. */
export interface TemplateRoles {
  readonly label: string;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
}

/** A task role's description: what the template's builds may do in AWS. */
function describePermissions(p: AgentTemplate["permissions"]): string {
  const parts = [...(p.policyArns.length > 0 ? [`${p.policyArns.length} managed policies`] : []), ...(p.ecrPush.length > 0 ? [`push to ECR ${p.ecrPush.join(", ")}`] : [])];
  return parts.length > 0 ? parts.join("; ") : "no AWS permissions";
}

/**
 * The agent container of a template: its image, the variables and secrets it names, its cache,
 * its logs; with `kaniko`, the volumes it shares with the kaniko container and the wait for it.
 */
function agentContainer(args: { readonly template: AgentTemplate; readonly image: string; readonly logGroupName: string; readonly region: string; readonly registry: string }): object {
  const { template } = args;
  const kaniko = template.kaniko ? agentSideOfKaniko(args.registry) : undefined;
  const mountPoints = [
    ...(template.cache ? [{ sourceVolume: CACHE_VOLUME, containerPath: template.cache.path, readOnly: false }] : []),
    ...(kaniko?.mountPoints ?? []),
  ];
  return {
    // The plugin supplies the agent's arguments (URL, secret, name) as an override.
    name: AGENT_CONTAINER,
    image: args.image,
    essential: true,
    environment: [
      // Task metadata does not name the capacity provider; the smoke test reads this.
      { name: CAPACITY_PROVIDER_ENV, value: template.spot ? "FARGATE_SPOT" : "FARGATE" },
      ...(kaniko?.environment ?? []),
      ...Object.entries(template.environment).map(([name, value]) => ({ name, value })),
    ],
    ...(Object.keys(template.secrets).length > 0 ? { secrets: Object.entries(template.secrets).map(([name, valueFrom]) => ({ name, valueFrom })) } : {}),
    ...(mountPoints.length > 0 ? { mountPoints } : {}),
    ...(kaniko ? { dependsOn: kaniko.dependsOn } : {}),
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": args.logGroupName, "awslogs-region": args.region, "awslogs-stream-prefix": "jenkins-agent" },
    },
  };
}

/** Arguments for {@link Agents}. */
export interface AgentsArgs {
  /** The project: with the stack, it names each template's task-definition family and cloud. */
  readonly project: string;
  /** The stack: with the project, it names each template's task-definition family and cloud. */
  readonly stack: string;
  /** The stack's region: agents log there, and the clouds and the run policy name it. */
  readonly region: string;
  /** The region's partition, for the ARNs of the run policy and the roles' trust. */
  readonly partition: PartitionName;
  /** The stack's IAM path (the run policy's and every role's) and the roles' boundary. */
  readonly iam: StackIam;
  /** The controller's inbound (JNLP) port: the clouds' tunnel. */
  readonly jnlpPort: number;
  /** The templates (each with its permissions, variables and secrets) and their idle timeout. */
  readonly agents: AgentsSettings;
  /** Container Insights on the agents' cluster (per template CPU and memory, which sizing reads). */
  readonly containerInsights: boolean;
  /** Days the agents' log group keeps build logs. */
  readonly logRetentionDays: number;
  /** The VPC of the agents' security group. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets the agent tasks run in. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** How many private subnets there are (one cache mount target each), known before they are. */
  readonly subnetCount: number;
  /** The controller's private host name (Cloud Map). */
  readonly controllerHost: string;
  /** Image per template, in template order (an {@link AgentImages} provides them). */
  readonly images: pulumi.Input<string[]>;
  /** The kaniko container's image per template, in template order; undefined for templates without `kaniko`. */
  readonly kanikoImages: pulumi.Input<(string | undefined)[]>;
  /** Per template, the ECR repositories its images come from: the only ones its execution role may pull from. */
  readonly imageRepositoryArns: pulumi.Input<string[][]>;
}

/**
 * Fargate build agents: their own cluster (so the permission to start and stop agent tasks can
 * never touch the controller), a security group with no inbound rules, their own roles and
 * log group, one Pulumi-owned task definition per template, and the policy that lets the
 * controller run them. Everything the JCasC cloud needs is in {@link cloud}.
 */
export class Agents extends pulumi.ComponentResource {
  /** Security group every agent task runs in; the controller admits it on HTTP and JNLP. */
  public readonly securityGroupId: pulumi.Output<string>;
  /** Customer-managed policy the controller's task role needs to run agents. */
  public readonly runAgentsPolicyArn: pulumi.Output<string>;
  public readonly clusterArn: pulumi.Output<string>;
  /** The ClusterName dimension of the agents' Container Insights metrics. */
  public readonly clusterName: pulumi.Output<string>;
  /** Each template's execution role (ECS: image, logs, its secrets) and task role (its builds' AWS permissions). */
  public readonly roles: pulumi.Output<TemplateRoles[]>;
  /** Every agent logs here, stream prefix `jenkins-agent`. */
  public readonly logGroupName: pulumi.Output<string>;
  /** The `ecs` clouds' settings for JCasC, one cloud per template. */
  public readonly cloud: pulumi.Output<AgentCloudSettings>;

  constructor(name: string, args: AgentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:agents:Agents", name, {}, opts);
    const parent = { parent: this };
    const templates = args.agents.templates;

    // Container Insights records CPU and memory per task-definition family: per template.
    const cluster = new aws.ecs.Cluster(`${name}-cluster`, { settings: [{ name: "containerInsights", value: args.containerInsights ? "enabled" : "disabled" }] }, parent);
    new aws.ecs.ClusterCapacityProviders(
      `${name}-capacity`,
      {
        clusterName: cluster.name,
        // Both are needed: a template picks on-demand (launch type) or Spot (strategy) per build.
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
      },
      parent,
    );
    this.clusterArn = cluster.arn;
    this.clusterName = cluster.name;

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: "Jenkins build agents: no inbound, any outbound" },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-out-all`,
      { securityGroupId: securityGroup.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "Controller, SCM, registries, AWS APIs" },
      parent,
    );
    this.securityGroupId = securityGroup.id;

    const identity = aws.getCallerIdentityOutput({}, parent);
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, parent);
    this.logGroupName = logGroup.name;
    const images = pulumi.output(args.images);
    const kanikoImages = pulumi.output(args.kanikoImages);
    const repositoryArns = pulumi.output(args.imageRepositoryArns);

    // Each template its own roles: its builds get only its permissions, its tasks only its secrets.
    const roles = templates.map((template, i) => {
      const roleName = `${name}-${template.label}`;
      const { executionRole, taskRole } = createTaskRoles(
        roleName,
        {
          region: args.region,
          partition: args.partition,
          iam: args.iam,
          executionDescription: `ECS agent for Jenkins agents of ${template.label}: pull its image, write its logs, read its secrets`,
          taskDescription: `Jenkins builds of ${template.label}: ${describePermissions(template.permissions)}`,
        },
        this,
      );
      template.permissions.policyArns.forEach((policyArn, n) => {
        new aws.iam.RolePolicyAttachment(`${roleName}-policy-${n}`, { role: taskRole.name, policyArn }, parent);
      });
      // A managed policy may allow ecs:DescribeTasks, which shows other agents' secrets.
      if (template.permissions.policyArns.length > 0) {
        new aws.iam.RolePolicy(
          `${roleName}-no-task-reading`,
          {
            role: taskRole.id,
            policy: pulumi.all([identity.accountId, cluster.name]).apply(([accountId, clusterName]) =>
              JSON.stringify(denyReadingAgentTasksPolicy({ taskArns: [`arn:${args.partition}:ecs:${args.region}:${accountId}:task/${clusterName}/*`] })),
            ),
          },
          parent,
        );
      }
      if (template.permissions.ecrPush.length > 0) {
        new aws.iam.RolePolicy(
          `${roleName}-ecr-push`,
          {
            role: taskRole.id,
            policy: identity.accountId.apply((accountId) =>
              JSON.stringify(ecrPushPolicy({ repositoryArns: template.permissions.ecrPush.map((repo) => `arn:${args.partition}:ecr:${args.region}:${accountId}:repository/${repo}`) })),
            ),
          },
          parent,
        );
      }
      new aws.iam.RolePolicy(
        `${roleName}-exec`,
        {
          role: executionRole.id,
          policy: pulumi.all([logGroup.arn, repositoryArns]).apply(([logGroupArn, repos]) =>
            JSON.stringify(
              executionPolicy({
                logGroupArn,
                repositoryArns: repos[i],
                secretArns: [...new Set(Object.values(template.secrets).map(secretBaseArn))],
              }),
            ),
          ),
        },
        parent,
      );
      return { label: template.label, executionRole, taskRole };
    });
    // Dependency caches: their own file system, an access point per template that asks for one.
    const cached = templates.map((t, i) => ({ t, roles: roles[i] })).filter(({ t }) => t.cache);
    const caches =
      cached.length > 0
        ? new AgentCaches(
            `${name}-caches`,
            {
              vpcId: args.vpcId,
              subnetIds: args.subnetIds,
              subnetCount: args.subnetCount,
              clientSecurityGroupId: securityGroup.id,
              templates: cached.map(({ t, roles: r }) => ({ label: t.label, taskRole: r.taskRole })),
            },
            parent,
          )
        : undefined;

    this.roles = pulumi.all(roles.map((r) => pulumi.all([r.executionRole.arn, r.taskRole.arn]).apply(([executionRoleArn, taskRoleArn]) => ({ label: r.label, executionRoleArn, taskRoleArn }))));

    const families = templates.map((template, i) => {
      const taskDefinition = new aws.ecs.TaskDefinition(
        `${name}-${template.label}`,
        {
          family: agentFamily(args.project, args.stack, template.label),
          requiresCompatibilities: ["FARGATE"],
          networkMode: "awsvpc",
          cpu: String(template.cpu),
          memory: String(template.memory),
          runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: template.architecture },
          ephemeralStorage: template.ephemeralStorageGiB ? { sizeInGib: template.ephemeralStorageGiB } : undefined,
          executionRoleArn: roles[i].executionRole.arn,
          taskRoleArn: roles[i].taskRole.arn,
          volumes: nonEmpty([
            ...(template.cache && caches
              ? [
                  {
                    name: CACHE_VOLUME,
                    efsVolumeConfiguration: {
                      fileSystemId: caches.fileSystemId,
                      transitEncryption: "ENABLED",
                      authorizationConfig: { accessPointId: caches.accessPointIds[template.label], iam: "ENABLED" },
                    },
                  },
                ]
              : []),
            // Bind mounts on the task's ephemeral storage, shared by the agent and kaniko.
            ...(template.kaniko ? SHARED_VOLUMES.map((v) => ({ name: v.name })) : []),
          ]),
          containerDefinitions: pulumi.all([logGroup.name, images, kanikoImages, identity.accountId]).apply(([logGroupName, imageUris, kanikoUris, accountId]) => {
            const registry = ecrRegistry(accountId, args.region);
            const agent = agentContainer({ template, image: imageUris[i], logGroupName, region: args.region, registry });
            const kaniko = template.kaniko ? [kanikoContainer({ image: kanikoUris[i]!, registry, logGroupName, region: args.region })] : [];
            return JSON.stringify([agent, ...kaniko]);
          }),
        },
        parent,
      );
      return taskDefinition.family;
    });

    const runAgents = new aws.iam.Policy(
      `${name}-run`,
      {
        path: args.iam.path,
        description: "Lets the Jenkins controller run, watch and stop its build agents, and nothing else",
        policy: pulumi
          .all([identity.accountId, cluster.arn, cluster.name, pulumi.all(families), this.roles])
          .apply(([accountId, clusterArn, clusterName, familyNames, templateRoles]) =>
            JSON.stringify(
              runAgentsPolicy({
                partition: args.partition,
                region: args.region,
                accountId,
                clusterArn,
                clusterName,
                families: familyNames,
                // Exactly the templates' roles: the controller can start a task with no other.
                agentRoleArns: templateRoles.flatMap((r) => [r.executionRoleArn, r.taskRoleArn]),
              }),
            ),
          ),
      },
      parent,
    );
    this.runAgentsPolicyArn = runAgents.arn;

    this.cloud = pulumi
      .all([cluster.arn, pulumi.output(args.subnetIds), securityGroup.id, pulumi.all(families)])
      .apply(([clusterArn, subnetIds, securityGroupId, familyNames]) =>
        agentCloudSettings(args, args.controllerHost, { clusterArn, subnetIds, securityGroupId, families: familyNames }),
      );

    this.registerOutputs({
      securityGroupId: this.securityGroupId,
      runAgentsPolicyArn: this.runAgentsPolicyArn,
      clusterArn: this.clusterArn,
      clusterName: this.clusterName,
      roles: this.roles,
      logGroupName: this.logGroupName,
      cloud: this.cloud,
    });
  }
}
