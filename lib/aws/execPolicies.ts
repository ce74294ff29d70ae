/**
 * The IAM documents of ECS Exec into the controller: what the task's SSM agent needs, and the
 * key policy of the stack's exec key. Apart from lib/aws/policies.ts because only ECS Exec uses them.
 */
import type { PolicyDocument } from "./policies";

const VERSION = "2012-10-17";

/**
 * The tag every exec key carries: the deploy roles may manage (rotate, describe, schedule for
 * deletion) only keys with it, and may create keys only with it (ci/policies.ts).
 */
export const EXEC_KEY_TAG = { key: "jenkins-ecs:ecs-exec-key", value: "true" } as const;

/**
 * ECS Exec into the controller (ECS Developer Guide, "Monitor Amazon ECS containers with ECS
 * Exec", IAM permissions required): the SSM agent in the task opens its control and data
 * channels (ssmmessages has no resource-level permissions: "*"), and writes each session's log
 * to the stack's exec log group (DescribeLogGroups, likewise "*", is how it finds the group).
 */
export function execCommandPolicy(args: { readonly execLogGroupArn: string; readonly execKeyArn: string }): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [
      {
        Sid: "ExecSessionChannels",
        Effect: "Allow",
        Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
        Resource: "*",
      },
      { Sid: "FindExecLogGroup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
      {
        Sid: "WriteExecSessionLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        Resource: `${args.execLogGroupArn}:*`,
      },
      // The session's data channel is encrypted with the stack's exec key (the cluster's
      // executeCommandConfiguration.kmsKeyId); the agent in the task decrypts with it.
      { Sid: "DecryptExecDataChannel", Effect: "Allow", Action: "kms:Decrypt", Resource: args.execKeyArn },
    ],
  };
}

/**
 * Key policy of the ECS Exec key: the account governs it through IAM (the default key policy's
 * root statement), and CloudWatch Logs of the stack's region may use it only for log groups
 * whose ARN matches `logGroupArnPattern` (CloudWatch Logs User Guide, "Encrypt log data in
 * CloudWatch Logs using AWS Key Management Service": the logs.<region> principal and the
 * kms:EncryptionContext:aws:logs:arn condition).
 */
export function execKeyPolicy(args: { readonly partition: string; readonly region: string; readonly accountId: string; readonly logGroupArnPattern: string }): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [
      { Sid: "AccountManagesKeyThroughIam", Effect: "Allow", Principal: { AWS: `arn:${args.partition}:iam::${args.accountId}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "CloudWatchLogsEncryptsExecLogs",
        Effect: "Allow",
        Principal: { Service: `logs.${args.region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": args.logGroupArnPattern } },
      },
    ],
  };
}
