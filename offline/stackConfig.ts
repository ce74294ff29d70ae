/**
 * Loads a stack's configuration the way the Pulumi CLI hands it to the program, and refuses it
 * where the CLI would refuse it, with the CLI's own words. So `npm run plan` and the tests stop
 * exactly where `pulumi preview` would stop, before the program runs.
 *
 * The rules, from pulumi/pulumi at tag v3.259.0:
 * - `sdk/go/common/workspace/project.go` (`Project.Validate`, `ValidateConfigValue`,
 *   `RewriteShorthandConfigValues`) and `project.json` (the schema of a config declaration):
 *   what a `Pulumi.yaml` may declare.
 * - `pkg/workspace/config.go` (`mergeConfig`, `validateStackConfigValue`): a key declared
 *   without `default` or `value` is required of every stack; a declared `default` is written
 *   into the stack's config; typed keys are checked against their type.
 * - `sdk/go/common/resource/config/key.go` (`ParseKey`): stack keys are `<namespace>:<name>`.
 * - `sdk/go/common/resource/config/object.go` (`MarshalString`): scalars reach the program as
 *   text, lists and maps as JSON.
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Placeholder for `secure:` values, which cannot be decrypted without the Pulumi CLI. */
export const OFFLINE_SECRET = "offline-placeholder-secret";

/** The item type of an `array` declaration; nested arrays declare their own items. */
export interface ConfigItemsType {
  readonly type: string;
  readonly items?: ConfigItemsType;
}

/** One entry of `Pulumi.yaml`'s `config:` block, after the CLI's shorthand rewrite. */
export interface ConfigDeclaration {
  readonly type?: string;
  readonly items?: ConfigItemsType;
  readonly description?: string;
  readonly default?: unknown;
  readonly value?: unknown;
  readonly secret?: boolean;
}

export interface ProjectFile {
  readonly name: string;
  readonly config: Readonly<Record<string, ConfigDeclaration>>;
}

/**
 * Raised where the Pulumi CLI would stop before the program runs: a stack or project file it
 * cannot read, a `Pulumi.yaml` it refuses, or stack config that misses or mistypes a key.
 */
export class CliConfigError extends Error {}

/** The attributes project.json allows in a declaration, and the types it knows. */
const DECLARATION_ATTRIBUTES = ["type", "items", "description", "secret", "default", "value"];
const CONFIG_TYPES = ["string", "integer", "boolean", "array"];

/** A config value as the CLI holds it: its text, and whether that text is JSON or a secret. */
interface CliValue {
  readonly text: string;
  readonly object: boolean;
  readonly secure: boolean;
}

function readYaml(file: string): unknown {
  if (!fs.existsSync(file)) {
    throw new CliConfigError(`No stack file: ${path.relative(process.cwd(), file) || file} does not exist.`);
  }
  try {
    return YAML.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliConfigError(`${path.basename(file)} is not valid YAML: ${(err as Error).message}`);
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown) => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v));

