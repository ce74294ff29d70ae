import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DEFAULTS, KNOWN_KEYS } from "../lib/config/keys";
import { parseSettings } from "../lib/config/parse";
import { controllerTaskDefinitionBytesAtMost } from "../lib/preflight";
import { readTeamFiles } from "../lib/jenkins/teamCasc";
import { PROJECT_ROOT, loadStackConfig, readProjectFile } from "../offline/stackConfig";
import { runProgram } from "../offline/run";
import { Graph, adoptMode, errorOf, expectOne, runStack, runWithConfig, stackConfig } from "./helpers";

describe("the program as a whole", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: registers resources, every URN unique (the engine would reject duplicates)`, async () => {
      const graph = await runStack(stack);
      assert.ok(graph.resources.length > 0, "empty graph: was the program loaded before the mocks?");
      const urns = graph.resources.map((r) => r.urn);
      const duplicates = urns.filter((u, i) => urns.indexOf(u) !== i);
      assert.deepStrictEqual(duplicates, []);
    });
  }

  it("every security group and rule description uses only the characters EC2 accepts", async () => {
    // EC2: a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*; anything else fails at deploy time.
    const allowed = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
    for (const stack of ["dev", "prod"]) {
      const graph = await runStack(stack, { "jenkins-ecs:vpcEndpoints": "true" });
      const described = graph.resources.filter((r) => /^aws:(ec2\/securityGroup|vpc\/securityGroup(Ingress|Egress)Rule):/.test(r.type));
      assert.ok(described.length > 10);
      for (const r of described) assert.match(r.inputs.description ?? "", allowed, `${r.name}: ${r.inputs.description}`);
    }
  });

  it("GIVEN invalid config THEN it stops with a ConfigError before registering a single resource", async () => {
    let registered = -1;
    const err = await errorOf(async () => {
      try {
        await runProgram("dev", stackConfig("dev", { "jenkins-ecs:jnlpPort": "8080" }));
      } finally {
        const settings = require("@pulumi/pulumi/runtime/settings");
        registered = settings.getMonitor().resources.size;
      }
    });
    // The program's own copy of lib/config is loaded afresh per run, so compare by name.
    assert.strictEqual(err.name, "ConfigError", String(err));
    assert.strictEqual(registered, 0);
  });
});

describe("Pulumi.yaml and README agree with the program", () => {
  const project = readProjectFile();
  const declared = project.config ?? {};

  it("declares the project jenkins-ecs on the nodejs runtime with TypeScript", () => {
    const raw = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8");
    assert.strictEqual(project.name, "jenkins-ecs");
    assert.match(raw, /runtime:\s*\n\s+name: nodejs/);
    assert.match(raw, /typescript: true/);
  });

  it("declares only keys the program reads, each with a type and a description", () => {
    for (const [key, spec] of Object.entries(declared)) {
      assert.ok(KNOWN_KEYS.includes(key), `Pulumi.yaml declares ${key}, which the program does not read`);
      assert.ok(spec.type && spec.description, `${key} lacks a type or description`);
    }
  });

  it("declares no key without a default or value: the CLI would require it of every stack", () => {
    // pulumi/pulumi v3.259.0 pkg/workspace/config.go, mergeConfig: `!foundOnStack && !hasValue && !hasDefault`.
    const required = Object.entries(declared).filter(([, spec]) => spec.default === undefined && spec.value === undefined);
    assert.deepStrictEqual(required.map(([key]) => key), []);
  });

  it("gives the same defaults as the program", () => {
    for (const [key, spec] of Object.entries(declared)) {
      if (spec.default === undefined) continue;
      assert.ok(key in DEFAULTS, `Pulumi.yaml gives ${key} a default the program does not know`);
      assert.deepStrictEqual(spec.default, (DEFAULTS as Record<string, unknown>)[key], key);
    }
  });

  it("does not declare defaults for create-mode network keys (the CLI would mix them into adopt-mode stacks)", () => {
    for (const key of ["vpcCidr", "availabilityZones", "natGateways"]) assert.strictEqual(declared[key]?.default, undefined, key);
  });

  it("README documents every config key", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    for (const key of KNOWN_KEYS) assert.match(readme, new RegExp("\\| `" + key + "` \\|"), `README lacks a row for ${key}`);
  });
});

describe("stacks a user can write pass the Pulumi CLI's config rules and run", () => {
  const examples = path.join(PROJECT_ROOT, "examples");
  const cases: [string, string | undefined][] = [
    ["dev", undefined],
    ["prod", undefined],
    ["minimal", path.join(examples, "Pulumi.minimal.yaml")],
    ["adopt-vpc", path.join(examples, "Pulumi.adopt-vpc.yaml")],
    ["own-domain", path.join(examples, "Pulumi.own-domain.yaml")],
    ["own-certificate", path.join(examples, "Pulumi.own-certificate.yaml")],
    ["single-sign-on", path.join(examples, "Pulumi.single-sign-on.yaml")],
    ["per-template", path.join(examples, "Pulumi.per-template.yaml")],
  ];
  it("examples/ holds exactly the example stacks tested here", () => {
    assert.deepStrictEqual(fs.readdirSync(examples).sort(), cases.filter(([, f]) => f).map(([, f]) => path.basename(f!)).sort());
  });
  for (const [stack, file] of cases) {
    it(`${stack}: the CLI's rules accept it and the program registers resources from it`, async () => {
      const config = loadStackConfig(stack, { file });
      const graph = await runWithConfig(stack, config);
      assert.ok(graph.resources.some((r) => r.type === "aws:ecs/service:Service"));
    });
  }
});

