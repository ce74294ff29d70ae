import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OFFLINE_SECRET, StackFileError, loadStackConfig } from "../offline/stackConfig";

/** A throwaway project folder with the given Pulumi.yaml and stack files. */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-ecs-config-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const PULUMI_YAML = ["name: demo", "runtime: nodejs", "config:", "  port:", "    type: integer", "    default: 50000", "  name:", "    type: string", ""].join("\n");

describe("stack config loading (as the Pulumi CLI hands it over)", () => {
  it("namespaces project keys, turns scalars into strings and lists/maps into JSON, applies Pulumi.yaml defaults", () => {
    const dir = project({
      "Pulumi.yaml": PULUMI_YAML,
      "Pulumi.s.yaml": ["config:", "  aws:region: eu-west-1", "  demo:flag: true", "  count: 3", "  demo:list:", "    - a", "    - b", "  demo:map:", "    k: v", ""].join("\n"),
    });
    assert.deepStrictEqual(loadStackConfig("s", dir), {
      "demo:port": "50000",
      "aws:region": "eu-west-1",
      "demo:flag": "true",
      "demo:count": "3",
      "demo:list": '["a","b"]',
      "demo:map": '{"k":"v"}',
    });
  });

  it("lets a stack value override a Pulumi.yaml default", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.s.yaml": "config:\n  demo:port: 50001\n" });
    assert.strictEqual(loadStackConfig("s", dir)["demo:port"], "50001");
  });

  it("stands in a placeholder for secure values, which only the CLI can decrypt", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.s.yaml": "config:\n  demo:name:\n    secure: AAABAD...\n" });
    assert.strictEqual(loadStackConfig("s", dir)["demo:name"], OFFLINE_SECRET);
  });

  it("names a missing or malformed stack file", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.bad.yaml": "config: [1, 2\n", "Pulumi.list.yaml": "config:\n  - a\n" });
    assert.throws(() => loadStackConfig("none", dir), (e: Error) => e instanceof StackFileError && /Pulumi\.none\.yaml does not exist/.test(e.message));
    assert.throws(() => loadStackConfig("bad", dir), (e: Error) => e instanceof StackFileError && /not valid YAML/.test(e.message));
    assert.throws(() => loadStackConfig("list", dir), (e: Error) => e instanceof StackFileError && /must be a map/.test(e.message));
  });
});
