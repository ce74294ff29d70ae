/**
 * The network section: a VPC the stack creates (CIDR, zones, NAT gateways) or one it adopts
 * (VPC and subnet ids, never mixed), the interface endpoints, and the Cloud Map namespace.
 */
import type { NetworkSettings } from "../settings";
import { layoutSubnets, parseCidr } from "../aws/cidr";
import { defaultNamespace } from "../aws/naming";
import { ADOPT_KEYS, CREATE_KEYS, DEFAULTS, MAX_CONCURRENT_AGENTS, NAT_GATEWAY_MODES, PROJECT } from "./keys";
import { ConfigReader } from "./reader";
import { DOMAIN_PATTERN } from "./stack";

const VPC_ID_PATTERN = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID_PATTERN = /^subnet-[0-9a-f]{8,17}$/;

export function readNetwork(r: ConfigReader): NetworkSettings {
  const createGiven = CREATE_KEYS.filter((k) => r.has(k));
  const adoptGiven = ADOPT_KEYS.filter((k) => r.has(k));

  if (adoptGiven.length > 0) {
    for (const k of createGiven) {
      r.problem(
        k,
        r.text(k),
        `it cannot be combined with ${adoptGiven.map((a) => r.key(a)).join(", ")}: either create a VPC (${CREATE_KEYS.join(", ")}) or adopt an existing one (${ADOPT_KEYS.join(", ")}), not both`,
      );
    }
    for (const k of ADOPT_KEYS.filter((k) => !adoptGiven.includes(k))) {
      r.missing(k, `adopting an existing VPC needs ${ADOPT_KEYS.map((a) => r.key(a)).join(", ")} together`);
    }
    const vpcId = r.string("vpcId", (v) => VPC_ID_PATTERN.test(v), "expected a VPC id such as \"vpc-0123456789abcdef0\"") ?? "";
    const subnets = (k: "publicSubnetIds" | "privateSubnetIds"): string[] => {
      const ids = r.list(k);
      if (ids === undefined) return [];
      const allowed = "expected at least two subnet ids (one per availability zone) such as [\"subnet-0123456789abcdef0\", \"subnet-0fedcba9876543210\"]";
      if (ids.length < 2 || ids.some((id) => !SUBNET_ID_PATTERN.test(id)) || new Set(ids).size !== ids.length) {
        r.problem(k, ids, allowed);
      }
      return ids;
    };
    const publicSubnetIds = subnets("publicSubnetIds");
    const privateSubnetIds = subnets("privateSubnetIds");
    const shared = publicSubnetIds.filter((id) => privateSubnetIds.includes(id));
    if (shared.length > 0) {
      r.problem("privateSubnetIds", privateSubnetIds, `expected subnets distinct from jenkins-ecs:publicSubnetIds (both list ${shared.join(", ")})`);
    }
    return { mode: "adopt", vpcId, publicSubnetIds, privateSubnetIds };
  }

  const availabilityZones = r.integer("availabilityZones", DEFAULTS.availabilityZones, 2, 3);
  const natGateways = r.oneOf("natGateways", DEFAULTS.natGateways, NAT_GATEWAY_MODES);
  const cidrText = r.text("vpcCidr") ?? DEFAULTS.vpcCidr;
  const cidr = parseCidr(cidrText);
  if (!cidr || cidr.prefix < 16 || cidr.prefix > 28) {
    r.problem("vpcCidr", cidrText, "expected an IPv4 network address with a prefix from /16 to /28 (AWS's VPC limits), such as \"10.0.0.0/16\"");
  } else {
    const capacity = layoutSubnets(cidr, availabilityZones).privateCapacity;
    if (capacity < MAX_CONCURRENT_AGENTS) {
      r.problem(
        "vpcCidr",
        cidrText,
        `its private subnets would hold ${capacity} tasks in ${availabilityZones} AZs, fewer than the ${MAX_CONCURRENT_AGENTS} concurrent agents this stack is sized for; use a prefix of /19 or shorter, such as "10.0.0.0/16"`,
      );
    }
  }
  return { mode: "create", cidr: cidrText, availabilityZones, natGateways };
}

/** Interface endpoints in the private subnets. */
export function readVpcEndpoints(r: ConfigReader): boolean {
  return r.boolean("vpcEndpoints", DEFAULTS.vpcEndpoints);
}

/** The Cloud Map namespace; unique per stack by default, so two stacks in one VPC (or account) never share a name. */
export function readDiscoveryNamespace(r: ConfigReader, stack: string): string {
  return (
    r.string("discoveryNamespace", (v) => DOMAIN_PATTERN.test(v), "expected a lower-case DNS name such as \"jenkins-dev.internal\"") ??
    defaultNamespace(PROJECT, stack)
  );
}
