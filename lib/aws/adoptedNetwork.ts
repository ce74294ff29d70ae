/**
 * What an adopted VPC must be for this stack, checked against what EC2 says of it before
 * anything is created in it. Each rule is one AWS enforces later, halfway through `pulumi up`,
 * or one whose breach leaves the stack silently broken.
 */
import * as pulumi from "@pulumi/pulumi";

/** IPv4 CIDR blocks per VPC, AWS's default quota (VPC User Guide, "Amazon VPC quotas"). */
export const MAX_VPC_CIDR_BLOCKS = 5;

/** What EC2 DescribeVpcs (and DescribeVpcAttribute) says of the adopted VPC. */
export interface VpcFacts {
  readonly id: string;
  readonly cidrBlocks: readonly string[];
  readonly enableDnsSupport: boolean;
  readonly enableDnsHostnames: boolean;
}

/** What EC2 DescribeSubnets says of one adopted subnet. */
export interface SubnetFacts {
  readonly id: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
}

/**
 * Raised before any resource exists when the adopted network cannot carry the stack; one line
 * per problem, each naming its config key. A RunError, so the CLI prints it without a stack.
 */
export class AdoptedNetworkError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(`The adopted network cannot carry this stack:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "AdoptedNetworkError";
  }
}

/**
 * Problems of the adopted VPC and subnets, one line each:
 * - DNS support and DNS hostnames on: agents find the controller by its Cloud Map name in a
 *   private hosted zone, and interface endpoints use private DNS; both need the two attributes
 *   (Route 53 Developer Guide, "Working with private hosted zones");
 * - at most {@link MAX_VPC_CIDR_BLOCKS} CIDR blocks: the endpoints' rule admits them through a
 *   prefix list of that size;
 * - every subnet in the adopted VPC;
 * - private subnets in distinct zones: EFS allows one mount target per Availability Zone (EFS
 *   CreateMountTarget, "MountTargetConflict"), so a second private subnet in a zone fails;
 * - public subnets in distinct zones, at least two: an Application Load Balancer takes one
 *   subnet per zone, in at least two zones (ELB CreateLoadBalancer, Subnets).
 */
export function adoptedNetworkProblems(vpc: VpcFacts, privateSubnets: readonly SubnetFacts[], publicSubnets: readonly SubnetFacts[]): string[] {
  const problems: string[] = [];
  const dnsOff = [vpc.enableDnsSupport ? [] : ["enableDnsSupport"], vpc.enableDnsHostnames ? [] : ["enableDnsHostnames"]].flat();
  if (dnsOff.length > 0) {
    problems.push(`jenkins-ecs:vpcId: ${vpc.id} has ${dnsOff.join(" and ")} off; agents resolve the controller's private name only with both on (aws ec2 modify-vpc-attribute).`);
  }
  if (vpc.cidrBlocks.length > MAX_VPC_CIDR_BLOCKS) {
    problems.push(`jenkins-ecs:vpcId: ${vpc.id} has ${vpc.cidrBlocks.length} IPv4 CIDR blocks; at most ${MAX_VPC_CIDR_BLOCKS} are supported.`);
  }
  const check = (key: string, subnets: readonly SubnetFacts[], why: string) => {
    for (const s of subnets.filter((s) => s.vpcId !== vpc.id)) problems.push(`jenkins-ecs:${key}: ${s.id} is in ${s.vpcId}, not in jenkins-ecs:vpcId ${vpc.id}.`);
    const byZone = new Map<string, string[]>();
    for (const s of subnets) byZone.set(s.availabilityZone, [...(byZone.get(s.availabilityZone) ?? []), s.id]);
    for (const [zone, ids] of byZone) {
      if (ids.length > 1) problems.push(`jenkins-ecs:${key}: ${ids.join(" and ")} are all in ${zone}; ${why}. List one subnet per Availability Zone.`);
    }
    if (byZone.size < 2) problems.push(`jenkins-ecs:${key}: the subnets cover ${byZone.size} Availability Zone; at least two are needed.`);
  };
  check("privateSubnetIds", privateSubnets, "EFS allows one mount target per zone, so JENKINS_HOME's second mount target would fail");
  check("publicSubnetIds", publicSubnets, "a load balancer takes one subnet per zone");
  return problems;
}

/** The route table that routes a subnet: its explicit association, else the VPC's main table (VPC User Guide, "Route tables"). */
export function routeTableOf(explicit: readonly string[], mainTable: string): string {
  return explicit[0] ?? mainTable;
}
