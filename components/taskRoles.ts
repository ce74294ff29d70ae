import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { controllerTaskPolicy, executionRoleTrustPolicy, pipelineCredentialsPolicy, taskRoleTrustPolicy } from "../lib/aws/policies";
import { execCommandPolicy } from "../lib/aws/execPolicies";
import { boundaryPolicyArn, stackIamPath } from "../lib/aws/naming";
import { ConfigError } from "../lib/config/reader";

/** Where a stack's IAM roles and policies live, and what bounds the roles. */
export interface StackIam {
  /** IAM path of every role and policy of the stack (lib/aws/naming.ts stackIamPath). */
  readonly path: string;
  /**
   * ARN of the managed policy every role of the stack is bounded by: what its policies grant
   * beyond it has no effect. Undefined: no boundary.
   */
  readonly permissionsBoundaryArn?: pulumi.Input<string>;
}

/**
 * The stack's IAM path, and its permissions boundary (given as an ARN or `<path>/<name>`) looked
 * up first: IAM refuses to create a role whose boundary does not exist, which would stop
 * `pulumi up` halfway, so a missing boundary stops it here, before any resource exists.
 */
export async function stackIam(stack: string, partition: string, boundary: string | undefined): Promise<StackIam> {
  const path = stackIamPath(stack);
  if (boundary === undefined) return { path };
  const { accountId } = await aws.getCallerIdentity();
  const arn = boundaryPolicyArn(boundary, partition, accountId);
  await aws.iam.getPolicy({ arn }).catch((err: Error) => {
    throw new ConfigError(stack, [
      `jenkins-ecs:permissionsBoundary: ${arn} is not a policy of this account (${err.message.trim()}). The ci/ program creates it (README, "CI/CD setup"): deploy ci/ first, or, for a stack you deploy by hand without ci/, remove jenkins-ecs:permissionsBoundary from Pulumi.${stack}.yaml.`,
    ]);
  });
  return { path, permissionsBoundaryArn: arn };
}

/** The two roles of an ECS task: one for ECS starting it, one for what runs inside it. */
export interface TaskRoles {
  /** ECS uses it to pull the image, write logs and read secrets. */
  readonly executionRole: aws.iam.Role;
  /** The application's own AWS identity. */
  readonly taskRole: aws.iam.Role;
}

/** Creates a task's execution and task roles, named `<name>-exec` and `<name>-task`. */
export function createTaskRoles(
  name: string,
  args: { readonly region: string; readonly partition: string; readonly iam: StackIam; readonly executionDescription: string; readonly taskDescription: string },
  parent: pulumi.Resource,
): TaskRoles {
  const identity = aws.getCallerIdentityOutput({}, { parent });
  const executionRole = new aws.iam.Role(
    `${name}-exec`,
    { path: args.iam.path, permissionsBoundary: args.iam.permissionsBoundaryArn, assumeRolePolicy: JSON.stringify(executionRoleTrustPolicy()), description: args.executionDescription },
    { parent },
  );
  const taskRole = new aws.iam.Role(
    `${name}-task`,
    {
      path: args.iam.path,
      permissionsBoundary: args.iam.permissionsBoundaryArn,
      assumeRolePolicy: identity.accountId.apply((accountId) => JSON.stringify(taskRoleTrustPolicy(accountId, args.region, args.partition))),
      description: args.taskDescription,
    },
    { parent },
  );
  return { executionRole, taskRole };
}

/** What the controller's task role is granted, beyond its trust. */
export interface ControllerTaskGrants {
  readonly taskRole: aws.iam.Role;
  readonly partition: string;
  readonly region: string;
  /** Name prefix of the secrets pipelines get as credentials (lib/aws/naming.ts credentialsPrefix). */
  readonly credentialsPrefix: string;
  /** The agents' policy: run, watch and stop agent tasks, pass their roles. */
  readonly runAgentsPolicyArn: pulumi.Input<string>;
  /** JENKINS_HOME's file system and access points (a {@link JenkinsHome}). */
  readonly home: { readonly fileSystemArn: pulumi.Input<string>; readonly accessPointArn: pulumi.Input<string>; readonly viewAccessPointArn?: pulumi.Input<string> };
  /** ECS Exec's session log group and the key of its sessions; undefined when ECS Exec is off. */
  readonly exec?: { readonly logGroupArn: pulumi.Input<string>; readonly keyArn: pulumi.Input<string> };
}

/**
 * Grants the Jenkins controller's task role what Jenkins does in AWS: run agents, mount
 * JENKINS_HOME through its access point, read the stack's pipeline credentials and, with ECS
 * Exec, open sessions. Returns the grants, which the service must wait for.
 */
export function grantControllerTask(name: string, args: ControllerTaskGrants, parent: pulumi.Resource): pulumi.Resource[] {
  const { taskRole, home } = args;
  const runAgents = new aws.iam.RolePolicyAttachment(`${name}-task-agents`, { role: taskRole.name, policyArn: args.runAgentsPolicyArn }, { parent });
  const mountHome = new aws.iam.RolePolicy(
    `${name}-task-efs`,
    {
      role: taskRole.id,
      policy: pulumi
        .all([home.fileSystemArn, home.accessPointArn, home.viewAccessPointArn])
        .apply(([fileSystemArn, accessPointArn, viewAccessPointArn]) => JSON.stringify(controllerTaskPolicy({ fileSystemArn, accessPointArn, viewAccessPointArn }))),
    },
    { parent },
  );
  // Pipelines' credentials: the stack's own Secrets Manager secrets, read by the credentials provider.
  const readCredentials = new aws.iam.RolePolicy(
    `${name}-task-credentials`,
    {
      role: taskRole.id,
      policy: aws
        .getCallerIdentityOutput({}, { parent })
        .accountId.apply((accountId) => JSON.stringify(pipelineCredentialsPolicy({ partition: args.partition, region: args.region, accountId, prefix: args.credentialsPrefix }))),
    },
    { parent },
  );
  const grants: pulumi.Resource[] = [runAgents, mountHome, readCredentials];
  if (args.exec) {
    grants.push(
      new aws.iam.RolePolicy(
        `${name}-task-exec`,
        {
          role: taskRole.id,
          policy: pulumi.all([args.exec.logGroupArn, args.exec.keyArn]).apply(([execLogGroupArn, execKeyArn]) => JSON.stringify(execCommandPolicy({ execLogGroupArn, execKeyArn }))),
        },
        { parent },
      ),
    );
  }
  return grants;
}
