import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { PROJECT_ROOT } from "../offline/stackConfig";

/** Runs `npm run --silent plan -- <args>` as a user would, from the project root. */
function plan(...args: string[]) {
  const result = spawnSync("npm", ["run", "--silent", "plan", "--", ...args], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 60000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const STACK_TRACE = /\n\s+at .+[:(]\d+/;

describe("offline plan (npm run plan)", function () {
  this.timeout(60000);

  for (const stack of ["dev", "prod"]) {
    it(`--stack ${stack} --json prints exactly one JSON document with resources and outputs`, () => {
      const { status, stdout, stderr } = plan("--stack", stack, "--json");
      assert.strictEqual(status, 0, stderr);
      const doc = JSON.parse(stdout);
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

  it("--stack dev prints a readable tree of components, resources and outputs", () => {
    const { status, stdout, stderr } = plan("--stack", "dev");
    assert.strictEqual(status, 0, stderr);
    assert.match(stdout, /^network {2}jenkins-ecs:network:Network/m);
    assert.match(stdout, /^ {2}vpc {2}awsx:ec2:Vpc/m);
    assert.match(stdout, /^discovery {2}jenkins-ecs:discovery:Discovery/m);
    assert.match(stdout, /^agents {2}jenkins-ecs:agents:Agents/m);
    assert.match(stdout, /^controller {2}jenkins-ecs:controller:Controller/m);
    assert.match(stdout, /^Outputs:\n {2}url: https:\/\//m);
    assert.match(stdout, /^ {2}vpcId: vpc-/m);
  });

  it("--stack dev --casc prints just the JCasC document Jenkins will apply", () => {
    const { status, stdout, stderr } = plan("--stack", "dev", "--casc");
    assert.strictEqual(status, 0, stderr);
    const doc = YAML.parse(stdout);
    assert.deepStrictEqual(Object.keys(doc), ["jenkins", "unclassified", "jobs"]);
    assert.match(doc.jenkins.clouds[0].ecs.tunnel, /^jenkins\.dev\.jenkins-ecs\.internal:50000$/);
  });

  describe("GIVEN a broken stack file", () => {
    const stack = `test-broken-${process.pid}`;
    const file = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    before(() =>
      fs.writeFileSync(file, ["config:", "  aws:region: eu-west-1", "  jenkins-ecs:jnlpPort: 8080", "  jenkins-ecs:certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000", ""].join("\n")),
    );
    after(() => fs.rmSync(file, { force: true }));

    it("exits non-zero, names the key on stderr, prints nothing on stdout and no stack trace", () => {
      const { status, stdout, stderr } = plan("--stack", stack, "--json");
      assert.notStrictEqual(status, 0);
      assert.strictEqual(stdout, "");
      assert.match(stderr, /jenkins-ecs:jnlpPort: "8080"/);
      assert.doesNotMatch(stderr, STACK_TRACE);
    });
  });

  it("GIVEN a stack without a stack file THEN it says which file is missing, without a stack trace", () => {
    const { status, stderr } = plan("--stack", "no-such-stack");
    assert.notStrictEqual(status, 0);
    assert.match(stderr, /Pulumi\.no-such-stack\.yaml does not exist/);
    assert.doesNotMatch(stderr, STACK_TRACE);
  });
});
