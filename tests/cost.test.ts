import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CostItem, StackShape, buildMinuteCosts, costReport, idleCost, natGatewaySaving, stackShape, total } from "../lib/cost/cost";
import { PRICES, RegionPrices, fargateHourly } from "../lib/cost/prices";
import { parseSettings } from "../lib/config/parse";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { expectedCostSection } from "../commands/docs";
import { parseArgs } from "../offline/plan";
import { Graph, expectOne, findAll, runStack, stackConfig } from "./helpers";

const settingsOf = (stack: string, overrides: Record<string, string | undefined> = {}) => parseSettings(stackConfig(stack, overrides), stack);
const usdOf = (items: readonly CostItem[], prefix: string) => items.find((i) => i.item.startsWith(prefix))?.usd;

describe("cost: the arithmetic, item by item", () => {
  // Round numbers, so each expected figure below is worked out by hand.
  const prices: RegionPrices = {
    fargate: {
      X86_64: { vcpuHour: { usd: 0.04, source: "x" }, gbHour: { usd: 0.005, source: "x" } },
      ARM64: { vcpuHour: { usd: 0.03, source: "x" }, gbHour: { usd: 0.004, source: "x" } },
      storageGbHour: { usd: 0.0001, source: "x" },
    },
    natGatewayHour: { usd: 0.05, source: "x" },
    publicIpv4Hour: { usd: 0.005, source: "x" },
    loadBalancerHour: { usd: 0.02, source: "x" },
    efsStandardGbMonth: { usd: 0.3, source: "x" },
    interfaceEndpointHour: { usd: 0.01, source: "x" },
    secretMonth: { usd: 0.4, source: "x" },
    kmsKeyMonth: { usd: 1, source: "x" },
    alarmMonth: { usd: 0.1, source: "x" },
    dashboardMonth: { usd: 3, source: "x" },
    metricMonth: { usd: 0.3, source: "x" },
  };
  const shape: StackShape = {
    region: "test-1",
    natGateways: 2,
    publicIpv4Addresses: 4,
    controller: { cpu: 2048, memory: 4096 },
    interfaceEndpointAzs: 10,
    alarms: 9,
    dashboards: 1,
    insightsMetrics: 50,
    ownMetrics: 6,
    secrets: 1,
    kmsKeys: 1,
    caches: 3,
  };
  const items = idleCost(shape, prices);

  for (const [item, expected, why] of [
    ["NAT gateways", 73, "2 NAT gateways for 730 hours at 0.05 an hour"],
    ["Public IPv4 addresses", 14.6, "4 addresses for 730 hours at 0.005"],
    ["Load balancer", 14.6, "730 hours at 0.02"],
    ["Controller task", 73, "730 hours of 2 vCPU at 0.04 and 4 GB at 0.005: 0.08 + 0.02 an hour"],
    ["JENKINS_HOME", 1.5, "5 GB at 0.30 a month"],
    ["Agent caches", 1.8, "3 caches of 2 GB at 0.30 a month"],
    ["Interface endpoints", 73, "10 endpoint-AZs for 730 hours at 0.01"],
    ["Alarms", 0.9, "9 alarms at 0.10"],
    ["Dashboard", 3, "one dashboard"],
    ["Container Insights metrics", 15, "50 metrics at 0.30"],
    ["Agent task metrics", 1.8, "6 metrics at 0.30"],
    ["Admin password secret", 0.4, "one secret"],
    ["ECS Exec key", 1, "one KMS key"],
  ] as const) {
    it(`${item}: ${why} = ${expected} USD`, () => assert.ok(Math.abs(usdOf(items, item)! - expected) < 1e-9, `${usdOf(items, item)}`));
  }

  it("the total is the sum of the items, and an item of quantity 0 is left out", () => {
    assert.ok(Math.abs(total(items)! - 273.6) < 1e-9, `${total(items)}`);
    assert.ok(!idleCost({ ...shape, natGateways: 0 }, prices).some((i) => i.item === "NAT gateways"));
    assert.ok(!idleCost({ ...shape, caches: 0 }, prices).some((i) => i.item === "Agent caches"), "no cache, no cache file system");
    assert.ok(!idleCost({ ...shape, kmsKeys: 0 }, prices).some((i) => i.item === "ECS Exec key"), "no ECS Exec, no key");
  });

  it("a task's hourly price: vCPUs and GB at its architecture's rates, storage beyond 20 GB, Spot less its discount", () => {
    assert.ok(Math.abs(fargateHourly(prices, { cpu: 1024, memory: 2048, architecture: "X86_64", spot: false }) - 0.05) < 1e-12);
    assert.ok(Math.abs(fargateHourly(prices, { cpu: 1024, memory: 2048, architecture: "ARM64", spot: false }) - 0.038) < 1e-12);
    assert.ok(Math.abs(fargateHourly(prices, { cpu: 1024, memory: 2048, architecture: "X86_64", spot: false, ephemeralStorageGiB: 50 }) - 0.053) < 1e-12);
    assert.ok(Math.abs(fargateHourly(prices, { cpu: 1024, memory: 2048, architecture: "X86_64", spot: true }) - 0.015) < 1e-12);
  });
});

