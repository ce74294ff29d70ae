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

/** One route of a route table, as EC2 DescribeRouteTables reports it (the fields this stack reads). */
export interface RouteFacts {
  readonly cidrBlock: string;
  readonly gatewayId?: string;
  readonly natGatewayId?: string;
  readonly transitGatewayId?: string;
  readonly networkInterfaceId?: string;
  readonly instanceId?: string;
  readonly vpcPeeringConnectionId?: string;
  readonly vpcEndpointId?: string;
  readonly coreNetworkArn?: string;
  readonly localGatewayId?: string;
  readonly carrierGatewayId?: string;
}

/** Where a table's IPv4 default route (0.0.0.0/0) goes: an igw-, nat-, tgw-, eni-… id, or undefined when it has none. */
export function defaultRouteTarget(routes: readonly RouteFacts[]): string | undefined {
  const route = routes.find((r) => r.cidrBlock === "0.0.0.0/0");
  if (!route) return undefined;
  const targets = [route.gatewayId, route.natGatewayId, route.transitGatewayId, route.networkInterfaceId, route.instanceId, route.vpcPeeringConnectionId, route.vpcEndpointId, route.coreNetworkArn, route.localGatewayId, route.carrierGatewayId];
  return targets.find((t): t is string => !!t) ?? "an unnamed target";
}

/** A subnet and the default route of the table that routes it. */
export interface SubnetRoute {
  readonly subnetId: string;
  readonly routeTableId: string;
  /** {@link defaultRouteTarget} of that table. */
  readonly defaultRoute: string | undefined;
}

/**
 * Problems of the adopted subnets' routes, one line each. Tasks get no public IP, so:
 * - a private subnet needs a default route that is not an internet gateway: through a NAT
 *   gateway, or a transit gateway or appliance to the company's egress. Without one, only
 *   `vpcEndpoints: true` and ECR images work (ECS Developer Guide, "Fargate task networking":
 *   a task without a public IP needs a NAT gateway or endpoints to pull images). A default route
 *   to an internet gateway makes it a public subnet, where such tasks reach nothing outside;
 * - an internet-facing load balancer is reached from the internet only through public subnets,
 *   whose route table sends 0.0.0.0/0 to an internet gateway (VPC User Guide, "Subnets for your
 *   VPC": a public subnet "has a direct route to an internet gateway"; AWS Prescriptive Guidance,
 *   "Load balancer subnets and routing"). In other subnets ELB creates it all the same, and it
 *   answers nobody.
 */
export function adoptedRouteProblems(privateRoutes: readonly SubnetRoute[], publicRoutes: readonly SubnetRoute[], options: { interfaceEndpoints: boolean; internetFacing: boolean }): string[] {
  const problems: string[] = [];
  const isGateway = (target: string | undefined) => target?.startsWith("igw-") === true;
  for (const r of privateRoutes) {
    if (isGateway(r.defaultRoute)) {
      problems.push(`jenkins-ecs:privateSubnetIds: ${r.subnetId} routes 0.0.0.0/0 to the internet gateway ${r.defaultRoute} (route table ${r.routeTableId}): it is a public subnet, and tasks here have no public IP. List private subnets, whose default route goes through a NAT gateway.`);
    } else if (r.defaultRoute === undefined && !options.interfaceEndpoints) {
      problems.push(`jenkins-ecs:privateSubnetIds: ${r.subnetId} has no route to 0.0.0.0/0 (route table ${r.routeTableId}), so tasks there cannot pull images or reach AWS. Add a default route through a NAT gateway (or your transit gateway), or set jenkins-ecs:vpcEndpoints: true and use only ECR images.`);
    }
  }
  if (options.internetFacing) {
    for (const r of publicRoutes.filter((r) => !isGateway(r.defaultRoute))) {
      problems.push(`jenkins-ecs:publicSubnetIds: ${r.subnetId} does not route 0.0.0.0/0 to an internet gateway (route table ${r.routeTableId} sends it to ${r.defaultRoute ?? "nowhere"}); an internet-facing load balancer there cannot be reached. List public subnets, or make the load balancer internal.`);
    }
  }
  return problems;
}
