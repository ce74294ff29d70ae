import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ADOPTED, Graph, adoptMode, errorOf, expectOne, findAll, runStack, stackConfig } from "./helpers";
import { runProgram } from "../offline/run";
import { MOCK_ADOPTED_VPC_CIDR, MOCK_VPCS, createMocks } from "../offline/mocks";
import { MAX_VPC_CIDR_BLOCKS, adoptedNetworkProblems } from "../lib/aws/adoptedNetwork";
import { parseCidr, contains } from "../lib/aws/cidr";

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
    let graph: Graph;
    before(async () => (graph = await runStack("dev", adoptMode())));

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

// awsx.ec2.Vpc and awsx.ecr.Image run remotely: under mocks their logic never runs, so every
// default of theirs this program relies on is pinned here by the input that overrides it.
describe("awsx defaults the program overrides", () => {
  it("subnetStrategy is Auto: awsx 3.x defaults to Legacy, which ignores explicit cidrBlocks", async () => {
    // pulumi/pulumi-awsx v3.8.0 awsx/ec2/vpc.ts: `const subnetStrategy = args.subnetStrategy ?? "Legacy"`;
    // the Legacy allocator (subnetDistributorLegacy.ts) never reads cidrBlocks.
    const vpc = expectOne(await runStack("dev"), VPC);
    assert.strictEqual(vpc.inputs.subnetStrategy, "Auto");
    assert.ok(vpc.inputs.subnetSpecs.every((s: { cidrBlocks?: string[] }) => s.cidrBlocks && s.cidrBlocks.length === 2));
  });

  it("the offline mocks refuse a VPC whose cidrBlocks awsx would ignore or refuse", () => {
    const mocks = createMocks("eu-west-1");
    const inputs = { numberOfAvailabilityZones: 2, subnetSpecs: [{ type: "Private", cidrBlocks: ["10.0.0.0/19", "10.0.64.0/19"] }] };
    const register = (extra: object) => () => mocks.newResource({ type: VPC, name: "vpc", inputs: { ...inputs, ...extra }, custom: false } as any);
    assert.throws(register({}), /subnetStrategy "Legacy" ignores or refuses explicit cidrBlocks/);
    assert.throws(register({ subnetStrategy: "AutoMerge" }), /"AutoMerge"/);
    assert.throws(register({ subnetStrategy: "Auto", numberOfAvailabilityZones: 3 }), /must match the number of availability zones \(3\)/);
    assert.doesNotThrow(register({ subnetStrategy: "Auto" }));
  });

  it("DNS hostnames and support are on and the NAT strategy and AZ count are explicit (AWS defaults hostnames off; awsx picks 3 AZs and OnePerAz)", async () => {
    // awsx v3.8.0 vpc.ts: `args.natGateways?.strategy ?? "OnePerAz"`, getDefaultAzs: `azCount ?? 3`.
    for (const stack of ["dev", "prod"]) {
      const vpc = expectOne(await runStack(stack), VPC);
      assert.deepStrictEqual(
        [vpc.inputs.enableDnsHostnames, vpc.inputs.enableDnsSupport, typeof vpc.inputs.numberOfAvailabilityZones, typeof vpc.inputs.natGateways?.strategy],
        [true, true, "number", "string"],
      );
    }
  });

  it("every image is built for an explicit platform: awsx otherwise builds for the machine running pulumi up", async () => {
    // awsx v3.8.0 awsx/ecr/image.ts: `platforms: dockerInputs.platform ? [...] : []`.
    for (const stack of ["dev", "prod"]) {
      const images = findAll(await runStack(stack), "awsx:ecr:Image");
      assert.ok(images.length > 0);
      for (const image of images) assert.match(image.inputs.platform, /^linux\/(amd64|arm64)$/, image.name);
    }
  });
});

