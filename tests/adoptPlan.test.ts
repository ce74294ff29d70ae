/** The offline plan of a stack that adopts a VPC the mocks do not know: made up and marked, or read from a file. */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ASSUMED, NETWORK_FILE_COMMANDS, NetworkFileError, assumeNetwork, networkFromFile } from "../offline/network";
import { MOCK_VPCS } from "../offline/mocks";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { render } from "../offline/plan";
import { contains, parseCidr } from "../lib/aws/cidr";
import { adoptMode, errorOf, expectOne, findAll, runWithConfig, stackConfig } from "./helpers";
import { npmRun } from "./npmRun";

// Ids of a user's own VPC, well-formed and unknown to the mocked account.
const MINE = { vpcId: "vpc-0f1e2d3c4b5a69788", privateSubnetIds: ["subnet-0a0000000000000a1", "subnet-0b0000000000000b2"], publicSubnetIds: ["subnet-0c0000000000000c3", "subnet-0d0000000000000d4"] };
const mineNetwork = { mode: "adopt" as const, ...MINE };

// A user's stack file, as the README tells them to write it from examples/Pulumi.adopt-vpc.yaml.
const mineStack = `test-adopt-${process.pid}`;
const mineFile = path.join(PROJECT_ROOT, `Pulumi.${mineStack}.yaml`);
const example = fs.readFileSync(path.join(PROJECT_ROOT, "examples", "Pulumi.adopt-vpc.yaml"), "utf8");
fs.writeFileSync(
  mineFile,
  example
    .replace(/vpc-0123456789abcdef0/, MINE.vpcId)
    .replace("subnet-0aaaaaaaaaaaaaaaa", MINE.publicSubnetIds[0])
    .replace("subnet-0bbbbbbbbbbbbbbbb", MINE.publicSubnetIds[1])
    .replace("subnet-0cccccccccccccccc", MINE.privateSubnetIds[0])
    .replace("subnet-0dddddddddddddddd", MINE.privateSubnetIds[1]),
);
const minePlan = npmRun("plan", "--stack", mineStack);
// A network file without the DNS attributes: the command refuses it before running anything.
const partialFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "network-")), "network.json");
fs.writeFileSync(partialFile, JSON.stringify({ Vpcs: [], Subnets: [], RouteTables: [] }));
const partialPlan = npmRun("plan", "--stack", mineStack, "--network", partialFile);

