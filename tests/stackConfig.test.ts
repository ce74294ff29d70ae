import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CliConfigError, OFFLINE_SECRET, PROJECT_ROOT, loadStackConfig, projectFileProblems, readProjectFile } from "../offline/stackConfig";

/** A throwaway project folder with the given Pulumi.yaml and stack files. */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jenkins-ecs-config-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const lines = (...l: string[]) => l.join("\n") + "\n";

/** Pulumi.yaml of a project "demo" with the given config block lines. */
const projectFile = (...config: string[]) => lines("name: demo", "runtime: nodejs", "config:", ...config);

const PULUMI_YAML = projectFile("  port:", "    type: integer", "    default: 50000", "  name:", "    type: string", "    default: x");

/** The message `loadStackConfig` refuses `stack` of `dir` with. */
function refusal(dir: string, stack = "s"): string {
  try {
    loadStackConfig(stack, { root: dir });
  } catch (err) {
    assert.ok(err instanceof CliConfigError, `expected a CliConfigError, got ${err}`);
    return err.message;
  }
  assert.fail("expected the stack to be refused");
}

describe("stack config loading (as the Pulumi CLI hands it over)", () => {
  it("namespaces project keys, turns scalars into text and lists/maps into JSON, applies Pulumi.yaml defaults", () => {
    const dir = project({
      "Pulumi.yaml": PULUMI_YAML,
      "Pulumi.s.yaml": lines("config:", "  aws:region: eu-west-1", "  demo:flag: true", "  demo:count: 3", "  demo:list:", "    - a", "    - b", "  demo:map:", "    k: v"),
    });
    assert.deepStrictEqual(loadStackConfig("s", { root: dir }), {
      "aws:region": "eu-west-1",
      "demo:flag": "true",
      "demo:count": "3",
      "demo:list": '["a","b"]',
      "demo:map": '{"k":"v"}',
      "demo:name": "x",
      "demo:port": "50000",
    });
  });

  it("lets a stack value override a Pulumi.yaml default", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.s.yaml": lines("config:", "  demo:port: 50001") });
    assert.strictEqual(loadStackConfig("s", { root: dir })["demo:port"], "50001");
  });

  it("stands in a placeholder for secure values, which only the CLI can decrypt", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.s.yaml": lines("config:", "  demo:name:", "    secure: AAABAD...") });
    assert.strictEqual(loadStackConfig("s", { root: dir })["demo:name"], OFFLINE_SECRET);
  });

  it("names a missing or malformed stack file", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.bad.yaml": "config: [1, 2\n", "Pulumi.list.yaml": "config:\n  - a\n" });
    assert.match(refusal(dir, "none"), /Pulumi\.none\.yaml does not exist/);
    assert.match(refusal(dir, "bad"), /not valid YAML/);
    assert.match(refusal(dir, "list"), /must be a map/);
  });

  it("refuses a stack key without a namespace, as the CLI's key parser does", () => {
    const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.s.yaml": lines("config:", "  port: 1") });
    assert.strictEqual(refusal(dir), "could not parse port as a configuration key (configuration keys should be of the form `<namespace>:<name>`)");
  });
});

