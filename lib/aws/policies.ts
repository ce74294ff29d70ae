/**
 * IAM policy documents, as plain typed objects built from resolved ARNs, so tests can evaluate
 * the exact documents we deploy (see tests/iam.test.ts). Every statement is scoped to the ARNs
 * it needs; `*` appears only where AWS offers no resource-level permission, and says so.
 */
import type * as aws from "@pulumi/aws";
import { partitionOf } from "./partition";

export type PolicyDocument = aws.iam.PolicyDocument;

const VERSION = "2012-10-17";

/**
 * Trust policy of a task role (what the application in the task may do). The source conditions,
 * which AWS documents for task roles, stop tasks of another account from assuming it through
 * ECS (the confused-deputy problem).
 */
export function taskRoleTrustPolicy(accountId: string, region: string, partition: string): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": `arn:${partition}:ecs:${region}:${accountId}:*` },
        },
      },
    ],
  };
}

/**
 * Trust policy of an execution role (what ECS itself uses to start the task). AWS documents no
 * source conditions for it, and a condition ECS does not send would stop every task from
 * starting; its permissions are limited to the task's own image, logs and secrets instead.
 */
export function executionRoleTrustPolicy(): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
  };
}

/** ECR repository ARN of an ECR image URI (in the partition of its region), or undefined for other registries. */
export function ecrRepositoryArn(imageUri: string): string | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(imageUri);
  return match ? `arn:${partitionOf(match[2])}:ecr:${match[2]}:${match[1]}:repository/${match[3]}` : undefined;
}

export interface ExecutionPolicyArgs {
  /** Log group the task's awslogs driver writes to. */
  readonly logGroupArn: string;
  /** ECR repositories the task pulls from (none for public images). */
  readonly repositoryArns: readonly string[];
  /** Secrets Manager secrets injected into the container as ECS secrets. */
  readonly secretArns: readonly string[];
}

/**
 * What the ECS agent needs to start a task: pull its image, write its logs, read exactly its
 * secrets. Replaces the AWS managed AmazonECSTaskExecutionRolePolicy, whose pull and log
 * permissions apply to every repository and log group in the account.
 */
export function executionPolicy(args: ExecutionPolicyArgs): PolicyDocument {
  const statements: aws.iam.PolicyStatement[] = [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [`${args.logGroupArn}:log-stream:*`],
    },
  ];
  if (args.repositoryArns.length > 0) {
    statements.push(
      {
        // GetAuthorizationToken has no resource-level permissions: AWS accepts only "*".
        Sid: "EcrLogin",
        Effect: "Allow",
        Action: "ecr:GetAuthorizationToken",
        Resource: "*",
      },
      {
        Sid: "PullOwnImages",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: [...args.repositoryArns],
      },
    );
  }
  if (args.secretArns.length > 0) {
    statements.push({
      Sid: "ReadOwnSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: [...args.secretArns],
    });
  }
  return { Version: VERSION, Statement: statements };
}

export interface FileSystemAccessArgs {
  readonly fileSystemArn: string;
  readonly accessPointArn: string;
  /** The access point on the file system's root, mounted read-only for operators (with ECS Exec). */
  readonly viewAccessPointArn?: string;
}

/**
 * Mount and write an EFS file system, only through one access point (which pins the POSIX user
 * and root); with `principal`, as a statement of the file system's own policy.
 */
function mountThroughAccessPoint(sid: string, fileSystemArn: string, accessPointArn: string, principal?: string): aws.iam.PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    ...(principal ? { Principal: { AWS: principal } } : {}),
    Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
    Resource: fileSystemArn,
    Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": accessPointArn } },
  };
}

