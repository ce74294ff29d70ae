/** Runs the repository's npm scripts as a user would, from the project root, as real processes. */
import { spawn } from "child_process";
import { PROJECT_ROOT } from "../offline/stackConfig";

export interface NpmRunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const started = new Map<string, Promise<NpmRunResult>>();

/**
 * `npm run --silent <script> -- <args>`. Each command line runs once per mocha process, and it
 * starts when first asked for: a test file that asks at load time gets the process running on
 * the second core while the in-process tests run on the first.
 */
export function npmRun(script: string, ...args: string[]): Promise<NpmRunResult> {
  const key = JSON.stringify([script, ...args]);
  if (!started.has(key)) {
    started.set(
      key,
      new Promise((resolve) => {
        const child = spawn("npm", ["run", "--silent", script, "--", ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
      }),
    );
  }
  return started.get(key)!;
}

/** Every command line started so far, for an `after` hook that must wait for them. */
export function allStarted(): Promise<NpmRunResult[]> {
  return Promise.all(started.values());
}
