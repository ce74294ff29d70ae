import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { executionRoleTrustPolicy, taskRoleTrustPolicy } from "../lib/aws/policies";
import { IAM_PATH } from "../lib/aws/naming";

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
  args: { readonly region: string; readonly partition: string; readonly executionDescription: string; readonly taskDescription: string },
  parent: pulumi.Resource,
): TaskRoles {
  const identity = aws.getCallerIdentityOutput({}, { parent });
  const executionRole = new aws.iam.Role(
    `${name}-exec`,
    { path: IAM_PATH, assumeRolePolicy: JSON.stringify(executionRoleTrustPolicy()), description: args.executionDescription },
    { parent },
  );
  const taskRole = new aws.iam.Role(
    `${name}-task`,
    {
      path: IAM_PATH,
      assumeRolePolicy: identity.accountId.apply((accountId) => JSON.stringify(taskRoleTrustPolicy(accountId, args.region, args.partition))),
      description: args.taskDescription,
    },
    { parent },
  );
  return { executionRole, taskRole };
}