describe("AWS partitions", () => {
  const arnsIn = (graph: Graph) => JSON.stringify(graph.resources.map((r) => r.inputs)).match(/arn:[a-z-]+:/g) ?? [];

  it("aws (dev): every ARN the program writes is arn:aws:", async () => {
    const arns = arnsIn(await runStack("dev"));
    assert.ok(arns.length > 20);
    assert.deepStrictEqual([...new Set(arns)], ["arn:aws:"]);
  });

  it("aws-us-gov: every ARN the program writes, in policies and trust conditions too, is arn:aws-us-gov:", async () => {
    const graph = await runStack("dev", {
      "aws:region": "us-gov-west-1",
      "jenkins-ecs:certificateArn": "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    });
    const arns = arnsIn(graph);
    assert.ok(arns.length > 20);
    assert.deepStrictEqual([...new Set(arns)], ["arn:aws-us-gov:"]);
  });

  it("aws-cn: refused before any resource, naming aws:region", async () => {
    const err = await errorOf(() =>
      runWithConfig("dev", {
        ...stackConfig("dev"),
        "aws:region": "cn-north-1",
        "jenkins-ecs:certificateArn": "arn:aws-cn:acm:cn-north-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
      }),
    );
    assert.strictEqual(err.name, "ConfigError");
    assert.match(err.message, /aws:region: "cn-north-1" is not allowed; cn-north-1 is in the aws-cn partition/);
  });
});

describe("AWS limits checked before AWS sees them", () => {
  const adopt = adoptMode(["subnet-0cccccccccccccccc", "subnet-0dddddddddddddddd", "subnet-0eeeeeeeeeeeeeeee"]);
  const variants: [string, string, Record<string, string | undefined>][] = [
    ["dev", "dev", {}],
    ["prod", "prod", {}],
    ["prod with a domain", "prod", { "jenkins-ecs:domainName": "jenkins.example.com" }],
    ["dev in an adopted VPC", "dev", adopt],
  ];
  for (const [what, stack, overrides] of variants) {
    it(`${what}: the size checked at config time is at least the size of the controller task definition registered`, async () => {
      const graph = await runStack(stack, overrides);
      const task = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: `jenkins-ecs-${stack}-controller` });
      const { containerDefinitions, ...rest } = task.inputs;
      const registered = Buffer.byteLength(containerDefinitions) + Buffer.byteLength(JSON.stringify(rest));
      const checked = controllerTaskDefinitionBytesAtMost(parseSettings(stackConfig(stack, overrides), stack), readTeamFiles(PROJECT_ROOT, stack));
      assert.ok(checked >= registered, `checked ${checked} < registered ${registered}`);
      assert.ok(checked < registered * 1.5, `checked ${checked} is far above registered ${registered}: the bound is too loose to be useful`);
    });
  }
});