describe("cost of the checked-in stacks", () => {
  it("dev's idle month in eu-west-1 comes to 108.48 USD", () => {
    // One NAT gateway: 730 h × 0.048 = 35.04. Three public IPv4 addresses (the NAT gateway's and
    // the load balancer's in 2 AZs): 3 × 730 × 0.005 = 10.95. The load balancer: 730 × 0.0252 =
    // 18.396. The controller, 1 vCPU and 2 GB: 730 × (0.04048 + 2 × 0.004445) = 36.0401. EFS,
    // 5 GB × 0.33 = 1.65. Eight alarms (six for the controller, one per template) × 0.10 = 0.80.
    // The dashboard, 3.00. Two metrics per template for two templates, 4 × 0.30 = 1.20. The
    // secret, 0.40. The ECS Exec key, 1.00. No Container Insights, no endpoints in dev.
    const handWorked = 35.04 + 10.95 + 18.396 + 36.0401 + 1.65 + 0.8 + 3 + 1.2 + 0.4 + 1;
    const items = idleCost(stackShape(settingsOf("dev")), PRICES["eu-west-1"]);
    assert.strictEqual(total(items)!.toFixed(2), handWorked.toFixed(2));
    assert.strictEqual(handWorked.toFixed(2), "108.48");
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: for every template's size, Spot is cheaper than on-demand and ARM64 cheaper than x86`, () => {
      for (const t of buildMinuteCosts(settingsOf(stack), PRICES["eu-west-1"])) {
        assert.ok(t.spotX86 < t.onDemandX86 && t.spotArm64 < t.onDemandArm64, t.label);
        assert.ok(t.onDemandArm64 < t.onDemandX86 && t.spotArm64 < t.spotX86, t.label);
      }
    });
  }

  it("an unknown region prints the breakdown without prices and says why", () => {
    const report = costReport(settingsOf("dev", { "aws:region": "ap-southeast-7", "jenkins-ecs:certificateArn": "arn:aws:acm:ap-southeast-7:123456789012:certificate/00000000-0000-0000-0000-000000000000" }));
    assert.match(report, /no prices for ap-southeast-7 in lib\/cost\/prices\.ts/);
    assert.match(report, /NAT gateways\s+1 NAT gateway × 730 h\n/);
    assert.doesNotMatch(report, /Total|Agent cost per build minute/);
  });

  it("the report is labelled approximate and dated", () => {
    assert.match(costReport(settingsOf("prod")), /approximate, list prices of \w+ \d{4}/);
  });
});

