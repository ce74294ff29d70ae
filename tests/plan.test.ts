import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { UsageError, parseArgs, render } from "../offline/plan";
import { runStack } from "./helpers";
import { allStarted, npmRun } from "./npmRun";

/** `npm run --silent plan -- <args>`, as a user runs it. */
const plan = (...args: string[]) => npmRun("plan", ...args);

const brokenStack = `test-broken-${process.pid}`;
const brokenFile = path.join(PROJECT_ROOT, `Pulumi.${brokenStack}.yaml`);
/** A stack the Pulumi CLI itself refuses: a typed key of the wrong type. */
const mistypedStack = `test-broken-typed-${process.pid}`;
const mistypedFile = path.join(PROJECT_ROOT, `Pulumi.${mistypedStack}.yaml`);

const STACK_TRACE = /\n\s+at .+[:(]\d+/;

// Started as soon as mocha loads this file, so the plan processes run on the second core while
// the in-process tests run on the first; the tests below only wait for their results.
fs.writeFileSync(
  brokenFile,
  ["config:", "  aws:region: eu-west-1", "  jenkins-ecs:jnlpPort: 8080", "  jenkins-ecs:certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000", ""].join("\n"),
);
fs.writeFileSync(mistypedFile, ["config:", "  aws:region: eu-west-1", "  jenkins-ecs:controllerCpu: two", ""].join("\n"));
for (const args of [["dev", "--json"], [brokenStack, "--json"], [mistypedStack], ["no-such-stack"]]) {
  void plan("--stack", ...args);
}

describe("offline plan (npm run plan)", function () {
  this.timeout(60000);

  after(async () => {
    await allStarted();
    fs.rmSync(brokenFile, { force: true });
    fs.rmSync(mistypedFile, { force: true });
  });

  // One real run of the command; the other outputs come from the same render() in process.
  const outputs: Record<string, () => Promise<string>> = {
    dev: async () => {
      const { status, stdout, stderr } = await plan("--stack", "dev", "--json");
      assert.strictEqual(status, 0, stderr);
      return stdout;
    },
    prod: async () => render(await runStack("prod"), "json"),
  };

  for (const stack of ["dev", "prod"]) {
    it(`--stack ${stack} --json prints exactly one JSON document with resources and outputs`, async () => {
      const doc = JSON.parse(await outputs[stack]());
      assert.deepStrictEqual(Object.keys(doc).slice(0, 4), ["project", "stack", "resources", "outputs"]);
      assert.strictEqual(doc.project, "jenkins-ecs");
      assert.strictEqual(doc.stack, stack);
      assert.ok(doc.resources.length > 0, "no resources");
      for (const r of doc.resources) {
        assert.deepStrictEqual(Object.keys(r), ["urn", "type", "name", "parent", "id", "inputs", "state"]);
      }
      const types = new Set(doc.resources.map((r: { type: string }) => r.type));
      for (const component of ["network:Network", "discovery:Discovery", "agents:Agents", "controller:Controller", "alarms:Alarms"]) {
        assert.ok(types.has(`jenkins-ecs:${component}`), `plan lacks ${component}`);
      }
      const operations = ["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic", "aws:ec2/vpcEndpoint:VpcEndpoint"];
      for (const type of ["awsx:ec2:Vpc", "aws:ecs/service:Service", "aws:efs/fileSystem:FileSystem", "aws:lb/loadBalancer:LoadBalancer", ...operations]) {
        assert.ok(types.has(type), `plan lacks ${type}`);
      }
      assert.match(doc.outputs.vpcId, /^vpc-/);
      assert.strictEqual(YAML.parse(doc.casc).jenkins.clouds[0].ecs.regionName, "eu-west-1");
    });
  }

  it("reads --stack, --json, --casc and --network, and refuses anything else", () => {
    assert.deepStrictEqual(parseArgs(["--stack", "dev"]), { stack: "dev", output: "tree" });
    assert.deepStrictEqual(parseArgs(["--stack=prod", "--json"]), { stack: "prod", output: "json" });
    assert.deepStrictEqual(parseArgs(["-s", "dev", "--casc"]), { stack: "dev", output: "casc" });
    assert.throws(() => parseArgs(["--json"]), (e: Error) => e instanceof UsageError && /which stack\?/.test(e.message));
    assert.throws(() => parseArgs(["--stack", "dev", "--json", "--casc"]), UsageError);
    assert.throws(() => parseArgs(["--stack", "dev", "--yaml"]), /unknown argument "--yaml"/);
    assert.deepStrictEqual(parseArgs(["--stack", "mine", "--network", "net.json", "--json"]), { stack: "mine", output: "json", networkFile: "net.json" });
    assert.throws(() => parseArgs(["--stack", "mine", "--network"]), /--network needs a file/);
  });

  for (const [what, stack, overrides] of [
    ["prod (ECS Exec off)", "prod", {}],
    ["dev without ECS Exec", "dev", { "jenkins-ecs:ecsExec": "false" }],
  ] as const) {
    it(`${what}: the tree and the JSON render, listing no output that has no value`, async () => {
      const graph = await runStack(stack, overrides);
      assert.strictEqual(graph.outputs.controllerExecLogGroup, undefined);
      const tree = render(graph, "tree");
      assert.match(tree, /^Outputs:\n {2}url: https:\/\//m);
      assert.doesNotMatch(tree, /controllerExecLogGroup|undefined/);
      assert.ok(!("controllerExecLogGroup" in JSON.parse(render(graph, "json")).outputs));
    });
  }

  it("--stack dev prints a readable tree of components, resources and outputs", async () => {
    const stdout = render(await runStack("dev"), "tree");
    assert.match(stdout, /^network {2}jenkins-ecs:network:Network/m);
    assert.match(stdout, /^ {2}vpc {2}awsx:ec2:Vpc/m);
    assert.match(stdout, /^discovery {2}jenkins-ecs:discovery:Discovery/m);
    assert.match(stdout, /^agents {2}jenkins-ecs:agents:Agents/m);
    assert.match(stdout, /^controller {2}jenkins-ecs:controller:Controller/m);
    assert.match(stdout, /^Agents: at most 20 agent tasks at once \(ecs 10 \(reused\), ecs-spot 10\)\.$/m);
    assert.match(stdout, /^Agent images:\n {2}ecs: mirror of jenkins\/inbound-agent:\S+ \(agent-images\/inbound-agent, linux\/amd64\) in the stack's ECR\n {2}ecs-spot: mirror/m);
    assert.match(stdout, /^Outputs:\n {2}url: https:\/\//m);
    assert.match(stdout, /^ {2}vpcId: vpc-/m);
  });

  it("--stack dev --casc prints just the JCasC document Jenkins will apply", async () => {
    const doc = YAML.parse(render(await runStack("dev"), "casc"));
    assert.deepStrictEqual(Object.keys(doc), ["jenkins", "unclassified", "jobs"]);
    assert.match(doc.jenkins.clouds[0].ecs.tunnel, /^jenkins\.dev\.jenkins-ecs\.internal:50000$/);
  });

  it("GIVEN a broken stack file THEN it exits non-zero, names the key on stderr, prints nothing on stdout and no stack trace", async () => {
    const { status, stdout, stderr } = await plan("--stack", brokenStack, "--json");
    assert.notStrictEqual(status, 0);
    assert.strictEqual(stdout, "");
    assert.match(stderr, /jenkins-ecs:jnlpPort: "8080"/);
    assert.doesNotMatch(stderr, STACK_TRACE);
  });

  it("GIVEN a stack the Pulumi CLI would refuse THEN it stops where `pulumi preview` would, with the CLI's message", async () => {
    const { status, stdout, stderr } = await plan("--stack", mistypedStack);
    assert.notStrictEqual(status, 0);
    assert.strictEqual(stdout, "");
    assert.strictEqual(stderr.trim(), `Stack '${mistypedStack}' with configuration key 'controllerCpu' must be of type 'integer'`);
  });

  it("GIVEN a stack without a stack file THEN it says which file is missing, without a stack trace", async () => {
    const { status, stderr } = await plan("--stack", "no-such-stack");
    assert.notStrictEqual(status, 0);
    assert.match(stderr, /Pulumi\.no-such-stack\.yaml does not exist/);
    assert.doesNotMatch(stderr, STACK_TRACE);
  });
});
