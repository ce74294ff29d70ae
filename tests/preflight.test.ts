import * as assert from "assert";
import { ConfigError } from "../lib/config/reader";
import { parseSettings } from "../lib/config/parse";
import { checkRenderedLimits } from "../lib/preflight";
import { readTeamFiles } from "../lib/jenkins/teamCasc";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { runProgram } from "../offline/run";
import { errorOf, stackConfig } from "./helpers";

/** Sixty long-labelled templates: valid config, but a JCasC document over what ECS accepts. */
const MANY_TEMPLATES = {
  "jenkins-ecs:agents": JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ label: `template-with-a-long-label-${i}`, cpu: 1024, memory: 2048 }))),
  "jenkins-ecs:availabilityZones": "3",
};

describe("preflight: limits judged on rendered output, after parsing", () => {
  it("refuses a template list whose JCasC document would push the controller's task definition over 64 KiB, naming agents, the size and the limit", () => {
    const settings = parseSettings(stackConfig("dev", MANY_TEMPLATES), "dev");
    let error: unknown;
    try {
      checkRenderedLimits(settings, []);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.strictEqual(error.problems.length, 1, error.problems.join("\n"));
    assert.match(error.problems[0], /^jenkins-ecs:agents: 60 templates would make the controller's task definition up to \d+ bytes, over the 65536 bytes \(64 KiB\) ECS accepts/);
  });

  it("passes the checked-in stacks", () => {
    for (const stack of ["dev", "prod"]) checkRenderedLimits(parseSettings(stackConfig(stack), stack), readTeamFiles(PROJECT_ROOT, stack));
  });

  it("runs in the program before a single resource is registered", async () => {
    let registered = -1;
    const err = await errorOf(async () => {
      try {
        await runProgram("dev", stackConfig("dev", MANY_TEMPLATES));
      } finally {
        const settings = require("@pulumi/pulumi/runtime/settings");
        registered = settings.getMonitor().resources.size;
      }
    });
    assert.strictEqual(err.name, "ConfigError", String(err));
    // The program counts the team's JCasC files in (they travel in the same task definition).
    const teamFiles = readTeamFiles(PROJECT_ROOT, "dev").length;
    assert.ok(teamFiles > 0, "the repository ships an example team file");
    assert.match(err.message, new RegExp(`jenkins-ecs:agents: 60 templates and ${teamFiles} team JCasC files \\(\\d+ bytes, a third more in base64\\) would make the controller's task definition`));
    assert.strictEqual(registered, 0);
  });
});
