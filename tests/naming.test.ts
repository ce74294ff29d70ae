import * as assert from "assert";
import { agentFamily, cloudName, controllerFamily, defaultNamespace } from "../lib/aws/naming";
import { findAll, runWithConfig, stackConfig } from "./helpers";

/** ECS: "Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores". */
const ECS_FAMILY = /^[A-Za-z0-9_-]{1,255}$/;

describe("names AWS does not generate", () => {
  const cases: [string, string][] = [
    ["dev", "jenkins-ecs-dev"],
    ["team.prod", "jenkins-ecs-team-prod"],
    ["acme/ci", "jenkins-ecs-acme-ci"],
    ["Build_Farm", "jenkins-ecs-Build_Farm"],
  ];
  for (const [stack, prefix] of cases) {
    it(`stack "${stack}" gives valid task-definition families and cloud name (${prefix}-...)`, () => {
      for (const name of [controllerFamily("jenkins-ecs", stack), agentFamily("jenkins-ecs", stack, "ecs-spot"), cloudName("jenkins-ecs", stack, "ecs-spot")]) {
        assert.match(name, ECS_FAMILY);
        assert.ok(name.includes(prefix), name);
      }
    });
  }

  it("the default Cloud Map namespace is a valid DNS name for any stack name", () => {
    const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
    for (const stack of ["dev", "Team_A.prod", "x".repeat(62) + ".y", "_-_", "a".repeat(80)]) {
      const [first, ...rest] = defaultNamespace("jenkins-ecs", stack).split(".");
      assert.match(first, label, stack);
      assert.deepStrictEqual(rest, ["jenkins-ecs", "internal"]);
    }
  });

  it("GIVEN a stack whose name has a period THEN every registered family is still valid for ECS", async () => {
    // Its stack file tags it with its own name and names its own boundary, as a stack file must.
    const graph = await runWithConfig("team.prod", {
      ...stackConfig("dev"),
      "aws:defaultTags": JSON.stringify({ tags: { "jenkins-ecs-stack": "team.prod" } }),
      "jenkins-ecs:permissionsBoundary": "jenkins-ecs-boundary/team.prod",
    });
    const families = findAll(graph, "aws:ecs/taskDefinition:TaskDefinition").map((t) => t.inputs.family);
    assert.strictEqual(families.length, 3);
    for (const family of families) assert.match(family, ECS_FAMILY);
  });
});
