/**
 * The network an offline plan of an adopted VPC looks up. A real `pulumi preview` asks EC2 what
 * the VPC, its subnets and their route tables are (components/network.ts checkAdoptedNetwork);
 * offline there is no EC2, so the plan answers those lookups from one of:
 * - the mocked account (MOCK_VPCS), for the ids the tests and examples use;
 * - a file of the VPC's real facts (`--network <file>`): what `aws ec2 describe-vpcs`,
 *   `describe-subnets`, `describe-route-tables` and `describe-vpc-attribute` print, merged into
 *   one JSON object. The lookups then find what EC2 would, and refuse what it would refuse;
 * - otherwise a plausible network made up for the ids of the stack file, every fact of it
 *   listed as assumed offline, so that nobody mistakes the plan for a check of the real VPC.
 */
import type { NetworkSettings } from "../lib/settings";
import { MOCK_VPCS, MockNetwork, MockVpc, hex } from "./mockVpcs";

type AdoptedNetwork = Extract<NetworkSettings, { mode: "adopt" }>;

/** One fact of the adopted network that the plan made up instead of looking it up. */
export interface AssumedFact {
  /** The VPC or subnet id it is about. */
  readonly id: string;
  /** What was assumed, in words. */
  readonly fact: string;
  /** The made-up values (CIDRs, route table ids, zones) as they may appear in the plan's resources. */
  readonly values: readonly string[];
}

/** What the plan's lookups answer from, and what of it is made up. */
export interface PlanNetwork {
  readonly vpcs: MockNetwork;
  /** "the mocked account", "assumed offline", or the file's name. */
  readonly source: string;
  readonly assumed: readonly AssumedFact[];
}

export const MOCKED_ACCOUNT = "the mocked account";
export const ASSUMED = "assumed offline";

const ZONES = "abcdef";

/** The /20 at position `index` of a /16 ("10.37.0.0/16", 2 → "10.37.32.0/20"); undefined for any other size or past the 16th. */
function slice20(vpcCidr: string, index: number): string | undefined {
  const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(vpcCidr);
  return m && index < 16 ? `${m[1]}.${m[2]}.${index * 16}.0/20` : undefined;
}

/**
 * The network the plan of `network` runs against without a file: the mocked account where it
 * knows the ids, and for any id it does not know, a plausible one: DNS support and hostnames on;
 * zones a, b, c… in the order each list names its subnets; private subnets routed to a NAT
 * gateway, public ones to an internet gateway; CIDRs derived from the ids. Ids were already
 * checked as well-formed by the config.
 */
export function assumeNetwork(network: AdoptedNetwork, region: string, known: MockNetwork = MOCK_VPCS): PlanNetwork {
  const knownSubnet = (id: string) => Object.values(known).some((vpc) => id in vpc.subnets);
  const unknownSubnets = [...network.privateSubnetIds, ...network.publicSubnetIds].filter((id) => !knownSubnet(id));
  if (known[network.vpcId] && unknownSubnets.length === 0) return { vpcs: known, source: MOCKED_ACCOUNT, assumed: [] };

  const assumed: AssumedFact[] = [];
  const nat = `nat-0${hex(`nat:${network.vpcId}`, 16)}`;
  const igw = `igw-0${hex(`igw:${network.vpcId}`, 16)}`;
  let vpc: MockVpc | undefined = known[network.vpcId];
  if (!vpc) {
    const cidr = `10.${parseInt(hex(`cidr:${network.vpcId}`, 2), 16)}.0.0/16`;
    const mainRouteTable = `rtb-0${hex(`main:${network.vpcId}`, 16)}`;
    vpc = { cidrBlocks: [cidr], mainRouteTable, enableDnsHostnames: true, enableDnsSupport: true, subnets: {}, defaultRoutes: { [mainRouteTable]: nat } };
    assumed.push({ id: network.vpcId, fact: `CIDR ${cidr}; DNS support and DNS hostnames on; main route table ${mainRouteTable}`, values: [cidr, mainRouteTable] });
  }
  const subnets = { ...vpc.subnets };
  const defaultRoutes = { ...vpc.defaultRoutes };
  const place = (ids: readonly string[], kind: "private" | "public", offset: number) =>
    ids.forEach((id, i) => {
      if (knownSubnet(id)) return;
      const zone = ZONES[i % ZONES.length];
      const cidrBlock = slice20(vpc!.cidrBlocks[0], offset + i);
      const routeTable = `rtb-0${hex(`${kind}:${id}`, 16)}`;
      const [target, targetKind] = kind === "private" ? [nat, "a NAT gateway"] : [igw, "an internet gateway"];
      subnets[id] = { zone, routeTable, ...(cidrBlock ? { cidrBlock } : {}) };
      defaultRoutes[routeTable] = target;
      assumed.push({
        id,
        fact: `${kind} subnet in ${network.vpcId}, zone ${region}${zone}${cidrBlock ? `, CIDR ${cidrBlock}` : ""}; route table ${routeTable} sends 0.0.0.0/0 to ${targetKind} (${target})`,
        values: [routeTable, ...(cidrBlock ? [cidrBlock] : [])],
      });
    });
  place(network.privateSubnetIds, "private", 0);
  place(network.publicSubnetIds, "public", network.privateSubnetIds.length);
  return { vpcs: { ...known, [network.vpcId]: { ...vpc, subnets, defaultRoutes } }, source: ASSUMED, assumed };
}

