/**
 * Loads a stack's configuration from `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to
 * the program: full `namespace:key` names, scalars as strings, lists and maps as JSON, and the
 * project-level defaults from `Pulumi.yaml` for keys the stack does not set.
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Placeholder for `secure:` values, which cannot be decrypted without the Pulumi CLI. */
export const OFFLINE_SECRET = "offline-placeholder-secret";

export interface ProjectFile {
  name: string;
  config?: Record<string, { type?: string; description?: string; default?: unknown; items?: unknown }>;
}

export function readProjectFile(root = PROJECT_ROOT): ProjectFile {
  return YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/** Thrown when a stack file is missing or is not a YAML map with a `config:` map. */
export class StackFileError extends Error {}

function toConfigString(value: unknown): string {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) return OFFLINE_SECRET;
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

/** Full key as the CLI spells it: project keys may be written without their namespace. */
function fullKey(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** Config for `stack` from the stack file in `root`, defaults applied. */
export function loadStackConfig(stack: string, root = PROJECT_ROOT): Record<string, string> {
  const project = readProjectFile(root);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new StackFileError(`No stack file for stack "${stack}": ${path.relative(process.cwd(), file) || file} does not exist.`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new StackFileError(`${path.basename(file)} is not valid YAML: ${(err as Error).message}`);
  }
  const config = (parsed as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new StackFileError(`${path.basename(file)}: "config" must be a map of keys to values.`);
  }

  const result: Record<string, string> = {};
  for (const [key, declared] of Object.entries(project.config ?? {})) {
    if (declared && typeof declared === "object" && "default" in declared) {
      result[fullKey(project.name, key)] = toConfigString(declared.default);
    }
  }
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    result[fullKey(project.name, key)] = toConfigString(value);
  }
  return result;
}