/** A file system policy's first statement: nobody reaches it without TLS. */
function denyWithoutTls(fileSystemArn: string): aws.iam.PolicyStatement {
  return {
    Sid: "DenyWithoutTls",
    Effect: "Deny",
    Principal: { AWS: "*" },
    Action: "*",
    Resource: fileSystemArn,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** Read, never write, through the root access point: ClientMount without ClientWrite is a read-only mount. */
function readOnlyView(args: FileSystemAccessArgs): aws.iam.PolicyStatement[] {
  if (!args.viewAccessPointArn) return [];
  return [
    {
      Sid: "ReadFileSystemThroughViewAccessPoint",
      Effect: "Allow",
      Action: "elasticfilesystem:ClientMount",
      Resource: args.fileSystemArn,
      Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": args.viewAccessPointArn } },
    },
  ];
}

/**
 * The controller's task role: mount and write JENKINS_HOME, only through its access point;
 * with the view access point, read the rest of the file system.
 */
export function controllerTaskPolicy(args: FileSystemAccessArgs): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [mountThroughAccessPoint("MountJenkinsHomeThroughAccessPoint", args.fileSystemArn, args.accessPointArn), ...readOnlyView(args)],
  };
}

/**
 * The file system's own policy: nothing reaches JENKINS_HOME without TLS, and the controller's
 * task role mounts it only through the access point (which pins the POSIX user and root), and
 * the rest of the file system only read-only, through the view access point.
 */
export function fileSystemPolicy(args: FileSystemAccessArgs & { readonly controllerTaskRoleArn: string }): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [
      denyWithoutTls(args.fileSystemArn),
      mountThroughAccessPoint("ControllerThroughAccessPoint", args.fileSystemArn, args.accessPointArn, args.controllerTaskRoleArn),
      ...readOnlyView(args).map((statement) => ({ ...statement, Principal: { AWS: args.controllerTaskRoleArn } })),
    ],
  };
}

export interface RunAgentsPolicyArgs {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The agents' own cluster; nothing here reaches any other cluster. */
  readonly clusterArn: string;
  readonly clusterName: string;
  /** Task-definition families Pulumi owns for the agent templates. */
  readonly families: readonly string[];
  /** Roles the agent tasks run with; the only roles the controller may pass. */
  readonly agentRoleArns: readonly string[];
}

/**
 * What the amazon-ecs plugin needs to run agents, and no more: start tasks only from our agent
 * task-definition families and only in the agents' cluster, watch and stop only those tasks,
 * tag only what it creates, pass only the agent roles and only to ECS tasks. The plugin
 * registers no task definitions (templates point at Pulumi's via taskDefinitionOverride).
 */
