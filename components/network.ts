import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import { NetworkSettings } from "../lib/settings";
import { availabilityZoneCount, layoutSubnets, parseCidr } from "../lib/aws/cidr";
import { AdoptedNetworkError, MAX_VPC_CIDR_BLOCKS, SubnetRoute, adoptedNetworkProblems, adoptedRouteProblems, defaultRouteTarget, routeTableOf } from "../lib/aws/adoptedNetwork";

import { INTERFACE_ENDPOINT_SERVICES } from "../lib/aws/endpoints";

export { INTERFACE_ENDPOINT_SERVICES };

const HTTPS_PORT = 443;

/** Arguments for {@link Network}. */
export interface NetworkArgs {
  /** Create a VPC, or adopt an existing one; validated stack config. */
  readonly settings: NetworkSettings;
  readonly region: string;
  /**
   * Also create {@link INTERFACE_ENDPOINT_SERVICES} endpoints. The S3 gateway endpoint is
   * always created: it is free and ECR serves image layers from S3.
   * @default false
   */
  readonly interfaceEndpoints?: boolean;
}

/** What else decides whether an adopted network can carry the stack. */
export interface AdoptedNetworkUse {
  /** The stack creates interface endpoints (`vpcEndpoints`): private subnets may then lack a default route. */
  readonly interfaceEndpoints: boolean;
  /** The load balancer is internet-facing: its public subnets must route to an internet gateway. */
  readonly internetFacing: boolean;
}

/**
 * Looks up an adopted VPC, its subnets and their routes, and refuses them, one line per problem
 * naming its config key, when they cannot carry the stack. The program awaits it before
 * registering any resource, so a subnet in the wrong zone fails `pulumi preview`, not halfway
 * through `up`.
 */
export async function checkAdoptedNetwork(settings: Extract<NetworkSettings, { mode: "adopt" }>, use: AdoptedNetworkUse): Promise<void> {
  const vpc = await aws.ec2.getVpc({ id: settings.vpcId }).catch((err: Error) => {
    throw new AdoptedNetworkError([`jenkins-ecs:vpcId: ${settings.vpcId} could not be looked up: ${err.message}`]);
  });
  const lookUp = (key: string, ids: string[]) =>
    Promise.all(
      ids.map((id) =>
        aws.ec2.getSubnet({ id }).catch((err: Error) => {
          throw new AdoptedNetworkError([`jenkins-ecs:${key}: ${id} could not be looked up: ${err.message}`]);
        }),
      ),
    );
  const [privateSubnets, publicSubnets] = await Promise.all([lookUp("privateSubnetIds", settings.privateSubnetIds), lookUp("publicSubnetIds", settings.publicSubnetIds)]);
  const problems = adoptedNetworkProblems(
    { id: vpc.id, cidrBlocks: vpc.cidrBlockAssociations.map((b) => b.cidrBlock), enableDnsSupport: vpc.enableDnsSupport, enableDnsHostnames: vpc.enableDnsHostnames },
    privateSubnets,
    publicSubnets,
  );
  if (problems.length > 0) throw new AdoptedNetworkError(problems);
  const main = await aws.ec2.getRouteTables({ vpcId: settings.vpcId, filters: [{ name: "association.main", values: ["true"] }] });
  const routesOf = (subnetIds: readonly string[]) => subnetRoutes(settings.vpcId, subnetIds, main.ids[0]);
  const [privateRoutes, publicRoutes] = await Promise.all([routesOf(settings.privateSubnetIds), routesOf(settings.publicSubnetIds)]);
  const routeProblems = adoptedRouteProblems(privateRoutes, publicRoutes, use);
  if (routeProblems.length > 0) throw new AdoptedNetworkError(routeProblems);
}

/** Each subnet's route table (its explicit association, else the VPC's main table) and that table's default route. */
async function subnetRoutes(vpcId: string, subnetIds: readonly string[], mainTable: string): Promise<SubnetRoute[]> {
  return Promise.all(
    subnetIds.map(async (subnetId) => {
      const explicit = await aws.ec2.getRouteTables({ vpcId, filters: [{ name: "association.subnet-id", values: [subnetId] }] });
      const routeTableId = routeTableOf(explicit.ids, mainTable);
      const table = await aws.ec2.getRouteTable({ routeTableId });
      return { subnetId, routeTableId, defaultRoute: defaultRouteTarget(table.routes) };
    }),
  );
}

