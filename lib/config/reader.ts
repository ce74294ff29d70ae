/**
 * Reading raw stack config: a reader that turns strings into typed values and collects every
 * problem instead of throwing, and the one error that reports them all.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./keys";

/**
 * Raised when stack config is invalid; `problems` holds one line per problem. A RunError, so
 * the Pulumi CLI prints the message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly stack: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Raw config as the Pulumi engine hands it over: full keys (`ns:key`) to string values. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

export const show = (value: unknown): string => JSON.stringify(value);

/** Reads typed values from raw config, collecting problems instead of throwing. */
export class ConfigReader {
  readonly problems: string[] = [];
  /** What is allowed but probably a mistake; the program logs each as a Pulumi warning. */
  readonly warnings: string[] = [];

  constructor(private readonly raw: RawConfig) {}

  /** Full key for a project key (`jnlpPort` → `jenkins-ecs:jnlpPort`); namespaced keys pass through. */
  key(name: string): string {
    return name.includes(":") ? name : `${PROJECT}:${name}`;
  }

  has(name: string): boolean {
    return this.text(name) !== undefined;
  }

  text(name: string): string | undefined {
    const value = this.raw[this.key(name)];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  problem(name: string, value: unknown, allowed: string): void {
    this.problems.push(`${this.key(name)}: ${show(value)} is not allowed; ${allowed}.`);
  }

  missing(name: string, allowed: string): void {
    this.problems.push(`${this.key(name)}: is required; ${allowed}.`);
  }

  string(name: string, test: (v: string) => boolean, allowed: string): string | undefined {
    const value = this.text(name);
    if (value !== undefined && !test(value)) {
      this.problem(name, value, allowed);
      return undefined;
    }
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number, extra?: (n: number) => string | undefined): number {
    const value = this.text(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    const allowed = `expected a whole number from ${min} to ${max}`;
    if (!/^-?\d+$/.test(value) || n < min || n > max) {
      this.problem(name, value, allowed);
      return fallback;
    }
    const reason = extra?.(n);
    if (reason) {
      this.problem(name, value, reason);
      return fallback;
    }
    return n;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if (value !== "true" && value !== "false") {
      this.problem(name, value, "expected true or false");
      return fallback;
    }
    return value === "true";
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      this.problem(name, value, `expected one of ${allowed.map(show).join(", ")}`);
      return fallback;
    }
    return value as T;
  }

  /** A list given as a YAML/JSON list in the stack file, or as `a,b,c` on the command line. */
  list(name: string): string[] | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (value.startsWith("[")) {
      const parsed = this.json(name);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) {
        return parsed.map((item) => item.trim());
      }
      this.problem(name, value, "expected a list of strings");
      return undefined;
    }
    return value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  }

  json(name: string): unknown {
    const value = this.text(name)!;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
}

/** A number written in quotes (`cpu: "1024"`) is a string to YAML and to the CLI: say so. */
export function quotedNumber(r: ConfigReader, key: string, value: unknown): boolean {
  if (typeof value !== "string" || !/^\s*-?\d+(\.\d+)?\s*$/.test(value)) return false;
  r.problem(key, value, `expected a number, not a string: write ${value.trim()} without quotes`);
  return true;
}

/** A true/false field of a template; a quoted "true" gets its own message. */
export function templateBoolean(r: ConfigReader, key: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    r.problem(key, value, value === "true" || value === "false" ? `expected true or false, not a string: write ${value} without quotes` : "expected true or false");
  }
  return value === true;
}
