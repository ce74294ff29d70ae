/**
 * The team's own JCasC: `*.yaml` (or `*.yml`) files in `jenkins/casc/` (every stack) and
 * `jenkins/casc/<stack>/` (that stack only), applied at every start together with the generated
 * document through JCasC's own multi-source loading (CASC_JENKINS_CONFIG names every file).
 *
 * Everything JCasC would refuse at boot, and everything that would take over what the program
 * manages, is refused here instead, before any resource exists: a file that is not YAML, a
 * top-level key no installed plugin configures, a managed key, and a conflict under JCasC's
 * merge. The merge is JCasC's own, reimplemented for the plan (see {@link mergeCasc}).
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { CASC_PATH } from "../aws/controllerTask";
import { CascInput, renderCasc } from "./casc";

/** The folder of the team's files, relative to the project root. */
export const TEAM_CASC_DIR = "jenkins/casc";
/** Where the controller writes every JCasC source at each start (made by controller-image/Dockerfile). */
export const CASC_DIR = path.posix.dirname(CASC_PATH);

/**
 * The top-level keys JCasC accepts with this image's plugins; any other stops it at boot with
 * "No configurator found for the following root element(s)" (configuration-as-code tag
 * 2117.vc05a_0b_e6b_f4e, plugin/src/main/java/io/jenkins/plugins/casc/ConfigurationAsCode.java
 * `invokeWith`, l. 842-878). The roots, by who provides them:
 * - configuration-as-code: `configuration-as-code` (SelfConfigurator), `jenkins`
 *   (JenkinsConfigurator), `items` (ItemsRootConfigurator);
 * - Jenkins core (jenkinsci/jenkins tag jenkins-2.578, one root per GlobalConfigurationCategory):
 *   `unclassified`, `security`, `tool` (ToolConfigurationCategory), `appearance`;
 * - credentials: `credentials` (CredentialsRootConfigurator, tag 1502.v5c95e620ddfe);
 * - job-dsl: `jobs` (SeedJobConfigurator, tag 3654.vdf58f53e2d15).
 * JCasC ignores keys that start with `x-` (l. 880-882: holders for YAML anchors).
 */
export const CASC_ROOTS: readonly string[] = ["configuration-as-code", "jenkins", "items", "unclassified", "security", "tool", "appearance", "credentials", "jobs"];
const isAliasHolder = (key: string) => key.startsWith("x-");

/** One JCasC source as the controller gets it. */
export interface CascFile {
  /** Where the controller writes it; CASC_JENKINS_CONFIG lists these paths in order. */
  readonly path: string;
  /** Where it comes from, for messages and the plan: a repository path, or "generated". */
  readonly source: string;
  readonly yaml: string;
}

/** Paths the program owns in the document, each with the reason shown when a team file sets it. */
export type ManagedPaths = ReadonlyMap<string, string>;

/**
 * The paths a team file may not set. The security realm and authorization are the program's
 * only with single sign-on; without it a team file may bring its own, and the generated
 * document then leaves its own out (JCasC cannot replace either from a second source).
 */
export function managedPaths(sso: boolean): ManagedPaths {
  const paths = new Map<string, string>([
    ["jenkins.clouds", "the amazon-ecs clouds are generated from jenkins-ecs:agents (one cloud per template); add a template there"],
    ["jenkins.slaveAgentPort", "the agents' inbound port is jenkins-ecs:jnlpPort, which also drives the security groups and the service record"],
    ["jenkins.numExecutors", "builds run on Fargate agents only; executors on the controller would run them next to JENKINS_HOME"],
    ["unclassified.location.url", "Jenkins' URL follows the load balancer and jenkins-ecs:domainName"],
    ["unclassified.awsCredentialsProvider", "credentials come from Secrets Manager under the stack's prefix, with the IAM scoped to it (README, \"Credentials\")"],
  ]);
  if (sso) {
    const why = "jenkins-ecs:sso configures login and authorization; change its groups there";
    paths.set("jenkins.securityRealm", why);
    paths.set("jenkins.authorizationStrategy", why);
  }
  return paths;
}

/** Raised when a team file would be refused by JCasC or would override the program; one line per problem. */
export class TeamCascError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid team JCasC in ${TEAM_CASC_DIR}/ (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "TeamCascError";
  }
}