/** A network file the plan cannot use; the message says what is missing and how to make it. */
export class NetworkFileError extends Error {}

/** The commands whose merged output a network file is, for `VPC` (a shell variable). */
export const NETWORK_FILE_COMMANDS = [
  "aws ec2 describe-vpcs --vpc-ids $VPC",
  "aws ec2 describe-subnets --filters Name=vpc-id,Values=$VPC",
  "aws ec2 describe-route-tables --filters Name=vpc-id,Values=$VPC",
  "aws ec2 describe-vpc-attribute --vpc-id $VPC --attribute enableDnsSupport",
  "aws ec2 describe-vpc-attribute --vpc-id $VPC --attribute enableDnsHostnames",
] as const;

export const NETWORK_FILE_HOWTO = `{ ${NETWORK_FILE_COMMANDS.join("; ")}; } | jq -s add > network.json`;

const ROUTE_TARGETS = ["GatewayId", "NatGatewayId", "TransitGatewayId", "NetworkInterfaceId", "InstanceId", "VpcPeeringConnectionId", "VpcEndpointId", "CoreNetworkArn", "LocalGatewayId", "CarrierGatewayId"] as const;

/**
 * The network of a file of EC2's answers (field names as the EC2 API and the AWS CLI print them:
 * DescribeVpcs `Vpcs[].CidrBlockAssociationSet`, DescribeSubnets `Subnets[].AvailabilityZone`,
 * DescribeRouteTables `RouteTables[].Associations[].Main|SubnetId` and `Routes[]`,
 * DescribeVpcAttribute `EnableDnsSupport.Value`/`EnableDnsHostnames.Value`). Lookups of ids it
 * does not hold fail as EC2's would: the file is the account, for the plan.
 */
export function networkFromFile(text: string, file: string, region: string): PlanNetwork {
  const fail = (why: string) => new NetworkFileError(`--network ${file}: ${why}. Make it with:\n  ${NETWORK_FILE_HOWTO}`);
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw fail(`not JSON (${(err as Error).message})`);
  }
  for (const key of ["Vpcs", "Subnets", "RouteTables"]) {
    if (!Array.isArray(doc?.[key])) throw fail(`no ${key} list`);
  }
  for (const attribute of ["EnableDnsSupport", "EnableDnsHostnames"]) {
    if (typeof doc[attribute]?.Value !== "boolean") throw fail(`no ${attribute}.Value (aws ec2 describe-vpc-attribute --attribute ${attribute[0].toLowerCase()}${attribute.slice(1)})`);
  }
  if (doc.Vpcs.length !== 1) throw fail(`${doc.Vpcs.length} VPCs; the DNS attributes describe one, so describe one VPC`);
  const vpc = doc.Vpcs[0];
  const vpcId: string = vpc.VpcId;
  const tables = doc.RouteTables.filter((t: any) => t.VpcId === vpcId);
  const main = tables.find((t: any) => (t.Associations ?? []).some((a: any) => a.Main === true));
  if (!main) throw fail(`no main route table of ${vpcId} in RouteTables`);
  const defaultRoutes: Record<string, string> = {};
  for (const table of tables) {
    const route = (table.Routes ?? []).find((r: any) => r.DestinationCidrBlock === "0.0.0.0/0" && r.State !== "blackhole");
    const target = route && ROUTE_TARGETS.map((k) => route[k]).find((v) => typeof v === "string" && v !== "");
    if (target) defaultRoutes[table.RouteTableId] = target;
  }
  const explicit = new Map<string, string>();
  for (const table of tables) for (const a of table.Associations ?? []) if (a.SubnetId) explicit.set(a.SubnetId, table.RouteTableId);
  const subnets: Record<string, { zone: string; routeTable?: string; cidrBlock?: string }> = {};
  for (const s of doc.Subnets.filter((s: any) => s.VpcId === vpcId)) {
    const zone: string = s.AvailabilityZone ?? "";
    if (!zone.startsWith(region)) throw fail(`subnet ${s.SubnetId} is in ${zone || "no zone"}, not in the stack's region ${region}`);
    subnets[s.SubnetId] = { zone: zone.slice(region.length), ...(explicit.has(s.SubnetId) ? { routeTable: explicit.get(s.SubnetId) } : {}), ...(s.CidrBlock ? { cidrBlock: s.CidrBlock } : {}) };
  }
  const associated = (vpc.CidrBlockAssociationSet ?? []).filter((b: any) => b.CidrBlockState?.State === "associated").map((b: any) => b.CidrBlock);
  const network: MockVpc = {
    cidrBlocks: associated.length > 0 ? associated : [vpc.CidrBlock],
    mainRouteTable: main.RouteTableId,
    enableDnsSupport: doc.EnableDnsSupport.Value,
    enableDnsHostnames: doc.EnableDnsHostnames.Value,
    subnets,
    defaultRoutes,
  };
  return { vpcs: { [vpcId]: network }, source: file, assumed: [] };
}
