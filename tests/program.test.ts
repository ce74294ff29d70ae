import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DEFAULTS, KNOWN_KEYS } from "../lib/config";
import { PROJECT_ROOT, readProjectFile } from "../offline/stackConfig";
import { runProgram } from "../offline/run";
import { errorOf, runStack, stackConfig } from "./helpers";

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

  it("declares every scalar key the program reads", () => {
    const structured = ["agents", "publicSubnetIds", "privateSubnetIds", "allowedCidrs", "agentTaskPolicyArns"];
    for (const key of KNOWN_KEYS.filter((k) => !structured.includes(k))) {
      assert.ok(key in declared, `Pulumi.yaml does not declare ${key}`);
    }
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
