/**
 * Where the load balancer's access logs go, and the bucket policy that lets Elastic Load
 * Balancing write them (Security Hub control ELB.5 asks for the logs).
 *
 * Who writes depends on the region (ELB User Guide for Application Load Balancers, "Enable
 * access logs", step 2): in regions available before August 2022, the regional ELB account;
 * in later regions, the service principal `logdelivery.elasticloadbalancing.amazonaws.com`.
 */
import { PartitionName, partitionOf } from "./partition";

/** The key prefix of every log object; ELB appends `AWSLogs/<account>/elasticloadbalancing/...`. */
export const ACCESS_LOG_PREFIX = "load-balancer";

/** The principal that writes access logs in regions without a regional ELB account. */
export const ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";

/**
 * The regional ELB accounts of the partitions this stack supports (aws, aws-us-gov), as AWS
 * lists them for regions available before August 2022. Copied from aws/aws-cdk
 * packages/aws-cdk-lib/region-info/build-tools/fact-tables.ts `ELBV2_ACCOUNTS` (commit
 * 02a9c13e93419d66e794efd1e6b705a45b739056), which cites the same ELB page; every region not
 * listed uses {@link ELB_LOG_DELIVERY_SERVICE}.
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-northeast-1": "582318560864",
  "ap-northeast-2": "600734575887",
  "ap-northeast-3": "383597477331",
  "ap-south-1": "718504428378",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ap-southeast-3": "589379963580",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-north-1": "897822967062",
  "eu-south-1": "635631232127",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-gov-east-1": "190560391635",
  "us-gov-west-1": "048591011584",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
};

/** Who writes a region's access logs, as an IAM policy principal. */
export function logDeliveryPrincipal(region: string): { AWS: string } | { Service: string } {
  const account = ELB_LOG_DELIVERY_ACCOUNTS[region];
  const partition: PartitionName = partitionOf(region);
  return account ? { AWS: `arn:${partition}:iam::${account}:root` } : { Service: ELB_LOG_DELIVERY_SERVICE };
}

/** What {@link accessLogBucketPolicy} needs. */
export interface AccessLogBucket {
  readonly bucketArn: string;
  readonly region: string;
  /** The account that owns the load balancer: ELB writes under `AWSLogs/<this account>/`. */
  readonly accountId: string;
}

/**
 * The log bucket's policy: ELB may put objects only under this stack's prefix and account, and
 * nobody may reach the bucket without TLS (Security Hub control S3.5).
 */
export function accessLogBucketPolicy({ bucketArn, region, accountId }: AccessLogBucket): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ElbDeliversAccessLogs",
        Effect: "Allow",
        Principal: logDeliveryPrincipal(region),
        Action: "s3:PutObject",
        Resource: `${bucketArn}/${ACCESS_LOG_PREFIX}/AWSLogs/${accountId}/*`,
      },
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