describe("cost: the shape counted from settings is what the program deploys", () => {
  for (const [what, stack, overrides] of [
    ["dev", "dev", {}],
    ["prod with endpoints and bursting EFS", "prod", { "jenkins-ecs:vpcEndpoints": "true", "jenkins-ecs:fileSystemThroughputMode": "bursting" }],
    ["dev with an internal load balancer", "dev", { "jenkins-ecs:internalLoadBalancer": "true" }],
  ] as const) {
    it(what, async () => {
      const graph: Graph = await runStack(stack, overrides);
      const shape = stackShape(settingsOf(stack, overrides));
      const vpc = expectOne(graph, "awsx:ec2:Vpc").inputs;
      const azs = vpc.numberOfAvailabilityZones;
      const nat = vpc.natGateways.strategy === "Single" ? 1 : azs;
      assert.strictEqual(shape.natGateways, nat);
      const alb = expectOne(graph, "aws:lb/loadBalancer:LoadBalancer").inputs;
      assert.strictEqual(shape.publicIpv4Addresses, nat + (alb.internal ? 0 : azs));
      assert.strictEqual(shape.alarms, findAll(graph, "aws:cloudwatch/metricAlarm:MetricAlarm").length);
      assert.strictEqual(shape.dashboards, findAll(graph, "aws:cloudwatch/dashboard:Dashboard").length);
      assert.strictEqual(shape.secrets, findAll(graph, "aws:secretsmanager/secret:Secret").length);
      const interfaceEndpoints = findAll(graph, "aws:ec2/vpcEndpoint:VpcEndpoint", { vpcEndpointType: "Interface" });
      assert.strictEqual(shape.interfaceEndpointAzs, interfaceEndpoints.length * azs);
      const controllerTask = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: `jenkins-ecs-${stack}-controller` }).inputs;
      assert.deepStrictEqual([String(shape.controller.cpu), String(shape.controller.memory)], [controllerTask.cpu, controllerTask.memory]);
      const insightsOn = findAll(graph, "aws:ecs/cluster:Cluster").every((c) => c.inputs.settings[0].value === "enabled");
      assert.strictEqual(shape.insightsMetrics > 0, insightsOn);
      const countingFilters = findAll(graph, "aws:cloudwatch/logMetricFilter:LogMetricFilter").filter((f) => f.inputs.metricTransformation.dimensions?.TaskGroup);
      const templates = settingsOf(stack, overrides).agents.templates.length;
      assert.strictEqual(shape.ownMetrics, countingFilters.length * templates, "each filter publishes one metric per template's task group");
    });
  }
});

describe("cost: the docs say what the code computes", () => {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
  const runbook = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8");

  it("the runbook's cost section is the generated one (npm run docs regenerates it)", () => {
    const section = expectedCostSection();
    assert.ok(runbook.includes(section), "docs/runbook.md's cost section is stale: run `npm run docs`");
  });

  it("the README's idle totals, NAT saving and endpoint figures are the computed ones", () => {
    const prices = PRICES["eu-west-1"];
    const [dev, prod] = ["dev", "prod"].map((s) => total(idleCost(stackShape(settingsOf(s)), prices))!);
    assert.ok(readme.includes(`idle about ${Math.round(dev)} and ${Math.round(prod)} USD a month in eu-west-1`), `${dev} ${prod}`);
    assert.ok(readme.includes(`about ${natGatewaySaving(prices).toFixed(2)} USD a month per NAT gateway saved in eu-west-1`));
    const endpoint = prices.interfaceEndpointHour.usd * 730;
    const endpoints = (stack: string) => idleCost(stackShape(settingsOf(stack, { "jenkins-ecs:vpcEndpoints": "true" })), prices).find((i) => i.item === "Interface endpoints")!.usd!;
    assert.ok(readme.includes(`${endpoint.toFixed(2)} USD per endpoint per AZ per month in eu-west-1 (${endpoints("dev").toFixed(2)} USD for dev's 2 AZs, ${endpoints("prod").toFixed(2)} USD for prod's 3)`));
  });
});

describe("npm run plan -- --cost", () => {
  it("is an output of its own, exclusive of --json and --casc", () => {
    assert.deepStrictEqual(parseArgs(["--stack", "dev", "--cost"]), { stack: "dev", output: "cost" });
    assert.throws(() => parseArgs(["--stack", "dev", "--cost", "--json"]), /exclude each other/);
  });
});
