/**
 * `npm run bench -- [--runs 3] [--only plan|test] [--stack prod] [--json]`: how long the developer
 * loop takes, so that the next change can be compared with this one.
 *
 * It runs, one after the other and as a user would, `npm run plan -- --stack <stack> --json`
 * and `npm test`, each `--runs` times, and prints the median, fastest and slowest wall time of
 * each, with the machine's core count and Node version (the budgets in the README are for the
 * 2-core machines CI and the team use). A run that fails stops the bench: a fast failure is not
 * a measurement. Nothing is cached between runs by the bench itself; `npm test`'s own type-check
 * record (tests/run.js) is left as it is, so the test runs measure the loop of a developer who
 * has just changed nothing. Touch a file first to measure a one-file change.
 */
import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import { UsageError, readFlags } from "./flags";

const FLAGS = [
  ["--runs <n>", "run each command this many times, 1-20 (default 3)"],
  ["--only <plan|test>", "measure only the offline plan or only the test suite"],
  ["--stack <stack>", "the stack the plan is made of (default prod, the larger)"],
  ["--json", "print the results as one JSON document"],
  ["--help", "print this help"],
] as const;

export const USAGE = [
  "usage: npm run bench -- [--runs 3] [--only plan|test] [--stack prod] [--json]",
  "",
  "Prints the median wall time of N runs of `npm run plan -- --stack <stack> --json` and of `npm test`.",
  "",
  ...FLAGS.map(([flag, text]) => `  ${flag.padEnd(22)}${text}`),
].join("\n");

export { UsageError };

export type Measured = "plan" | "test";

export interface BenchOptions {
  readonly runs: number;
  readonly measure: readonly Measured[];
  readonly stack: string;
  readonly json: boolean;
}

export function parseArgs(argv: readonly string[]): BenchOptions | "help" {
  let runs = 3;
  let measure: Measured[] = ["plan", "test"];
  let stack = "prod";
  let json = false;
  const help = readFlags(argv, USAGE, (flag, value) => {
    if (flag === "--runs") {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 20) throw new UsageError(`--runs takes a whole number from 1 to 20, not ${JSON.stringify(v)}`);
      runs = Number(v);
    } else if (flag === "--only") {
      const v = value();
      if (v !== "plan" && v !== "test") throw new UsageError(`--only takes plan or test, not ${JSON.stringify(v)}`);
      measure = [v];
    } else if (flag === "--stack") stack = value();
    else if (flag === "--json") json = true;
    else return false;
    return true;
  });
  return help ?? { runs, measure, stack, json };
}

/** The middle value, or the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("the median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface Timing {
  readonly command: string;
  readonly runsSeconds: readonly number[];
  readonly medianSeconds: number;
  readonly minSeconds: number;
  readonly maxSeconds: number;
}

export function timing(command: string, runsSeconds: readonly number[]): Timing {
  return { command, runsSeconds, medianSeconds: median(runsSeconds), minSeconds: Math.min(...runsSeconds), maxSeconds: Math.max(...runsSeconds) };
}

/** The npm command line each measurement runs. */
export function commandLine(measured: Measured, stack: string): readonly string[] {
  return measured === "plan" ? ["run", "--silent", "plan", "--", "--stack", stack, "--json"] : ["test", "--silent"];
}

export function formatTimings(timings: readonly Timing[], machine: string): string {
  const lines = [`${machine}`];
  for (const t of timings) {
    const runs = t.runsSeconds.map((s) => s.toFixed(2)).join(", ");
    lines.push(`${t.command.padEnd(44)} median ${t.medianSeconds.toFixed(2)} s  (${t.runsSeconds.length} runs: ${runs})`);
  }
  return lines.join("\n");
}

/** Runs `npm <args>` with its output discarded; resolves with the wall time in seconds. */
function timeNpm(args: readonly string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.platform === "win32" ? "npm.cmd" : "npm", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`npm ${args.join(" ")} exited ${code}:\n${stderr.trim().split("\n").slice(-15).join("\n")}`));
    });
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const root = path.join(__dirname, "..");
  const timings: Timing[] = [];
  for (const measured of options.measure) {
    const args = commandLine(measured, options.stack);
    const runs: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      runs.push(await timeNpm(args, root));
      if (!options.json) process.stderr.write(`  npm ${args.join(" ")}: ${runs[i].toFixed(2)} s\n`);
    }
    timings.push(timing(`npm ${args.join(" ")}`, runs));
  }
  const machine = `${os.cpus().length} cores, Node ${process.version}, ${os.platform()}`;
  process.stdout.write(`${options.json ? JSON.stringify({ machine, timings }, null, 2) : formatTimings(timings, machine)}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof UsageError ? err.message : (err as Error)?.message ?? String(err)}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