export function runAgentsPolicy(args: RunAgentsPolicyArgs): PolicyDocument {
  const ecsArn = (resource: string) => `arn:${args.partition}:ecs:${args.region}:${args.accountId}:${resource}`;
  const inAgentCluster = { ArnEquals: { "ecs:cluster": args.clusterArn } };
  const agentTasks = ecsArn(`task/${args.clusterName}/*`);
  const agentTaskDefinitions = args.families.map((family) => ecsArn(`task-definition/${family}:*`));
  return {
    Version: VERSION,
    Statement: [
      { Sid: "RunAgentTasks", Effect: "Allow", Action: "ecs:RunTask", Resource: agentTaskDefinitions, Condition: inAgentCluster },
      {
        Sid: "WatchAndStopAgentTasks",
        Effect: "Allow",
        Action: ["ecs:DescribeTasks", "ecs:StopTask"],
        Resource: agentTasks,
        Condition: inAgentCluster,
      },
      {
        // The plugin tags every task it starts; ECS checks TagResource on create.
        Sid: "TagAgentTasksOnCreate",
        Effect: "Allow",
        Action: "ecs:TagResource",
        Resource: agentTasks,
        Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
      },
      {
        // DescribeTaskDefinition has no resource-level permissions: AWS accepts only "*".
        Sid: "ReadTaskDefinitions",
        Effect: "Allow",
        Action: "ecs:DescribeTaskDefinition",
        Resource: "*",
      },
      { Sid: "ReadAgentTags", Effect: "Allow", Action: "ecs:ListTagsForResource", Resource: [...agentTaskDefinitions, agentTasks] },
      {
        Sid: "PassAgentRolesToEcsTasks",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: [...args.agentRoleArns],
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
    ],
  };
}

export interface PipelineCredentialsPolicyArgs {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** Name prefix of the secrets pipelines get (naming.ts credentialsPrefix), ending in "/". */
  readonly prefix: string;
}

/**
 * What aws-secrets-manager-credentials-provider needs on the controller's task role: list the
 * secrets (ListSecrets has no resource-level permissions: AWS accepts only "*"; it returns
 * names, tags and descriptions, never values) and read the values of the stack's own secrets,
 * scoped by ARN to the name prefix and nothing else. A secret's ARN is its name and a random
 * 6-character suffix, so `secret:<prefix>*` matches exactly the names that start with the prefix.
 */
export function pipelineCredentialsPolicy(args: PipelineCredentialsPolicyArgs): PolicyDocument {
  if (!args.prefix.endsWith("/")) throw new Error(`a credentials prefix ends in "/", so no other stack's names start with it: ${args.prefix}`);
  return {
    Version: VERSION,
    Statement: [
      { Sid: "ListSecretsForCredentials", Effect: "Allow", Action: "secretsmanager:ListSecrets", Resource: "*" },
      {
        Sid: "ReadStackCredentials",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: `arn:${args.partition}:secretsmanager:${args.region}:${args.accountId}:secret:${args.prefix}*`,
      },
    ],
  };
}

/**
 * Push to (and pull from) exactly these ECR repositories: the actions AWS lists for a push to
 * one repository (ECR User Guide, "IAM permissions for pushing an image to an Amazon ECR
 * private repository": CompleteLayerUpload, UploadLayerPart, InitiateLayerUpload,
 * BatchCheckLayerAvailability, PutImage, BatchGetImage on the repository's ARN), the layer
 * download a build's cache needs, and the login, which takes only "*".
 */
export function ecrPushPolicy(args: { readonly repositoryArns: readonly string[] }): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [
      { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PushToNamedRepositories",
        Effect: "Allow",
        Action: [
          "ecr:BatchCheckLayerAvailability",
          "ecr:InitiateLayerUpload",
          "ecr:UploadLayerPart",
          "ecr:CompleteLayerUpload",
          "ecr:PutImage",
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
        ],
        Resource: [...args.repositoryArns],
      },
    ],
  };
}

/**
 * Nobody but the controller reads agent tasks: the amazon-ecs plugin passes each agent's
 * connection secret in the RunTask overrides (JENKINS_SECRET), and DescribeTasks returns the
 * overrides. An explicit deny outweighs any allow a role also has (a template's policyArns,
 * AWS's ReadOnlyAccess). `taskArns` are task ARN patterns (`arn:...:task/<cluster>/*`).
 */
export function denyReadingAgentTasksPolicy(args: { readonly taskArns: readonly string[] }): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [{ Sid: "NoReadingAgentSecretsFromTaskOverrides", Effect: "Deny", Action: "ecs:DescribeTasks", Resource: [...args.taskArns] }],
  };
}

/**
 * The secret an ECS `valueFrom` names, without a JSON key, version stage or id
 * (`<arn>:<json-key>:<stage>:<id>`): IAM evaluates GetSecretValue against the secret's ARN.
 */
export function secretBaseArn(valueFrom: string): string {
  return /^(arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^:]+)(:.*)?$/.exec(valueFrom)?.[1] ?? valueFrom;
}

/** A cache access point of one template, and the task role that may use it. */
export interface CacheClient {
  readonly accessPointArn: string;
  readonly taskRoleArn: string;
}

/**
 * The agent cache file system's policy: nothing without TLS, and each template's task role
 * mounts and writes only through its own access point, so no template reads another's cache and
 * the controller reaches none.
 */
export function cacheFileSystemPolicy(args: { readonly fileSystemArn: string; readonly clients: readonly CacheClient[] }): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [
      denyWithoutTls(args.fileSystemArn),
      ...args.clients.map((c, i) => mountThroughAccessPoint(`TemplateThroughOwnAccessPoint${i}`, args.fileSystemArn, c.accessPointArn, c.taskRoleArn)),
    ],
  };
}

/** A template's task role: mount and write the cache file system through its own access point only. */
export function cacheClientPolicy(args: { readonly fileSystemArn: string; readonly accessPointArn: string }): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [mountThroughAccessPoint("MountOwnCache", args.fileSystemArn, args.accessPointArn)],
  };
}