/** A file found in the team folder: its repository path and text. */
export interface TeamFile {
  readonly source: string;
  readonly text: string;
}

// Names go into CASC_JENKINS_CONFIG, split on commas, and into a shell command: plain names only.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;

/**
 * The team's files for `stack`, in the order they are applied: the shared ones, then the stack's
 * own, each by name. Other files (README.md, ...) and the folders of other stacks are ignored.
 */
export function readTeamFiles(projectRoot: string, stack: string): TeamFile[] {
  const dir = path.join(projectRoot, TEAM_CASC_DIR);
  const yamlIn = (folder: string): string[] =>
    fs.existsSync(folder)
      ? fs
          .readdirSync(folder, { withFileTypes: true })
          .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
          .map((e) => e.name)
          .sort()
      : [];
  const read = (folder: string, prefix: string) =>
    yamlIn(folder).map((name) => ({ source: `${prefix}/${name}`, text: fs.readFileSync(path.join(folder, name), "utf8") }));
  return [...read(dir, TEAM_CASC_DIR), ...read(path.join(dir, stack), `${TEAM_CASC_DIR}/${stack}`)];
}

/** Where a team file is written in the controller: its path under the team folder, below `<CASC_DIR>/team/`. */
export function controllerPathOf(source: string): string {
  return `${CASC_DIR}/team/${source.slice(TEAM_CASC_DIR.length + 1)}`;
}

type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * JCasC's merge of several sources under its default strategy, `errorOnConflict`
 * (configuration-as-code tag 2117.vc05a_0b_e6b_f4e, plugin/src/main/java/io/jenkins/plugins/
 * casc/yaml/ErrorOnConflictMergeStrategy.java l. 18-57, called in source order by
 * yaml/YamlUtils.java l. 36-56): two mappings merge key by key, two sequences are appended in
 * source order, and any other pair at the same key is refused: two scalars, even equal ones
 * (there is no equality check: "Found conflicting configuration"), or nodes of different kinds
 * ("Found incompatible configuration elements"). Either stops Jenkins at boot. The merge runs on
 * the raw text, before `${...}` is resolved. Returns the merged document and one line per conflict.
 */
export function mergeCasc(sources: readonly { source: string; doc: Doc }[]): { merged: Doc; conflicts: string[] } {
  const conflicts: string[] = [];
  // Which source brought each key in; a key inside a subtree belongs to who brought the subtree.
  const origin = new Map<string, string>();
  const originOf = (keyPath: string): string => {
    for (let p = keyPath; p !== ""; p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "") {
      const source = origin.get(p);
      if (source) return source;
    }
    return "another source";
  };
  const merge = (into: Doc, from: Doc, at: string, source: string) => {
    for (const [key, value] of Object.entries(from)) {
      const keyPath = at ? `${at}.${key}` : key;
      if (!(key in into)) {
        into[key] = structuredClone(value);
        origin.set(keyPath, source);
      } else if (isMap(into[key]) && isMap(value)) {
        merge(into[key] as Doc, value, keyPath, source);
      } else if (Array.isArray(into[key]) && Array.isArray(value)) {
        (into[key] as unknown[]).push(...structuredClone(value));
      } else {
        conflicts.push(`${source}: ${keyPath}: already set by ${originOf(keyPath)}; JCasC refuses a key set twice (errorOnConflict), so Jenkins would not start; set it in one file only`);
      }
    }
  };
  const merged: Doc = {};
  for (const { source, doc } of sources) merge(merged, doc, "", source);
  return { merged, conflicts };
}

/** The key paths of a document that lie on or under a managed path. */
function managedKeysIn(doc: Doc, managed: ManagedPaths): [string, string][] {
  const found: [string, string][] = [];
  for (const [managedPath, why] of managed) {
    let node: unknown = doc;
    for (const part of managedPath.split(".")) node = isMap(node) ? node[part] : undefined;
    if (node !== undefined) found.push([managedPath, why]);
  }
  return found;
}

/** A team file, read once: its document (absent when empty or refused) and what is wrong with it on its own. */
interface ParsedTeamFile {
  readonly file: TeamFile;
  readonly doc?: Doc;
  readonly problems: readonly string[];
}

