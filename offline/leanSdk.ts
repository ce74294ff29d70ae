/**
 * Keeps out of the offline runs (the plan and the tests) the one part of the Pulumi SDK they
 * can never use, so that each process starts faster.
 *
 * `@pulumi/pulumi/runtime/index.js` loads `runtime/closure/codePaths.js` eagerly, and that file
 * requires `@npmcli/arborist` at load time (line 29 at @pulumi/pulumi 3.248.0), which pulls in
 * about 780 modules (sigstore, tar, postcss, eight copies of semver). Arborist is only constructed
 * by `computeCodePaths` (line 193), which packages the node_modules of a serialized function
 * (`pulumi.runtime.serializeFunction`, a Lambda made from a closure). This program serializes
 * no function, and the harness never uploads code. So the module is answered by a stub that
 * throws if anything does construct it: the run then fails loudly instead of planning wrongly.
 *
 * Must be loaded before `@pulumi/pulumi`: `.mocharc.json` requires it first, and
 * `offline/plan.ts` and `offline/run.ts` import it first.
 */
import * as path from "path";

/** The message of the error the stub throws; tests look for it. */
export const ARBORIST_STUBBED = "@npmcli/arborist is not loaded in offline runs (offline/leanSdk.ts): the program tried to serialize a function";

/** Where `@pulumi/pulumi` resolves `@npmcli/arborist` from, or undefined if it does not depend on it. */
export function arboristPath(): string | undefined {
  try {
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    return require.resolve("@npmcli/arborist", { paths: [sdk] });
  } catch {
    return undefined;
  }
}

function installArboristStub(): void {
  const file = arboristPath();
  if (!file || require.cache[file]) return;
  class Arborist {
    constructor() {
      throw new Error(ARBORIST_STUBBED);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Module } = require("module");
  const stub = new Module(file, module);
  stub.filename = file;
  stub.loaded = true;
  stub.exports = { Arborist };
  require.cache[file] = stub;
}

installArboristStub();
