import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PluginFacts, compareVersions, imageCore, pinProblems, readPins, resolvedDependencies } from "../lib/jenkins/plugins";
import { PROJECT_ROOT } from "../offline/stackConfig";

const dir = path.join(PROJECT_ROOT, "controller-image");
const pluginsTxt = fs.readFileSync(path.join(dir, "plugins.txt"), "utf8");
const pins = readPins(pluginsTxt);
const facts: Record<string, PluginFacts> = JSON.parse(fs.readFileSync(path.join(dir, "plugin-facts.json"), "utf8")).plugins;
const core = imageCore(fs.readFileSync(path.join(dir, "Dockerfile"), "utf8"));

describe("controller plugins: the pins against the facts recorded upstream", () => {
  it("the image's core is the Dockerfile's Jenkins LTS", () => {
    assert.match(core, /^2\.\d{3}\.\d+$/);
  });

  it("every pin has the facts of its own version, needs no newer core than the image's, and gets every dependency it declares", () => {
    assert.deepStrictEqual(pinProblems(pins, facts, core), []);
  });

  it("every fact names where it was read: the repository, the tag and its commit, the pom, the BOM", () => {
    for (const [plugin, f] of Object.entries(facts)) {
      assert.match(f.repository, /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, plugin);
      assert.ok(f.tag.length > 0 && /^[0-9a-f]{40}$/.test(f.commit), `${plugin}: tag and commit`);
      assert.match(f.released, /^\d{4}-\d{2}-\d{2}$/, plugin);
      assert.match(f.minimumCore, /^2\.\d{3}(\.\d+)?$/, plugin);
      for (const source of [f.minimumCoreSource, f.dependenciesSource, f.versionSource]) assert.ok(source && source.length > 10, `${plugin}: a source`);
      assert.ok(f.minimumCoreSource.includes(f.tag), `${plugin}: the minimum core is read at the release's tag`);
    }
  });

  it("every pinned version was released before the image's LTS line began (2.580.1, 2026-09-30), as plugins.txt says", () => {
    assert.match(pluginsTxt, /released before Jenkins 2\.580\.1 LTS \(2026-09-30\)/);
    for (const pin of pins) assert.ok(facts[pin.plugin].released < "2026-09-30", `${pin.plugin} was released ${facts[pin.plugin].released}`);
  });

  it("has the baseline a team needs: source checkout, branch sources, credentials, login, authorization, hygiene", () => {
    const pinned = pins.map((p) => p.plugin);
    for (const plugin of [
      "git",
      "workflow-multibranch",
      "github-branch-source",
      "credentials-binding",
      "timestamper",
      "ws-cleanup",
      "matrix-auth",
      "oic-auth",
      "aws-secrets-manager-credentials-provider",
      "amazon-ecs",
      "configuration-as-code",
      "job-dsl",
      "workflow-aggregator",
    ]) {
      assert.ok(pinned.includes(plugin), `${plugin} is not pinned`);
    }
  });

  it("every plugin the generated JCasC and the shipped team file configure is pinned", async () => {
    const { runStack } = await import("./helpers");
    const sso = { issuer: "https://login.example.com/", clientId: "j", clientSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:oidc-AbCdEf", adminGroups: ["a"], userGroups: ["u"] };
    const graph = await runStack("dev", { "jenkins-ecs:sso": JSON.stringify(sso) });
    const text = (graph.resources.find((r) => r.type === "jenkins-ecs:controller:Controller")!.state.cascFiles as { yaml: string }[]).map((f) => f.yaml).join("\n");
    const pinned = pins.map((p) => p.plugin);
    // What each key of the documents needs: the plugin that provides it.
    for (const [key, plugin] of [
      [/^\s+- ecs:$/m, "amazon-ecs"],
      [/^\s+oic:$/m, "oic-auth"],
      [/^\s+globalMatrix:$/m, "matrix-auth"],
      [/^\s+awsCredentialsProvider:$/m, "aws-secrets-manager-credentials-provider"],
      [/^jobs:$/m, "job-dsl"],
      [/folder\('team'\)/, "cloudbees-folder"],
      [/^\s+globalLibraries:$/m, "pipeline-groovy-lib"],
      [/^\s+git:\n\s+remote:/m, "git"],
      [/pipelineJob\('/, "workflow-aggregator"],
    ] as const) {
      assert.match(text, key, `the documents no longer use ${plugin}; update this table`);
      assert.ok(pinned.includes(plugin), `the documents need ${plugin}, which plugins.txt does not pin`);
    }
  });

  it("every pin has a one-line reason, and the README's plugin table gives each", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    for (const pin of pins) {
      assert.ok(pin.reason.length > 10, `${pin.plugin}: a reason`);
      assert.match(readme, new RegExp(`^\\| \`${pin.plugin}\` \\| \`${pin.version.replace(/[.]/g, "\\.")}\` \\| .{10,} \\|$`, "m"), `README row for ${pin.plugin}`);
    }
  });

  it("resolves the dependencies nobody pins to the highest version any pin declares", () => {
    const resolved = resolvedDependencies(pins, facts);
    for (const [dep, version] of resolved) {
      const declared = pins.flatMap((p) => facts[p.plugin].dependencies.filter((d) => d.plugin === dep && !d.optional).map((d) => d.version));
      assert.ok(declared.every((v) => compareVersions(version, v) >= 0), dep);
      assert.ok(declared.includes(version), dep);
    }
  });
});

describe("controller plugins: the checks fail when a pin goes wrong", () => {
  const git = pins.find((p) => p.plugin === "git")!;

  it("a pin bumped past the image's core", () => {
    const bumped = { ...facts, git: { ...facts.git, minimumCore: "2.600.1" } };
    assert.deepStrictEqual(pinProblems(pins, bumped, core), [`git:${git.version} requires Jenkins 2.600.1, newer than the image's ${core}`]);
  });

  it("a pin bumped in plugins.txt without recording the new version's facts", () => {
    const bumped = pins.map((p) => (p.plugin === "git" ? { ...p, version: "99.0.0" } : p));
    assert.deepStrictEqual(pinProblems(bumped, facts, core), [`git: plugins.txt pins 99.0.0, but the facts recorded are of ${git.version}; record the facts of the pinned version`]);
  });

  it("two pins that disagree about a shared dependency: one needs it newer than the other pins it", () => {
    const gitClient = pins.find((p) => p.plugin === "git-client")!;
    const newer = { ...facts, git: { ...facts.git, dependencies: [...facts.git.dependencies, { plugin: "git-client", version: "99.0.0", optional: false }] } };
    assert.deepStrictEqual(pinProblems(pins, newer, core), [`git:${git.version} needs git-client 99.0.0 or newer, and plugins.txt pins git-client:${gitClient.version}`]);
  });

  it("an optional dependency counts once it is pinned (Jenkins refuses to load a plugin whose installed optional dependency is too old)", () => {
    const junit = pins.find((p) => p.plugin === "junit")!;
    const optional = { ...facts, timestamper: { ...facts.timestamper, dependencies: [{ plugin: "junit", version: "9999.0", optional: true }] } };
    assert.deepStrictEqual(pinProblems(pins, optional, core), [`timestamper:${facts.timestamper.version} needs junit 9999.0 or newer (optional, but pinned), and plugins.txt pins junit:${junit.version}`]);
  });

  it("facts left behind for a plugin no longer pinned", () => {
    assert.deepStrictEqual(pinProblems(pins.filter((p) => p.plugin !== "timestamper"), facts, core), ["plugin-facts.json records timestamper, which plugins.txt does not pin"]);
  });

  it("a pin without its reason, a malformed pin and a plugin pinned twice", () => {
    assert.throws(() => readPins("git:5.10.1\n"), /plugins\.txt:1: git needs a one-line "# reason"/);
    assert.throws(() => readPins("# why\ngit 5.10.1\n"), /plugins\.txt:2: "git 5\.10\.1" is not <plugin>:<version>/);
    assert.throws(() => readPins("# a\ngit:1\n\n# b\ngit:2\n"), /plugins\.txt:5: git is pinned twice/);
  });
});

describe("plugin versions compare as the update center orders them", () => {
  for (const [a, b, sign] of [
    ["2.580.2", "2.541.3", 1],
    ["2.541.3", "2.580.2", -1],
    ["2.504.3", "2.504.3", 0],
    ["2.504", "2.504.3", -1],
    ["1502.v5c95e620ddfe", "1480.v2246fd131e83", 1],
    ["2.1280.v0d4e5b_b_460ef", "2.1244.vf95c81f1641c", 1],
    ["1.330-492.v3941a_032db_2a_", "1.330-491.vabc", 1],
    ["1967.1970.vd86979736546", "1983.vfa_27ed961853", -1],
  ] as const) {
    it(`${a} ${sign > 0 ? ">" : sign < 0 ? "<" : "="} ${b}`, () => {
      assert.strictEqual(Math.sign(compareVersions(a, b)), sign);
    });
  }
});