/**
 * The VPC every task runs in: public subnets for the load balancer and NAT gateways, private
 * subnets (no public IPs) for the controller, its file system and every agent task.
 *
 * In create mode an `awsx.ec2.Vpc` is built with one public and one private subnet per AZ and
 * the configured NAT strategy; in adopt mode nothing is created and the given ids (checked by {@link checkAdoptedNetwork})
 * pass through.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  /** The VPC's primary IPv4 CIDR block. */
  public readonly vpcCidr: pulumi.Output<string>;
  /** Every IPv4 CIDR block of the VPC (an adopted VPC may have several); "inside the VPC" is all of them. */
  public readonly vpcCidrs: pulumi.Output<string[]>;
  /** One per AZ; the internet-facing load balancer lives here. */
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** One per AZ; the controller, EFS mount targets and agent tasks live here. */
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  /** How many private subnets there are, known from config before their ids are. */
  public readonly privateSubnetCount: number;
  /** Route tables of the private subnets; the S3 gateway endpoint is attached to them. */
  public readonly privateRouteTableIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:network:Network", name, {}, opts);
    const settings = args.settings;
    this.privateSubnetCount = availabilityZoneCount(settings);

    if (settings.mode === "create") {
      const layout = layoutSubnets(parseCidr(settings.cidr)!, settings.availabilityZones);
      const vpc = new awsx.ec2.Vpc(
        "vpc",
        {
          cidrBlock: settings.cidr,
          numberOfAvailabilityZones: settings.availabilityZones,
          // Explicit blocks: each AZ keeps its quarter of the VPC, so adding an AZ later
          // creates subnets without replacing the existing ones.
          subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
          subnetSpecs: [
            { type: awsx.ec2.SubnetType.Private, cidrBlocks: layout.privateCidrs },
            { type: awsx.ec2.SubnetType.Public, cidrBlocks: layout.publicCidrs },
          ],
          natGateways: {
            strategy: settings.natGateways === "single" ? awsx.ec2.NatGatewayStrategy.Single : awsx.ec2.NatGatewayStrategy.OnePerAz,
          },
          // Private DNS (Cloud Map, EFS, interface endpoints) needs both.
          enableDnsHostnames: true,
          enableDnsSupport: true,
        },
        { parent: this },
      );
      this.vpcId = vpc.vpcId;
      this.vpcCidr = pulumi.output(settings.cidr);
      this.vpcCidrs = pulumi.output([settings.cidr]);
      this.publicSubnetIds = vpc.publicSubnetIds;
      this.privateSubnetIds = vpc.privateSubnetIds;
      this.privateRouteTableIds = this.routeTablesOf(vpc.vpcId, vpc.privateSubnetIds, [vpc]);
    } else {
      // Already checked by checkAdoptedNetwork, before any resource was registered.
      const vpc = aws.ec2.getVpcOutput({ id: settings.vpcId }, { parent: this });
      this.vpcId = pulumi.output(settings.vpcId);
      this.vpcCidr = vpc.cidrBlock;
      this.vpcCidrs = vpc.cidrBlockAssociations.apply((blocks) => blocks.map((b) => b.cidrBlock));
      this.publicSubnetIds = pulumi.output(settings.publicSubnetIds);
      this.privateSubnetIds = pulumi.output(settings.privateSubnetIds);
      this.privateRouteTableIds = this.adoptedRouteTables(settings.vpcId, settings.privateSubnetIds);
    }

    // Image layers come from S3: through the gateway endpoint they skip the NAT's per-GB charge.
    new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: this.vpcId,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: this.privateRouteTableIds,
      },
      { parent: this },
    );
    if (args.interfaceEndpoints) this.createInterfaceEndpoints(name, args.region, settings.mode);

    this.registerOutputs({
      privateRouteTableIds: this.privateRouteTableIds,
      vpcId: this.vpcId,
      vpcCidr: this.vpcCidr,
      vpcCidrs: this.vpcCidrs,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }

  /** Route tables associated with `subnetIds`, looked up once the VPC's resources exist. */
  private routeTablesOf(vpcId: pulumi.Input<string>, subnetIds: pulumi.Input<string[]>, after: pulumi.Resource[]): pulumi.Output<string[]> {
    return aws.ec2
      .getRouteTablesOutput({ vpcId, filters: [{ name: "association.subnet-id", values: subnetIds }] }, { parent: this, dependsOn: after })
      .apply((result) => [...result.ids].sort());
  }

  /**
   * Route tables of adopted private subnets. A subnet without an explicit association uses the
   * VPC's main route table, and the S3 endpoint's route must go there.
   */
  private adoptedRouteTables(vpcId: string, subnetIds: string[]): pulumi.Output<string[]> {
    const parent = { parent: this };
    const main = aws.ec2.getRouteTablesOutput({ vpcId, filters: [{ name: "association.main", values: ["true"] }] }, parent);
    const explicit = subnetIds.map((id) => aws.ec2.getRouteTablesOutput({ vpcId, filters: [{ name: "association.subnet-id", values: [id] }] }, parent).ids);
    return pulumi.all([main.ids, ...explicit]).apply(([mainIds, ...perSubnet]) => [...new Set(perSubnet.map((ids) => routeTableOf(ids, mainIds[0])))].sort());
  }

  /** Private endpoints for AWS APIs, admitting HTTPS from inside the VPC only. */
  private createInterfaceEndpoints(name: string, region: string, mode: NetworkSettings["mode"]): void {
    const parent = { parent: this };
    const securityGroup = new aws.ec2.SecurityGroup(`${name}-endpoints-sg`, { vpcId: this.vpcId, description: "VPC interface endpoints: HTTPS from the VPC" }, parent);
    if (mode === "create") {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-endpoints-in-https`,
        { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: HTTPS_PORT, toPort: HTTPS_PORT, cidrIpv4: this.vpcCidr, description: "HTTPS from the VPC" },
        parent,
      );
    } else {
      // An adopted VPC may have several CIDR blocks; a prefix list holds them all in one rule.
      const blocks = new aws.ec2.ManagedPrefixList(
        `${name}-vpc-cidrs`,
        {
          addressFamily: "IPv4",
          // AWS's default quota of IPv4 CIDR blocks per VPC; the list counts as this many rules.
          maxEntries: MAX_VPC_CIDR_BLOCKS,
          entries: this.vpcCidrs.apply((cidrs) => cidrs.map((cidr) => ({ cidr, description: "A CIDR block of the VPC" }))),
        },
        parent,
      );
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-endpoints-in-https`,
        { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: HTTPS_PORT, toPort: HTTPS_PORT, prefixListId: blocks.id, description: "HTTPS from the VPC" },
        parent,
      );
    }
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service.replace(".", "-")}`,
        {
          vpcId: this.vpcId,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Interface",
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [securityGroup.id],
          // The usual AWS host names resolve to the endpoint inside the VPC: no client changes.
          privateDnsEnabled: true,
        },
        parent,
      );
    }
  }
}
