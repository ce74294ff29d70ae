/**
 * The controller image's pinned plugins (`controller-image/plugins.txt`) and the facts recorded
 * about each pinned version (`controller-image/plugin-facts.json`): read here, checked by
 * tests/plugins.test.ts, and compared with a booted Jenkins by `npm run boot-test`.
 */

/** A line of plugins.txt: `<id>:<version>`, after a one-line `# reason`. */
export interface PluginPin {
  readonly plugin: string;
  readonly version: string;
  /** The comment line just above the pin: why the plugin is there. */
  readonly reason: string;
  /** 1-based line of the pin in plugins.txt. */
  readonly line: number;
}

const PIN = /^([a-z0-9][a-z0-9._-]*):([0-9][A-Za-z0-9._+-]*)$/;

/**
 * The pins of a plugins.txt, each with the comment line above it. Blank lines separate pins;
 * a comment block at the top explains the file.
 * @throws Error naming the line of a malformed pin, a pin without its reason, or a plugin pinned twice.
 */
export function readPins(text: string): PluginPin[] {
  const pins: PluginPin[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = PIN.exec(line);
    if (!match) throw new Error(`plugins.txt:${i + 1}: ${JSON.stringify(line)} is not <plugin>:<version>`);
    const above = (lines[i - 1] ?? "").trim();
    if (!above.startsWith("# ")) throw new Error(`plugins.txt:${i + 1}: ${match[1]} needs a one-line "# reason" on the line above`);
    if (pins.some((p) => p.plugin === match[1])) throw new Error(`plugins.txt:${i + 1}: ${match[1]} is pinned twice`);
    pins.push({ plugin: match[1], version: match[2], reason: above.slice(2), line: i + 1 });
  });
  return pins;
}

/**
 * Compares two Jenkins plugin or core versions as the update center orders them, for the forms
 * pinned here: numbers separated by "." or "-" (`2.580.2`, `1.330-492`), with a continuous
 * delivery suffix `.v<commit>` or `.v<commit>_` ignored, because the numbers before it already
 * order the releases (JEP-229: `<count>.v<hash>`, the count grows with every commit).
 * Returns <0, 0 or >0.
 */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .replace(/\.v[0-9a-f_]+$/, "")
      .split(/[.-]/)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  const [x, y] = [parts(a), parts(b)];
  if (x.some(Number.isNaN) || y.some(Number.isNaN)) throw new Error(`cannot compare versions ${a} and ${b}`);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A dependency a plugin version declares on another plugin. */
export interface DeclaredDependency {
  readonly plugin: string;
  readonly version: string;
  readonly optional: boolean;
}

/** What was read upstream about one pinned plugin version, each fact with its source. */
export interface PluginFacts {
  readonly version: string;
  /** owner/name of its GitHub repository. */
  readonly repository: string;
  /** The git tag of the release, and its commit. */
  readonly tag: string;
  readonly commit: string;
  /** Committer date of the tag's commit. */
  readonly released: string;
  /** The Jenkins core it requires: `jenkins.version` of its pom.xml at the tag. */
  readonly minimumCore: string;
  readonly minimumCoreSource: string;
  readonly dependencies: readonly DeclaredDependency[];
  /** Where the dependency versions were read: the pom at the tag and the BOM it imports. */
  readonly dependenciesSource: string;
  /** Where the version was chosen from (the BOM's tested set, or the newest tag upstream). */
  readonly versionSource: string;
}

/** The Jenkins core of the image, from the Dockerfile's `FROM jenkins/jenkins:<version>-lts-jdk21`. */
export function imageCore(dockerfile: string): string {
  const match = /^FROM jenkins\/jenkins:(\d+\.\d+\.\d+)-lts-jdk\d+$/m.exec(dockerfile);
  if (!match) throw new Error("controller-image/Dockerfile has no FROM jenkins/jenkins:<version>-lts-jdk<n> line");
  return match[1];
}

/**
 * What is wrong with a set of pins, given the facts recorded for each: a pin without facts or
 * with facts of another version, a pin that needs a newer core than the image's, and a pin that
 * another pin needs newer (jenkins-plugin-cli would refuse the set, or Jenkins would not load the
 * plugin that needs it; an optional dependency counts once it is installed). Dependencies
 * nobody pins are resolved to the highest version any pin declares, which jenkins-plugin-cli
 * does with --latest=false; they are listed by {@link resolvedDependencies}.
 */
export function pinProblems(pins: readonly PluginPin[], facts: Readonly<Record<string, PluginFacts>>, core: string): string[] {
  const problems: string[] = [];
  const pinned = new Map(pins.map((p) => [p.plugin, p]));
  for (const pin of pins) {
    const fact = facts[pin.plugin];
    if (!fact) {
      problems.push(`${pin.plugin}:${pin.version} has no recorded facts in plugin-facts.json`);
      continue;
    }
    if (fact.version !== pin.version) {
      problems.push(`${pin.plugin}: plugins.txt pins ${pin.version}, but the facts recorded are of ${fact.version}; record the facts of the pinned version`);
      continue;
    }
    if (compareVersions(fact.minimumCore, core) > 0) {
      problems.push(`${pin.plugin}:${pin.version} requires Jenkins ${fact.minimumCore}, newer than the image's ${core}`);
    }
    for (const dep of fact.dependencies) {
      const other = pinned.get(dep.plugin);
      if (other && compareVersions(other.version, dep.version) < 0) {
        problems.push(`${pin.plugin}:${pin.version} needs ${dep.plugin} ${dep.version} or newer${dep.optional ? " (optional, but pinned)" : ""}, and plugins.txt pins ${dep.plugin}:${other.version}`);
      }
    }
  }
  for (const plugin of Object.keys(facts).filter((p) => !pinned.has(p))) problems.push(`plugin-facts.json records ${plugin}, which plugins.txt does not pin`);
  return problems;
}

/** The version jenkins-plugin-cli installs of each required dependency nobody pins: the highest declared. */
export function resolvedDependencies(pins: readonly PluginPin[], facts: Readonly<Record<string, PluginFacts>>): Map<string, string> {
  const pinned = new Set(pins.map((p) => p.plugin));
  const resolved = new Map<string, string>();
  for (const pin of pins) {
    for (const dep of facts[pin.plugin]?.dependencies ?? []) {
      if (pinned.has(dep.plugin) || dep.optional) continue;
      const current = resolved.get(dep.plugin);
      if (!current || compareVersions(dep.version, current) > 0) resolved.set(dep.plugin, dep.version);
    }
  }
  return resolved;
}
