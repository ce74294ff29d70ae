/**
 * AWS partitions: every ARN this program builds starts `arn:<partition>:`, and the partition
 * follows from the region (AWS General Reference, "Amazon Resource Names": `aws`, `aws-cn` for
 * China, `aws-us-gov` for GovCloud (US)). Deriving it here, instead of writing `arn:aws:`,
 * keeps every ARN right in whichever partition a stack is allowed to run.
 */

export type PartitionName = "aws" | "aws-cn" | "aws-us-gov";

/** The partition of a region: `cn-*` is aws-cn, `us-gov-*` aws-us-gov, every other region aws. */
export function partitionOf(region: string): PartitionName {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/**
 * Partitions this stack runs in. aws-cn is refused: its service names differ
 * (`cn.com.amazonaws.<region>.*` endpoint services, registries under `amazonaws.com.cn`), and
 * none of that has been checked here.
 */
export const SUPPORTED_PARTITIONS: readonly PartitionName[] = ["aws", "aws-us-gov"];