/** Parses one team file and checks what can be judged on it alone: its name, its YAML, its root keys. */
function parseTeamFile(file: TeamFile): ParsedTeamFile {
  const refused = (problem: string): ParsedTeamFile => ({ file, problems: [problem] });
  if (!FILE_NAME.test(path.posix.basename(file.source))) {
    return refused(`${file.source}: the file name may hold only letters, digits, ".", "_" and "-" (it is listed in CASC_JENKINS_CONFIG, which JCasC splits on commas); rename it`);
  }
  const parsed = YAML.parseDocument(file.text, { uniqueKeys: true });
  if (parsed.errors.length > 0) {
    const error = parsed.errors[0];
    const line = error.linePos?.[0].line;
    return refused(`${file.source}${line ? `:${line}` : ""}: not valid YAML: ${error.message.split("\n")[0]}`);
  }
  const doc = parsed.toJS();
  if (doc === null || doc === undefined) return { file, problems: [] };
  if (!isMap(doc)) return refused(`${file.source}: expected a mapping of JCasC root keys (${CASC_ROOTS.join(", ")}), found ${Array.isArray(doc) ? "a list" : "a single value"}`);
  const problems = Object.keys(doc)
    .filter((k) => !CASC_ROOTS.includes(k) && !isAliasHolder(k))
    .map((key) => {
      const spelled = CASC_ROOTS.find((root) => root === key.toLowerCase());
      return spelled
        ? `${file.source}: ${key}: write it as ${spelled}; JCasC matches root keys in any case, but only ${spelled} is merged with the generated document and checked here`
        : `${file.source}: ${key}: not a top-level key JCasC knows with this image's plugins (${CASC_ROOTS.join(", ")}); Jenkins would not start ("No configurator found for the following root element")`;
    });
  return { file, doc, problems };
}

/** Whether a team file sets the security realm or the authorization (then the generated document leaves its own out). */
function teamOverrides(parsed: readonly ParsedTeamFile[]): { securityRealm: boolean; authorizationStrategy: boolean } {
  const sets = (key: string) => parsed.some(({ doc }) => isMap(doc?.jenkins) && (doc!.jenkins as Doc)[key] !== undefined);
  return { securityRealm: sets("securityRealm"), authorizationStrategy: sets("authorizationStrategy") };
}

/**
 * Checks the team's files against the generated document and returns every source in the
 * order the controller applies them, the generated one first.
 * @throws TeamCascError with one line per problem: the file, the key path and the reason.
 */
function cascSources(generated: string, parsed: readonly ParsedTeamFile[], managed: ManagedPaths): CascFile[] {
  const problems: string[] = [];
  const docs: { source: string; doc: Doc }[] = [{ source: "the generated document", doc: YAML.parse(generated) }];
  for (const { file, doc, problems: own } of parsed) {
    problems.push(...own);
    if (!doc) continue;
    for (const [keyPath, why] of managedKeysIn(doc, managed)) problems.push(`${file.source}: ${keyPath}: managed by jenkins-ecs: ${why}`);
    docs.push({ source: file.source, doc });
  }
  if (problems.length === 0) problems.push(...mergeCasc(docs).conflicts);
  if (problems.length > 0) throw new TeamCascError(problems);
  return [
    { path: CASC_PATH, source: "generated", yaml: generated },
    ...parsed.map(({ file }) => ({ path: controllerPathOf(file.source), source: file.source, yaml: file.text })),
  ];
}

/**
 * Every JCasC source of the controller for this input and these team files: the generated
 * document (without its security realm or authorization where a team file brings its own, which
 * only a stack without `sso` allows), then the team's files.
 * @throws TeamCascError with one line per problem: the file, the key path and the reason.
 */
export function cascFilesFor(input: Omit<CascInput, "teamBrings">, files: readonly TeamFile[]): CascFile[] {
  const parsed = files.map(parseTeamFile);
  const teamBrings = input.sso ? { securityRealm: false, authorizationStrategy: false } : teamOverrides(parsed);
  return cascSources(renderCasc({ ...input, teamBrings }), parsed, managedPaths(input.sso !== undefined));
}
