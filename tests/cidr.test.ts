import * as assert from "assert";
import { contains, layoutSubnets, overlaps, parseCidr, formatCidr, Cidr } from "../lib/aws/cidr";
import { MAX_CONCURRENT_AGENTS } from "../lib/config/keys";

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  assert.ok(parsed, `${text} should parse`);
  return parsed;
};

describe("subnet layout of a created VPC", () => {
  // Property-style: every VPC size the config accepts, at every AZ count it accepts, in several ranges.
  const bases = ["10.0.0.0", "10.128.0.0", "172.16.0.0", "192.168.0.0"];
  for (const base of bases) {
    for (const prefix of [16, 17, 18, 19]) {
      for (const azs of [2, 3]) {
        const vpcText = `${base}/${prefix}`;
        it(`${vpcText} with ${azs} AZs: subnets inside the VPC, disjoint, room for ${MAX_CONCURRENT_AGENTS} agents`, () => {
          const vpc = cidr(vpcText);
          const layout = layoutSubnets(vpc, azs);
          const all = [...layout.privateCidrs, ...layout.publicCidrs].map(cidr);
          assert.strictEqual(layout.privateCidrs.length, azs);
          assert.strictEqual(layout.publicCidrs.length, azs);
          for (const subnet of all) assert.ok(contains(vpc, subnet), `${formatCidr(subnet)} is outside ${vpcText}`);
          for (let i = 0; i < all.length; i++) {
            for (let j = i + 1; j < all.length; j++) {
              assert.ok(!overlaps(all[i], all[j]), `${formatCidr(all[i])} overlaps ${formatCidr(all[j])}`);
            }
          }
          assert.ok(layout.privateCapacity >= MAX_CONCURRENT_AGENTS, `capacity ${layout.privateCapacity}`);
          // An ALB needs at least a /27 with 8 free addresses in each public subnet.
          for (const pub of layout.publicCidrs.map(cidr)) assert.ok(pub.prefix <= 27);
        });
      }
    }
  }

  it("keeps existing subnets when an AZ is added", () => {
    const vpc = cidr("10.0.0.0/16");
    const two = layoutSubnets(vpc, 2);
    const three = layoutSubnets(vpc, 3);
    assert.deepStrictEqual(three.privateCidrs.slice(0, 2), two.privateCidrs);
    assert.deepStrictEqual(three.publicCidrs.slice(0, 2), two.publicCidrs);
  });

  it("counts AWS's five reserved addresses per subnet", () => {
    // /16 → private /19 per AZ: 8192 addresses, 5 reserved.
    assert.strictEqual(layoutSubnets(cidr("10.0.0.0/16"), 2).privateCapacity, 2 * (8192 - 5));
  });

  it("parses only network addresses", () => {
    assert.strictEqual(parseCidr("10.0.0.1/16"), undefined);
    assert.strictEqual(parseCidr("10.0.0.256/24"), undefined);
    assert.strictEqual(parseCidr("10.0.0.0/33"), undefined);
    assert.strictEqual(formatCidr(cidr("172.31.0.0/16")), "172.31.0.0/16");
  });
});
