/**
 * The VPCs of the mocked account, and the deterministic ids the mocks make, kept apart from the
 * mocks so that the offline plan can use them without loading the Pulumi runtime
 * (offline/network.ts).
 */
import * as crypto from "crypto";

/** Deterministic hex derived from a seed (a resource, an id), so plans are stable between runs. */
export function hex(seed: string, length: number): string {
  return crypto.createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** An existing VPC as EC2 describes it: its CIDR blocks, DNS attributes, route tables and subnets. */
export interface MockVpc {
  readonly cidrBlocks: readonly string[];
  readonly mainRouteTable: string;
  /** The VPC's DNS attributes (DescribeVpcAttribute); DNS support is on unless said otherwise. */
  readonly enableDnsHostnames: boolean;
  readonly enableDnsSupport?: boolean;
  /** Subnets by id: zone suffix, their explicitly associated route table if any, their CIDR. */
  readonly subnets: Readonly<Record<string, { readonly zone: string; readonly routeTable?: string; readonly cidrBlock?: string }>>;
  /** Where each route table's default route (0.0.0.0/0) goes: an igw-, nat-, tgw-, eni- or pcx- id; absent for none. */
  readonly defaultRoutes: Readonly<Record<string, string>>;
}

/** The VPCs of an account, by id: what the mocks answer lookups from. */
export type MockNetwork = Readonly<Record<string, MockVpc>>;

/**
 * The VPCs that exist in the mocked account, for adopt mode (and its tests, examples). Like
 * EC2, the mocks answer lookups of these and refuse any other id (InvalidVpcID.NotFound).
 */
export const MOCK_VPCS: MockNetwork = {
  // A default-VPC-like network with a secondary CIDR block; one private subnet routes through
  // the main route table (no explicit association).
  "vpc-0123456789abcdef0": {
    cidrBlocks: ["172.31.0.0/16", "100.64.0.0/16"],
    mainRouteTable: "rtb-0main00000000000a",
    enableDnsHostnames: true,
    subnets: {
      "subnet-0aaaaaaaaaaaaaaaa": { zone: "a", routeTable: "rtb-0public0000000001" },
      "subnet-0bbbbbbbbbbbbbbbb": { zone: "b", routeTable: "rtb-0public0000000001" },
      "subnet-0cccccccccccccccc": { zone: "a", routeTable: "rtb-0private000000001" },
      "subnet-0dddddddddddddddd": { zone: "b" },
      "subnet-0eeeeeeeeeeeeeeee": { zone: "c", routeTable: "rtb-0private000000003" },
      // A second private subnet in zone a: EFS could not mount JENKINS_HOME in both.
      "subnet-0ffffffffffffffff": { zone: "a", routeTable: "rtb-0private000000001" },
      // A "private" subnet left with no default route, and one that routes to the internet gateway.
      "subnet-01111111111111111": { zone: "b", routeTable: "rtb-0isolated00000001" },
      "subnet-02222222222222222": { zone: "b", routeTable: "rtb-0public0000000001" },
    },
    defaultRoutes: {
      "rtb-0public0000000001": "igw-0mock000000000001",
      "rtb-0private000000001": "nat-0mock000000000001",
      "rtb-0private000000003": "nat-0mock000000000003",
      "rtb-0main00000000000a": "nat-0mock000000000002",
    },
  },
  // A VPC made with the EC2 console's "VPC only" defaults: DNS hostnames off, and a main route
  // table with the local route alone.
  "vpc-0aaaabbbbccccdddd": {
    cidrBlocks: ["10.20.0.0/16"],
    mainRouteTable: "rtb-0main00000000000b",
    enableDnsHostnames: false,
    subnets: {
      "subnet-0a1a1a1a1a1a1a1a1": { zone: "a" },
      "subnet-0b1b1b1b1b1b1b1b1": { zone: "b" },
      "subnet-0a2a2a2a2a2a2a2a2": { zone: "a" },
      "subnet-0b2b2b2b2b2b2b2b2": { zone: "b" },
    },
    defaultRoutes: {},
  },
};
