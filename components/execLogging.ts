import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { EXEC_KEY_TAG, execKeyPolicy } from "../lib/aws/execPolicies";

/** Where ECS Exec sessions into the controller are logged, and the key that protects them. */
export interface ExecLogging {
  /** A customer-managed key, rotated yearly: encrypts the sessions' data channel and their log. */
  readonly key: aws.kms.Key;
  /** The sessions' log group (their commands and output), encrypted with {@link key}. */
  readonly logGroup: aws.cloudwatch.LogGroup;
  /** The cluster's executeCommandConfiguration: sessions logged there, data channel encrypted. */
  readonly clusterConfiguration: aws.types.input.ecs.ClusterConfigurationExecuteCommandConfiguration;
}

/**
 * The key and log group of ECS Exec sessions. The key policy lets CloudWatch Logs use the key
 * only for this log group: its ARN is known only after it is created, so the condition names
 * the name Pulumi gives it (`<logical name>-<random suffix>`).
 */
export function createExecLogging(name: string, args: { readonly partition: string; readonly region: string; readonly logRetentionDays: number }, parent: pulumi.Resource): ExecLogging {
  const logGroupName = `${name}-exec-logs`;
  const accountId = aws.getCallerIdentityOutput({}, { parent }).accountId;
  const key = new aws.kms.Key(
    `${name}-exec-key`,
    {
      description: "ECS Exec into the Jenkins controller: session data channel and session logs",
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: { [EXEC_KEY_TAG.key]: EXEC_KEY_TAG.value },
      policy: accountId.apply((id) =>
        JSON.stringify(execKeyPolicy({ partition: args.partition, region: args.region, accountId: id, logGroupArnPattern: `arn:${args.partition}:logs:${args.region}:${id}:log-group:${logGroupName}-*` })),
      ),
    },
    { parent },
  );
  const logGroup = new aws.cloudwatch.LogGroup(logGroupName, { retentionInDays: args.logRetentionDays, kmsKeyId: key.arn }, { parent });
  return {
    key,
    logGroup,
    clusterConfiguration: { kmsKeyId: key.arn, logging: "OVERRIDE", logConfiguration: { cloudWatchLogGroupName: logGroup.name, cloudWatchEncryptionEnabled: true } },
  };
}