// pulumi/pulumi v3.259.0 pkg/workspace/config.go (mergeConfig, validateStackConfigValue).
describe("the CLI's rules for stack config", () => {
  it("a key declared without default or value is required of every stack, listed as the CLI lists them", () => {
    const dir = project({
      "Pulumi.yaml": projectFile("  b:", "    type: string", "  a:", "    description: only a description", "  c: {}", "  aws:region:", "    value: eu-west-1"),
      "Pulumi.one.yaml": lines("config:", "  demo:a: x", "  demo:b: y"),
      "Pulumi.none.yaml": lines("config: {}"),
    });
    assert.strictEqual(refusal(dir, "one"), "Stack 'one' is missing configuration value 'c'");
    assert.strictEqual(refusal(dir, "none"), "Stack 'none' is missing configuration values 'a', 'b' and 'c'");
  });

  it("a namespaced declaration with a value is not required, and its value reaches the program", () => {
    const dir = project({ "Pulumi.yaml": projectFile("  aws:region:", "    value: eu-west-1"), "Pulumi.s.yaml": "config: {}\n" });
    assert.strictEqual(loadStackConfig("s", { root: dir })["aws:region"], "eu-west-1");
  });

  const typed: [string, string[], string, string][] = [
    ["integer", ["    type: integer"], "  demo:k: 5.5", "integer"],
    ["integer", ["    type: integer"], "  demo:k: five", "integer"],
    ["boolean", ["    type: boolean"], "  demo:k: yes", "boolean"],
    ["string", ["    type: string"], "  demo:k: [a]", "string"],
    ["array of strings", ["    type: array", "    items:", "      type: string"], "  demo:k: [1, 2]", "array<string>"],
    ["array of integers", ["    type: array", "    items:", "      type: integer"], "  demo:k: a", "array<integer>"],
  ];
  for (const [what, declaration, value, typeName] of typed) {
    it(`refuses a stack value of the wrong type for a typed ${what} key (${value.trim()})`, () => {
      const dir = project({ "Pulumi.yaml": projectFile("  k:", ...declaration), "Pulumi.s.yaml": lines("config:", value) });
      assert.strictEqual(refusal(dir), `Stack 's' with configuration key 'k' must be of type '${typeName}'`);
    });
  }

  it("accepts what the CLI accepts: digit strings as integers, the strings true/false as booleans, typed arrays", () => {
    const dir = project({
      "Pulumi.yaml": projectFile("  i:", "    type: integer", "  b:", "    type: boolean", "  l:", "    type: array", "    items:", "      type: integer"),
      "Pulumi.s.yaml": lines("config:", '  demo:i: "42"', '  demo:b: "false"', "  demo:l: [1, 2]"),
    });
    assert.deepStrictEqual(loadStackConfig("s", { root: dir }), { "demo:i": "42", "demo:b": "false", "demo:l": "[1,2]" });
  });

  it("refuses a plain value for a key declared secret", () => {
    const dir = project({ "Pulumi.yaml": projectFile("  k:", "    type: string", "    secret: true"), "Pulumi.s.yaml": lines("config:", "  demo:k: plain") });
    assert.strictEqual(refusal(dir), "Stack 's' with configuration key 'k' must be encrypted as it's secret");
  });
});

// pulumi/pulumi v3.259.0 sdk/go/common/workspace/project.go (Project.Validate) and project.json.
describe("the CLI's rules for Pulumi.yaml", () => {
  const broken: [string, string[], string][] = [
    ["a namespaced key with a type", ["  aws:region:", "    type: string", "    value: eu-west-1"], "Configuration key 'aws:region' is not namespaced by the project and should not define a type"],
    [
      "a namespaced key with a default",
      ["  aws:region:", "    default: eu-west-1"],
      "Configuration key 'aws:region' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?",
    ],
    ["a namespaced key without a value", ["  aws:region:", "    description: the region"], "Configuration key 'aws:region' is namespaced and must provide an attribute 'value'"],
    ["both value and default", ["  k:", "    default: 1", "    value: 2"], "project config 'k' cannot have both a 'default' and 'value' attribute"],
    ["an array without items", ["  k:", "    type: array", "    default: []"], "The configuration key 'k' declares an array but does not specify the underlying type via the 'items' attribute"],
    ["a default of the wrong type", ["  k:", "    type: integer", "    default: ten"], "The default value specified for configuration key 'k' is not of the expected type 'integer'"],
    ["a number as a string default", ["  k:", "    type: string", "    default: 10"], "The default value specified for configuration key 'k' is not of the expected type 'string'"],
    ["a misspelt attribute", ["  k:", "    type: string", "    defualt: x"], "#/config/k: additionalProperties 'defualt' not allowed"],
  ];
  for (const [what, config, message] of broken) {
    it(`refuses ${what}, in the CLI's words`, () => {
      const dir = project({ "Pulumi.yaml": projectFile(...config), "Pulumi.s.yaml": "config: {}\n" });
      assert.deepStrictEqual(projectFileProblems(readProjectFile(dir)), [message]);
      assert.strictEqual(refusal(dir), `Pulumi.yaml: ${message}`);
    });
  }

  it("reads the shorthand `key: value` as a default for project keys and a value for namespaced ones", () => {
    const dir = project({ "Pulumi.yaml": projectFile("  port: 8080", "  aws:region: eu-west-1"), "Pulumi.s.yaml": "config: {}\n" });
    assert.deepStrictEqual(readProjectFile(dir).config, { port: { default: 8080 }, "aws:region": { value: "eu-west-1" } });
    assert.deepStrictEqual(loadStackConfig("s", { root: dir }), { "demo:port": "8080", "aws:region": "eu-west-1" });
  });

  it("the project's own Pulumi.yaml passes every rule", () => {
    assert.deepStrictEqual(projectFileProblems(readProjectFile(PROJECT_ROOT)), []);
  });
});
