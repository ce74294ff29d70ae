/**
 * A deployed stack's outputs, as `pulumi stack output --json --show-secrets` prints them, or
 * from a file of the same shape (for CI and tests). Shared by the commands that work on a
 * deployed stack (`npm run verify`, `npm run sizing`).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import type { DeployedTemplate } from "../lib/jenkins/cloud";

export type StackOutputs = Record<string, unknown>;

/** Raised when the outputs cannot be read or lack what a command needs; its message says which. */
export class OutputsError extends Error {}

/** Where the outputs come from: a file, or the Pulumi CLI for a stack. */
export type OutputsSource = { readonly file: string } | { readonly stack: string };

export async function readStackOutputs(source: OutputsSource): Promise<StackOutputs> {
  const text = "file" in source ? readFile(source.file) : await pulumiStackOutput(source.stack);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new OutputsError(`the stack outputs are not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new OutputsError("the stack outputs are not a JSON object");
  return parsed as StackOutputs;
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new OutputsError(`cannot read the outputs file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function pulumiStackOutput(stack: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "the Pulumi CLI is not installed (or pass --outputs <file>)" : stderr.trim() || err.message;
      reject(new OutputsError(`pulumi stack output --stack ${stack} failed: ${why}`));
    }),
  );
}

/** The output `name` as a non-empty string, or an error naming it. */
export function stringOutput(outputs: StackOutputs, name: string): string {
  const value = outputs[name];
  if (typeof value !== "string" || value === "") {
    throw new OutputsError(`the stack has no output "${name}" (a stack deployed before it was added? run pulumi up first)`);
  }
  return value;
}

/** The `agentTemplates` output: every template as deployed. */
export function agentTemplatesOutput(outputs: StackOutputs): DeployedTemplate[] {
  const value = outputs.agentTemplates;
  if (!Array.isArray(value) || value.length === 0 || value.some((t) => typeof t?.label !== "string")) {
    throw new OutputsError('the stack has no output "agentTemplates" (a stack deployed before it was added? run pulumi up first)');
  }
  return value as DeployedTemplate[];
}
