import * as assert from "assert";
import { Graph, expectOne, findAll, runStack } from "./helpers";
import { MOCK_ADOPTED_VPC_CIDR } from "../offline/mocks";
import { parseCidr, contains } from "../lib/cidr";

const VPC = "awsx:ec2:Vpc";

describe("network", () => {
  const expectations = { dev: { azs: 2, nat: "Single" }, prod: { azs: 3, nat: "OnePerAz" } } as const;
  for (const [stack, expected] of Object.entries(expectations)) {
    describe(`GIVEN the ${stack} stack`, () => {
      let graph: Graph;
      before(async () => (graph = await runStack(stack)));

      it(`hands awsx ${expected.azs} AZs, NAT strategy ${expected.nat} and the 10.0.0.0/16 CIDR`, () => {
        expectOne(graph, VPC, { numberOfAvailabilityZones: expected.azs, natGateways: { strategy: expected.nat }, cidrBlock: "10.0.0.0/16" });
      });

      it("creates one public and one private subnet per AZ, inside the VPC, DNS on", () => {
        const vpc = expectOne(graph, VPC, { enableDnsHostnames: true, enableDnsSupport: true });
        const specs = vpc.inputs.subnetSpecs as { type: string; cidrBlocks: string[] }[];
        assert.deepStrictEqual(specs.map((s) => s.type).sort(), ["Private", "Public"]);
        for (const spec of specs) {
          assert.strictEqual(spec.cidrBlocks.length, expected.azs);
          for (const block of spec.cidrBlocks) assert.ok(contains(parseCidr("10.0.0.0/16")!, parseCidr(block)!));
        }
      });

      it("passes the VPC's subnet ids to the stack outputs", () => {
        const vpc = expectOne(graph, VPC);
        assert.strictEqual(graph.outputs.vpcId, vpc.state.vpcId);
        assert.deepStrictEqual(graph.outputs.privateSubnetIds, vpc.state.privateSubnetIds);
        assert.deepStrictEqual(graph.outputs.publicSubnetIds, vpc.state.publicSubnetIds);
      });
    });
  }

  it("GIVEN vpcCidr and availabilityZones overridden THEN awsx gets them", async () => {
    const graph = await runStack("dev", { "jenkins-ecs:vpcCidr": "172.20.0.0/18", "jenkins-ecs:availabilityZones": "3" });
    expectOne(graph, VPC, { cidrBlock: "172.20.0.0/18", numberOfAvailabilityZones: 3 });
  });

  describe("GIVEN an existing VPC to adopt", () => {
    const adopt = {
      "jenkins-ecs:availabilityZones": undefined,
      "jenkins-ecs:natGateways": undefined,
      "jenkins-ecs:vpcId": "vpc-0123456789abcdef0",
      "jenkins-ecs:publicSubnetIds": '["subnet-0aaaaaaaaaaaaaaaa","subnet-0bbbbbbbbbbbbbbbb"]',
      "jenkins-ecs:privateSubnetIds": '["subnet-0cccccccccccccccc","subnet-0dddddddddddddddd"]',
    };
    let graph: Graph;
    before(async () => (graph = await runStack("dev", adopt)));

    it("registers no VPC, subnet, NAT gateway or route", () => {
      assert.deepStrictEqual(findAll(graph, VPC), []);
      assert.deepStrictEqual(graph.resources.filter((r) => /^aws:ec2\/(vpc|subnet|natGateway|route|routeTable|internetGateway|eip):/.test(r.type)), []);
    });

    it("passes the given ids through", () => {
      assert.strictEqual(graph.outputs.vpcId, "vpc-0123456789abcdef0");
      assert.deepStrictEqual(graph.outputs.publicSubnetIds, ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]);
      assert.deepStrictEqual(graph.outputs.privateSubnetIds, ["subnet-0cccccccccccccccc", "subnet-0dddddddddddddddd"]);
    });

    it("reads the VPC's CIDR from AWS", () => {
      const network = expectOne(graph, "jenkins-ecs:network:Network");
      assert.strictEqual(network.state.vpcCidr, MOCK_ADOPTED_VPC_CIDR);
    });
  });
});
