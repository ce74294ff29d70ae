import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ARBORIST_STUBBED, arboristPath } from "../offline/leanSdk";
import { runProgram } from "../offline/run";
import { stackConfig } from "./helpers";

describe("offline runs leave out the SDK's function packaging (offline/leanSdk.ts)", () => {
  it("the SDK still loads @npmcli/arborist eagerly, so the stub saves that load", () => {
    const codePaths = path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "runtime", "closure", "codePaths.js");
    assert.match(fs.readFileSync(codePaths, "utf8"), /^const arborist = .*require\("@npmcli\/arborist"\)/m);
    assert.ok(arboristPath(), "@pulumi/pulumi no longer resolves @npmcli/arborist: remove the stub");
  });

  it("packaging a function fails loudly with the stub's message instead of planning without code", async () => {
    await assert.rejects(pulumi.runtime.computeCodePaths(), (err: Error) => err.message === ARBORIST_STUBBED);
  });

  it("a program run restores the stack-trace settings it shortens", async () => {
    const before = { limit: Error.stackTraceLimit, format: Error.prepareStackTrace };
    assert.ok(before.format, "ts-node's source-map support formats traces in the tests");
    await runProgram("dev", stackConfig("dev"));
    assert.deepStrictEqual({ limit: Error.stackTraceLimit, format: Error.prepareStackTrace }, before);
  });
});
