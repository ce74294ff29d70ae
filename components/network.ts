import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import { NetworkSettings } from "../lib/config";
import { layoutSubnets, parseCidr } from "../lib/cidr";

/** Arguments for {@link Network}. */
export interface NetworkArgs {
  /** Create a VPC, or adopt an existing one; validated stack config. */
  readonly settings: NetworkSettings;
}

/**
 * The VPC every task runs in: public subnets for the load balancer and NAT gateways, private
 * subnets (no public IPs) for the controller, its file system and every agent task.
 *
 * In create mode an `awsx.ec2.Vpc` is built with one public and one private subnet per AZ and
 * the configured NAT strategy; in adopt mode nothing is created and the given ids pass through.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  /** The VPC's IPv4 CIDR block; rules that admit "anything inside the VPC" use it. */
  public readonly vpcCidr: pulumi.Output<string>;
  /** One per AZ; the internet-facing load balancer lives here. */
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** One per AZ; the controller, EFS mount targets and agent tasks live here. */
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  /** How many private subnets there are, known from config before their ids are. */
  public readonly privateSubnetCount: number;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:network:Network", name, {}, opts);
    const settings = args.settings;
    this.privateSubnetCount = settings.mode === "create" ? settings.availabilityZones : settings.privateSubnetIds.length;

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
      this.publicSubnetIds = vpc.publicSubnetIds;
      this.privateSubnetIds = vpc.privateSubnetIds;
    } else {
      this.vpcId = pulumi.output(settings.vpcId);
      this.vpcCidr = aws.ec2.getVpcOutput({ id: settings.vpcId }, { parent: this }).cidrBlock;
      this.publicSubnetIds = pulumi.output(settings.publicSubnetIds);
      this.privateSubnetIds = pulumi.output(settings.privateSubnetIds);
    }

    this.registerOutputs({
      vpcId: this.vpcId,
      vpcCidr: this.vpcCidr,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}
