/** Command-line flags of the commands beside `pulumi` (`npm run verify`, `npm run sizing`). */

/** A command line the command cannot use; its message says why, and how to call it. */
export class UsageError extends Error {}

/**
 * Reads `argv` one flag at a time. `take(flag, value)` handles a flag, calling `value()` for
 * the next argument when the flag takes one, and returns false for a flag it does not know.
 * Returns "help" when `--help` or `-h` is given.
 */
export function readFlags(argv: readonly string[], usage: string, take: (flag: string, value: () => string) => boolean): "help" | undefined {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") return "help";
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value\n\n${usage}`);
      return v;
    };
    if (!take(flag, value)) throw new UsageError(`unknown argument ${JSON.stringify(flag)}\n\n${usage}`);
  }
  return undefined;
}