describe("an adopted VPC, checked against what EC2 says of it", () => {
  const adopt = (privateSubnets: readonly string[], publicSubnets?: readonly string[], vpcId?: string) => ({ ...adoptMode(privateSubnets, publicSubnets, vpcId), "jenkins-ecs:vpcEndpoints": "true" });
  /** The error of a run, and how many resources it had registered when it stopped. */
  async function refusal(config: Record<string, string | undefined>): Promise<{ err: Error; registered: number }> {
    let registered = -1;
    const err = await errorOf(async () => {
      try {
        await runProgram("dev", stackConfig("dev", config));
      } finally {
        registered = require("@pulumi/pulumi/runtime/settings").getMonitor().resources.size;
      }
    });
    return { err, registered };
  }

  it("refuses two private subnets in one Availability Zone, naming the key and the zone, before registering a single resource", async () => {
    const { err, registered } = await refusal(adopt(["subnet-0cccccccccccccccc", "subnet-0ffffffffffffffff"]));
    assert.strictEqual(err.name, "AdoptedNetworkError", String(err));
    assert.match(err.message, /jenkins-ecs:privateSubnetIds: subnet-0cccccccccccccccc and subnet-0ffffffffffffffff are all in eu-west-1a; EFS allows one mount target per zone/);
    assert.ok(pulumi.RunError.isInstance(err), "a RunError: the CLI prints the message without a stack trace");
    assert.strictEqual(registered, 0);
  });

  it("refuses a VPC with DNS hostnames off, and a VPC or subnet that does not exist, naming the key", async () => {
    const dnsOff = await refusal(adopt(["subnet-0a1a1a1a1a1a1a1a1", "subnet-0b1b1b1b1b1b1b1b1"], ["subnet-0a2a2a2a2a2a2a2a2", "subnet-0b2b2b2b2b2b2b2b2"], "vpc-0aaaabbbbccccdddd"));
    assert.match(dnsOff.err.message, /jenkins-ecs:vpcId: vpc-0aaaabbbbccccdddd has enableDnsHostnames off/);
    assert.strictEqual(dnsOff.registered, 0);
    const noVpc = await refusal(adopt(["subnet-0cccccccccccccccc", "subnet-0dddddddddddddddd"], undefined, "vpc-0999999999999999f"));
    assert.match(noVpc.err.message, /jenkins-ecs:vpcId: vpc-0999999999999999f could not be looked up: .*InvalidVpcID\.NotFound/);
    const noSubnet = await refusal(adopt(["subnet-0cccccccccccccccc", "subnet-0999999999999999f"]));
    assert.match(noSubnet.err.message, /jenkins-ecs:privateSubnetIds: subnet-0999999999999999f could not be looked up: .*InvalidSubnetID\.NotFound/);
  });

  it("refuses private subnets that route to an internet gateway, or nowhere without endpoints, naming the subnet and its route table", async () => {
    const [a, b] = ["subnet-0cccccccccccccccc", "subnet-01111111111111111"];
    const isolated = await refusal({ ...adopt([a, b]), "jenkins-ecs:vpcEndpoints": "false" });
    assert.strictEqual(isolated.registered, 0);
    assert.match(isolated.err.message, /jenkins-ecs:privateSubnetIds: subnet-01111111111111111 has no route to 0\.0\.0\.0\/0 \(route table rtb-0isolated00000001\).*or set jenkins-ecs:vpcEndpoints: true/);
    assert.doesNotMatch(isolated.err.message, /subnet-0cccccccccccccccc/, "the subnet routed through a NAT gateway is fine");
    const publicOne = await refusal(adopt([a, "subnet-02222222222222222"]));
    assert.match(publicOne.err.message, /jenkins-ecs:privateSubnetIds: subnet-02222222222222222 routes 0\.0\.0\.0\/0 to the internet gateway igw-0mock000000000001 \(route table rtb-0public0000000001\): it is a public subnet/);
  });

  it("refuses public subnets without a route to an internet gateway for an internet-facing load balancer", async () => {
    const natRouted = ["subnet-0ffffffffffffffff", "subnet-0eeeeeeeeeeeeeeee"];
    const internetFacing = await refusal(adopt(ADOPTED.privateSubnetIds, natRouted));
    const lines = internetFacing.err.message.split("\n").filter((l) => l.includes("jenkins-ecs:publicSubnetIds"));
    assert.deepStrictEqual(lines.map((l) => l.match(/subnet-\w+/)?.[0]), natRouted);
    assert.match(lines[0], /route table rtb-0private000000001 sends it to nat-0mock000000000001\); an internet-facing load balancer there cannot be reached/);
  });

  it("asks no default route of private subnets with interface endpoints, and no internet gateway of public ones for an internal load balancer", async () => {
    // Each run is refused for the other reason, so the refusal shows which check ran.
    const isolated = ["subnet-0cccccccccccccccc", "subnet-01111111111111111"];
    const natRouted = ["subnet-0ffffffffffffffff", "subnet-0eeeeeeeeeeeeeeee"];
    const withEndpoints = await refusal(adopt(isolated, natRouted));
    assert.match(withEndpoints.err.message, /jenkins-ecs:publicSubnetIds: subnet-0ffffffffffffffff/);
    assert.doesNotMatch(withEndpoints.err.message, /jenkins-ecs:privateSubnetIds/);
    const internal = await refusal({ ...adopt(isolated, natRouted), "jenkins-ecs:vpcEndpoints": "false", "jenkins-ecs:internalLoadBalancer": "true" });
    assert.match(internal.err.message, /jenkins-ecs:privateSubnetIds: subnet-01111111111111111 has no route/);
    assert.doesNotMatch(internal.err.message, /jenkins-ecs:publicSubnetIds/);
  });

  it("names every other problem of the subnets and the VPC, each with its key", () => {
    const vpc = { id: "vpc-0aaaaaaaaaaaaaaaa", cidrBlocks: ["10.0.0.0/16"], enableDnsSupport: true, enableDnsHostnames: true };
    const subnet = (id: string, zone: string, vpcId = vpc.id) => ({ id, vpcId, availabilityZone: `eu-west-1${zone}` });
    const healthy = adoptedNetworkProblems(vpc, [subnet("subnet-1", "a"), subnet("subnet-2", "b")], [subnet("subnet-3", "a"), subnet("subnet-4", "b")]);
    assert.deepStrictEqual(healthy, []);
    const problems = adoptedNetworkProblems(
      { ...vpc, cidrBlocks: Array.from({ length: MAX_VPC_CIDR_BLOCKS + 1 }, (_, i) => `10.${i}.0.0/16`), enableDnsSupport: false },
      [subnet("subnet-1", "a", "vpc-0bbbbbbbbbbbbbbbb"), subnet("subnet-2", "b")],
      [subnet("subnet-3", "a"), subnet("subnet-4", "a")],
    );
    assert.deepStrictEqual(problems.map((p) => p.split(":")[1]), ["vpcId", "vpcId", "privateSubnetIds", "publicSubnetIds", "publicSubnetIds"]);
    assert.match(problems[0], /enableDnsSupport off/);
    assert.match(problems[1], /6 IPv4 CIDR blocks; at most 5/);
    assert.match(problems[2], /subnet-1 is in vpc-0bbbbbbbbbbbbbbbb, not in jenkins-ecs:vpcId/);
    assert.match(problems[4], /cover 1 Availability Zone; at least two/);
  });

  it("the interface endpoints admit HTTPS from every CIDR block of the VPC, through one prefix list", async () => {
    const graph = await runStack("dev", adopt(["subnet-0cccccccccccccccc", "subnet-0dddddddddddddddd"]));
    const list = expectOne(graph, "aws:ec2/managedPrefixList:ManagedPrefixList");
    assert.deepStrictEqual(list.inputs.entries.map((e: { cidr: string }) => e.cidr), MOCK_VPCS["vpc-0123456789abcdef0"].cidrBlocks);
    assert.strictEqual(list.inputs.maxEntries, MAX_VPC_CIDR_BLOCKS);
    const endpoint = expectOne(graph, "aws:ec2/vpcEndpoint:VpcEndpoint", { serviceName: "com.amazonaws.eu-west-1.ecr.dkr" });
    const rules = findAll(graph, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { securityGroupId: endpoint.inputs.securityGroupIds[0] });
    assert.deepStrictEqual(rules.map((r) => [r.inputs.fromPort, r.inputs.prefixListId, r.inputs.cidrIpv4]), [[443, list.id, undefined]]);
  });
});