/** Project keys are written bare or as `<project>:<key>`; anything else is another namespace. */
function namespacedByProject(project: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${project}:`);
}

/** Full key as the CLI spells it: bare project keys get the project's namespace. */
function fullKey(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * `Pulumi.yaml` with the CLI's shorthand applied: `key: 5` declares a default for a project key
 * and a value for a namespaced one (`RewriteShorthandConfigValues`).
 */
export function readProjectFile(root = PROJECT_ROOT): ProjectFile {
  const raw = readYaml(path.join(root, "Pulumi.yaml"));
  if (!isMap(raw) || typeof raw.name !== "string" || raw.name === "") {
    throw new CliConfigError("project is missing a non-empty string 'name' attribute");
  }
  const name = raw.name;
  const config: Record<string, ConfigDeclaration> = {};
  for (const [key, declared] of Object.entries(isMap(raw.config) ? raw.config : {})) {
    config[key] =
      isPrimitive(declared) || Array.isArray(declared)
        ? namespacedByProject(name, key)
          ? { default: declared }
          : { value: declared }
        : (declared as ConfigDeclaration);
  }
  return { name, config };
}

/** The type name the CLI prints: `integer`, `array<string>`, ... (`InferFullTypeName`). */
function typeName(type: string, items?: ConfigItemsType): string {
  return items ? `array<${typeName(items.type, items.items)}>` : type;
}

/**
 * Whether `value` has the declared type (`ValidateConfigValue`): integers may be digit
 * strings or whole numbers, booleans the strings "true"/"false", arrays need item types.
 */
export function hasConfigType(type: string, items: ConfigItemsType | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      // Go's strconv.Atoi: an optional sign and decimal digits, within 64 bits.
      if (typeof value === "string") return /^[+-]?\d+$/.test(value) && Math.abs(Number(value)) <= Number.MAX_SAFE_INTEGER;
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return isMap(value);
    default:
      return Array.isArray(value) && items !== undefined && value.every((item) => hasConfigType(items.type, items.items, item));
  }
}

/**
 * What the CLI says about a `Pulumi.yaml`'s config block (project.json's schema, then
 * `Project.Validate`), in its own words; empty when it accepts the file.
 */
export function projectFileProblems(project: ProjectFile): string[] {
  const problems: string[] = [];
  for (const [key, declared] of Object.entries(project.config).sort(([a], [b]) => a.localeCompare(b))) {
    if (typeof declared !== "object" || declared === null || Array.isArray(declared)) {
      problems.push(`#/config/${key}: expected a string, integer, boolean or a config type declaration`);
      continue;
    }
    for (const attribute of Object.keys(declared).filter((a) => !DECLARATION_ATTRIBUTES.includes(a))) {
      problems.push(`#/config/${key}: additionalProperties '${attribute}' not allowed`);
    }
    if (declared.type !== undefined && !CONFIG_TYPES.includes(declared.type)) {
      problems.push(`#/config/${key}/type: value must be one of ${CONFIG_TYPES.map((t) => `"${t}"`).join(", ")}`);
    }
    if (declared.default !== undefined && declared.value !== undefined) {
      problems.push(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
    }
    if (namespacedByProject(project.name, key)) {
      if (declared.type === "array" && declared.items === undefined) {
        problems.push(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
      } else if (declared.type !== undefined && declared.default !== undefined && !hasConfigType(declared.type, declared.items, declared.default)) {
        problems.push(`The default value specified for configuration key '${key}' is not of the expected type '${typeName(declared.type, declared.items)}'`);
      }
    } else if (declared.type !== undefined) {
      problems.push(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
    } else if (declared.default !== undefined) {
      problems.push(
        `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
      );
    } else if (declared.value === undefined) {
      problems.push(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
    }
  }
  return problems;
}

/** A YAML value as the CLI stores it (`object.MarshalString`); nested secrets become placeholders. */
function toCliValue(value: unknown): CliValue {
  if (isMap(value) && "secure" in value && Object.keys(value).length === 1) return { text: OFFLINE_SECRET, object: false, secure: true };
  if (typeof value === "string") return { text: value, object: false, secure: false };
  if (typeof value === "boolean" || typeof value === "number") return { text: JSON.stringify(value), object: false, secure: false };
  const plain = JSON.stringify(value, (_k, v) => (isMap(v) && "secure" in v && Object.keys(v).length === 1 ? OFFLINE_SECRET : v));
  return { text: plain ?? "null", object: true, secure: false };
}

/** A `default` or `value` from Pulumi.yaml as the CLI writes it into the stack (`createConfigValue`). */
function declaredValue(value: unknown): CliValue {
  return isPrimitive(value) ? { text: String(value), object: false, secure: false } : { text: JSON.stringify(value), object: true, secure: false };
}

/** "'a'", "'a' and 'b'", "'a', 'b' and 'c'" (`formatMissingKeys`). */
function formatKeys(keys: string[]): string {
  const quoted = [...keys].sort().map((k) => `'${k}'`);
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

export interface StackConfigSource {
  /** Folder holding Pulumi.yaml. */
  readonly root?: string;
  /** The stack file; by default `Pulumi.<stack>.yaml` beside Pulumi.yaml. */
  readonly file?: string;
}

/**
 * Config for `stack` as the program would receive it from the Pulumi CLI: full `ns:key` names,
 * scalars as text, lists and maps as JSON, Pulumi.yaml's defaults and values applied.
 * @throws CliConfigError wherever the CLI would refuse the project file or the stack's config.
 */
export function loadStackConfig(stack: string, source: StackConfigSource = {}): Record<string, string> {
  const root = source.root ?? PROJECT_ROOT;
  const project = readProjectFile(root);
  const projectProblems = projectFileProblems(project);
  if (projectProblems.length > 0) throw new CliConfigError(`Pulumi.yaml: ${projectProblems.join("\n")}`);

  const file = source.file ?? path.join(root, `Pulumi.${stack}.yaml`);
  const parsed = readYaml(file);
  const config = (isMap(parsed) ? parsed.config : undefined) ?? {};
  if (!isMap(config)) throw new CliConfigError(`${path.basename(file)}: "config" must be a map of keys to values.`);

  const values = new Map<string, CliValue>();
  for (const [key, value] of Object.entries(config)) {
    const parts = key.split(":");
    if (parts.length !== 2 || parts.some((p) => p === "")) {
      throw new CliConfigError(`could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`);
    }
    values.set(key, toCliValue(value));
  }

  const missing: string[] = [];
  const keys = Object.keys(project.config).sort();
  for (const key of keys) {
    const declared = project.config[key];
    const full = fullKey(project.name, key);
    if (values.has(full)) continue;
    const given = declared.default ?? declared.value;
    if (given !== undefined) values.set(full, declaredValue(given));
    else if (namespacedByProject(project.name, key)) missing.push(key);
  }
  if (missing.length > 0) {
    throw new CliConfigError(`Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${formatKeys(missing)}`);
  }

  for (const key of keys) {
    const declared = project.config[key];
    const value = values.get(fullKey(project.name, key));
    if (declared.type === undefined || value === undefined) continue;
    if (declared.secret && !value.secure) {
      throw new CliConfigError(`Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`);
    }
    // A secret cannot be decrypted offline, so its type cannot be checked here.
    if (value.secure) continue;
    const content: unknown = value.object ? JSON.parse(value.text) : value.text;
    if (!hasConfigType(declared.type, declared.items, content)) {
      throw new CliConfigError(`Stack '${stack}' with configuration key '${key}' must be of type '${typeName(declared.type, declared.items)}'`);
    }
  }

  return Object.fromEntries([...values].map(([key, value]) => [key, value.text]));
}