/** What the five commands of the README print for MINE, merged by `jq -s add` (field names of the EC2 API, as the AWS CLI prints them). */
function describeOutput(overrides: { dnsHostnames?: boolean; privateDefaultRoute?: object } = {}): object {
  const subnet = (id: string, zone: string, cidr: string) => ({ SubnetId: id, VpcId: MINE.vpcId, AvailabilityZone: `eu-west-1${zone}`, CidrBlock: cidr, State: "available", MapPublicIpOnLaunch: false });
  return {
    Vpcs: [
      {
        VpcId: MINE.vpcId,
        CidrBlock: "10.40.0.0/16",
        State: "available",
        CidrBlockAssociationSet: [
          { AssociationId: "vpc-cidr-assoc-1", CidrBlock: "10.40.0.0/16", CidrBlockState: { State: "associated" } },
          { AssociationId: "vpc-cidr-assoc-2", CidrBlock: "100.64.0.0/16", CidrBlockState: { State: "associated" } },
          { AssociationId: "vpc-cidr-assoc-3", CidrBlock: "10.99.0.0/16", CidrBlockState: { State: "disassociated" } },
        ],
      },
    ],
    Subnets: [subnet(MINE.privateSubnetIds[0], "a", "10.40.0.0/19"), subnet(MINE.privateSubnetIds[1], "b", "10.40.32.0/19"), subnet(MINE.publicSubnetIds[0], "a", "10.40.128.0/24"), subnet(MINE.publicSubnetIds[1], "b", "10.40.129.0/24")],
    RouteTables: [
      {
        RouteTableId: "rtb-0aaaa1111bbbb2222",
        VpcId: MINE.vpcId,
        Associations: [{ Main: true, RouteTableAssociationId: "rtbassoc-01", RouteTableId: "rtb-0aaaa1111bbbb2222" }],
        Routes: [{ DestinationCidrBlock: "10.40.0.0/16", GatewayId: "local", State: "active" }, { DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-0blackhole000001", State: "blackhole" }],
      },
      {
        RouteTableId: "rtb-0cccc3333dddd4444",
        VpcId: MINE.vpcId,
        Associations: MINE.privateSubnetIds.map((SubnetId) => ({ Main: false, SubnetId, RouteTableId: "rtb-0cccc3333dddd4444" })),
        Routes: [{ DestinationCidrBlock: "10.40.0.0/16", GatewayId: "local", State: "active" }, overrides.privateDefaultRoute ?? { DestinationCidrBlock: "0.0.0.0/0", TransitGatewayId: "tgw-0egress0000000001", State: "active" }],
      },
      {
        RouteTableId: "rtb-0eeee5555ffff6666",
        VpcId: MINE.vpcId,
        Associations: MINE.publicSubnetIds.map((SubnetId) => ({ Main: false, SubnetId, RouteTableId: "rtb-0eeee5555ffff6666" })),
        Routes: [{ DestinationCidrBlock: "10.40.0.0/16", GatewayId: "local", State: "active" }, { DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-0public000000001", State: "active" }],
      },
    ],
    VpcId: MINE.vpcId,
    EnableDnsSupport: { Value: true },
    EnableDnsHostnames: { Value: overrides.dnsHostnames ?? true },
  };
}

describe("offline plan of an adopted VPC the mocks do not know", function () {
  this.timeout(60000);
  after(async () => {
    await Promise.all([minePlan, partialPlan]);
    fs.rmSync(mineFile, { force: true });
    fs.rmSync(path.dirname(partialFile), { recursive: true, force: true });
  });

  describe("GIVEN no --network file THEN it assumes a plausible network and says so", () => {
    const assumed = assumeNetwork(mineNetwork, "eu-west-1");
    const vpc = assumed.vpcs[MINE.vpcId];

    it("DNS on; zones a, b… in each list's order; private subnets through a NAT gateway, public ones through an internet gateway", () => {
      assert.strictEqual(assumed.source, ASSUMED);
      assert.deepStrictEqual([vpc.enableDnsSupport, vpc.enableDnsHostnames], [true, true]);
      assert.deepStrictEqual(MINE.privateSubnetIds.map((id) => vpc.subnets[id].zone), ["a", "b"]);
      assert.deepStrictEqual(MINE.publicSubnetIds.map((id) => vpc.subnets[id].zone), ["a", "b"]);
      for (const id of MINE.privateSubnetIds) assert.match(vpc.defaultRoutes[vpc.subnets[id].routeTable!], /^nat-/);
      for (const id of MINE.publicSubnetIds) assert.match(vpc.defaultRoutes[vpc.subnets[id].routeTable!], /^igw-/);
    });

    it("CIDRs derived from the ids: each subnet inside the VPC's block, none overlapping, the same on every run", () => {
      const block = parseCidr(vpc.cidrBlocks[0])!;
      const cidrs = [...MINE.privateSubnetIds, ...MINE.publicSubnetIds].map((id) => vpc.subnets[id].cidrBlock!);
      for (const cidr of cidrs) assert.ok(contains(block, parseCidr(cidr)!), `${cidr} outside ${vpc.cidrBlocks[0]}`);
      assert.strictEqual(new Set(cidrs).size, cidrs.length);
      assert.deepStrictEqual(assumeNetwork(mineNetwork, "eu-west-1"), assumed);
      assert.notDeepStrictEqual(assumeNetwork({ ...mineNetwork, vpcId: "vpc-0aaaaaaaaaaaaaaa1" }, "eu-west-1").vpcs["vpc-0aaaaaaaaaaaaaaa1"].cidrBlocks, vpc.cidrBlocks);
    });

    it("lists every fact it made up: the VPC and each subnet", () => {
      assert.deepStrictEqual(assumed.assumed.map((f) => f.id), [MINE.vpcId, ...MINE.privateSubnetIds, ...MINE.publicSubnetIds]);
      assert.match(assumed.assumed[1].fact, /private subnet in vpc-0f1e2d3c4b5a69788, zone eu-west-1a, CIDR 10\.\d+\.0\.0\/20; route table rtb-\w+ sends 0\.0\.0\.0\/0 to a NAT gateway/);
    });

    it("ids the mocked account knows are answered from it, nothing assumed", () => {
      const known = assumeNetwork({ mode: "adopt", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0cccccccccccccccc", "subnet-0dddddddddddddddd"], publicSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"] }, "eu-west-1");
      assert.deepStrictEqual([known.vpcs, known.assumed], [MOCK_VPCS, []]);
    });

    it("npm run plan of the user's stack runs, marks the made-up facts in the tree and warns on stderr", async () => {
      const { status, stdout, stderr } = await minePlan;
      assert.strictEqual(status, 0, stderr);
      assert.match(stderr, /ASSUMED OFFLINE: 5 facts of the adopted network were not looked up but made up/);
      assert.match(stdout, /^ASSUMED OFFLINE: 5 facts/m);
      for (const id of [MINE.vpcId, ...MINE.privateSubnetIds, ...MINE.publicSubnetIds]) assert.match(stdout, new RegExp(`^ {2}\\[assumed offline\\] ${id}: `, "m"));
      // The S3 endpoint's route tables are the made-up ones: the line that shows them is marked.
      assert.match(stdout, /routeTableIds: \["rtb-\w+"(,"rtb-\w+")*\]  \[assumed offline\]$/m);
      assert.match(stdout, /^ {2}vpcId: vpc-0f1e2d3c4b5a69788$/m);
    });

    it("--json carries the same facts in assumedOffline", async () => {
      const graph = await runWithConfig("dev", stackConfig("dev", adoptMode(MINE.privateSubnetIds, MINE.publicSubnetIds, MINE.vpcId)), undefined, { vpcs: assumed.vpcs });
      const doc = JSON.parse(render(graph, "json", assumed.assumed));
      assert.deepStrictEqual(doc.assumedOffline, assumed.assumed.map(({ id, fact }) => ({ id, fact })));
      assert.deepStrictEqual(JSON.parse(render(graph, "json")).assumedOffline, []);
    });
  });

  describe("GIVEN --network with the VPC's real facts THEN the plan runs the checks of a real preview", () => {
    const fromFile = (doc: object) => networkFromFile(JSON.stringify(doc), "network.json", "eu-west-1");
    const config = { ...adoptMode(MINE.privateSubnetIds, MINE.publicSubnetIds, MINE.vpcId), "jenkins-ecs:vpcEndpoints": "true" };
    const run = (doc: object) => runWithConfig("dev", stackConfig("dev", config), undefined, { vpcs: fromFile(doc).vpcs });

    it("reads CIDR blocks (associated ones only), zones, explicit and main route tables, default routes (no blackholes) and DNS attributes", () => {
      const network = fromFile(describeOutput());
      assert.deepStrictEqual(network.assumed, []);
      const vpc = network.vpcs[MINE.vpcId];
      assert.deepStrictEqual(vpc.cidrBlocks, ["10.40.0.0/16", "100.64.0.0/16"]);
      assert.strictEqual(vpc.mainRouteTable, "rtb-0aaaa1111bbbb2222");
      assert.deepStrictEqual(vpc.subnets[MINE.privateSubnetIds[1]], { zone: "b", routeTable: "rtb-0cccc3333dddd4444", cidrBlock: "10.40.32.0/19" });
      assert.deepStrictEqual(vpc.defaultRoutes, { "rtb-0cccc3333dddd4444": "tgw-0egress0000000001", "rtb-0eeee5555ffff6666": "igw-0public000000001" });
    });

    it("a healthy file plans with its CIDRs and route tables, nothing assumed", async () => {
      const graph = await run(describeOutput());
      const list = expectOne(graph, "aws:ec2/managedPrefixList:ManagedPrefixList");
      assert.deepStrictEqual(list.inputs.entries.map((e: { cidr: string }) => e.cidr), ["10.40.0.0/16", "100.64.0.0/16"]);
      const s3 = findAll(graph, "aws:ec2/vpcEndpoint:VpcEndpoint", { vpcEndpointType: "Gateway" });
      assert.deepStrictEqual(s3.map((e) => e.inputs.routeTableIds), [["rtb-0cccc3333dddd4444"]]);
    });

    it("refuses what preview would: DNS hostnames off, a private subnet routed to the internet gateway, a subnet not in the file", async () => {
      const dns = await errorOf(() => run(describeOutput({ dnsHostnames: false })));
      assert.match(dns.message, /jenkins-ecs:vpcId: vpc-0f1e2d3c4b5a69788 has enableDnsHostnames off/);
      const igw = await errorOf(() => run(describeOutput({ privateDefaultRoute: { DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-0public000000001", State: "active" } })));
      assert.match(igw.message, /jenkins-ecs:privateSubnetIds: subnet-0a0000000000000a1 routes 0\.0\.0\.0\/0 to the internet gateway igw-0public000000001/);
      const doc: any = describeOutput();
      doc.Subnets = doc.Subnets.slice(1);
      const missing = await errorOf(() => run(doc));
      assert.match(missing.message, /jenkins-ecs:privateSubnetIds: subnet-0a0000000000000a1 could not be looked up: InvalidSubnetID\.NotFound/);
    });

    it("refuses a file it cannot use, saying which command's output is missing and how to make the file", async () => {
      const without = (key: string) => Object.fromEntries(Object.entries(describeOutput()).filter(([k]) => k !== key));
      const refused = async (text: string, region = "eu-west-1") => {
        const err = await errorOf(() => networkFromFile(text, "network.json", region));
        assert.ok(err instanceof NetworkFileError);
        assert.ok(NETWORK_FILE_COMMANDS.every((c) => err.message.includes(c)), "names every command");
        return err.message;
      };
      assert.match(await refused("{"), /^--network network\.json: not JSON/);
      assert.match(await refused(JSON.stringify(without("RouteTables"))), /no RouteTables list/);
      assert.match(await refused(JSON.stringify(without("EnableDnsHostnames"))), /no EnableDnsHostnames\.Value \(aws ec2 describe-vpc-attribute --attribute enableDnsHostnames\)/);
      assert.match(await refused(JSON.stringify(describeOutput()), "us-east-1"), /is in eu-west-1a, not in the stack's region us-east-1/);
    });

    it("npm run plan -- --network names the file's problem on stderr and exits 1, without a stack trace", async () => {
      const { status, stdout, stderr } = await partialPlan;
      assert.deepStrictEqual([status, stdout], [1, ""]);
      assert.match(stderr, new RegExp(`^--network ${partialFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: no EnableDnsSupport\.Value`));
      assert.doesNotMatch(stderr, /\n\s+at .+[:(]\d+/);
    });
  });
});

