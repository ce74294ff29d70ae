/**
 * IPv4 CIDR arithmetic for the VPC we create. The layout is computed here, not by awsx, so
 * that it is a pure, tested function and so that adding an availability zone later never
 * moves the subnets that already exist (each AZ always owns the same quarter of the VPC).
 */

/** AWS reserves the first four and the last address of every subnet. */
const AWS_RESERVED_PER_SUBNET = 5;
/** Each AZ gets a quarter of the VPC, so up to four AZs fit without renumbering. */
const AZ_BLOCK_BITS = 2;
/** Private subnet: the first half of its AZ's block (agents, controller, EFS, endpoints). */
const PRIVATE_BITS = AZ_BLOCK_BITS + 1;
/** Public subnet: an eighth of the AZ's block after the private half (ALB and NAT only). */
const PUBLIC_BITS = AZ_BLOCK_BITS + 3;

export interface Cidr {
  readonly base: number; // network address as an unsigned 32-bit integer
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Cidr | undefined {
  const match = CIDR_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % 2 ** (32 - prefix) !== 0) return undefined;
  return { base, prefix };
}

export function formatCidr({ base, prefix }: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/** Addresses in a block. */
export function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** The `index`-th block of `prefix` inside `parent`. */
function subBlock(parent: Cidr, prefix: number, index: number): Cidr {
  return { base: parent.base + index * 2 ** (32 - prefix), prefix };
}

export interface SubnetLayout {
  /** One private subnet per AZ, in AZ order. */
  readonly privateCidrs: string[];
  /** One public subnet per AZ, in AZ order. */
  readonly publicCidrs: string[];
  /** IP addresses usable by tasks across all private subnets. */
  readonly privateCapacity: number;
}

/** Lays out one private and one public subnet per AZ inside `vpc`. */
export function layoutSubnets(vpc: Cidr, availabilityZones: number): SubnetLayout {
  const privateCidrs: string[] = [];
  const publicCidrs: string[] = [];
  for (let az = 0; az < availabilityZones; az++) {
    const azBlock = subBlock(vpc, vpc.prefix + AZ_BLOCK_BITS, az);
    privateCidrs.push(formatCidr(subBlock(azBlock, vpc.prefix + PRIVATE_BITS, 0)));
    // Public subnets sit right after the private half: index 4 of the AZ block's eighths.
    publicCidrs.push(formatCidr(subBlock(azBlock, vpc.prefix + PUBLIC_BITS, 4)));
  }
  const privateSubnetSize = 2 ** (32 - vpc.prefix - PRIVATE_BITS);
  return {
    privateCidrs,
    publicCidrs,
    privateCapacity: availabilityZones * (privateSubnetSize - AWS_RESERVED_PER_SUBNET),
  };
}

/** Whether two blocks share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** Whether `inner` lies entirely within `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

/** How many Availability Zones the stack's private subnets span: one subnet each, created or adopted. */
export function availabilityZoneCount(
  network: { readonly mode: "create"; readonly availabilityZones: number } | { readonly mode: "adopt"; readonly privateSubnetIds: readonly string[] },
): number {
  return network.mode === "create" ? network.availabilityZones : network.privateSubnetIds.length;
}
