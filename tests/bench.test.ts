import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { USAGE, commandLine, formatTimings, median, parseArgs, timing } from "../commands/bench";

describe("npm run bench", () => {
  it("is the bench module, run as the other commands are", () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).scripts;
    assert.strictEqual(scripts.bench, "node -r ts-node/register commands/bench.ts");
  });

  it("takes the median of odd and even counts, whatever the order", () => {
    assert.strictEqual(median([3.1]), 3.1);
    assert.strictEqual(median([9, 1, 5]), 5);
    assert.strictEqual(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), RangeError);
  });

  it("reports median, fastest and slowest of the runs", () => {
    const t = timing("npm test", [14.2, 12.9, 19.5]);
    assert.deepStrictEqual([t.medianSeconds, t.minSeconds, t.maxSeconds], [14.2, 12.9, 19.5]);
    assert.match(formatTimings([t], "2 cores"), /npm test\s+median 14\.20 s {2}\(3 runs: 14\.20, 12\.90, 19\.50\)/);
  });

  it("measures the plan a user runs and the same npm test as CI", () => {
    assert.deepStrictEqual(commandLine("plan", "prod"), ["run", "--silent", "plan", "--", "--stack", "prod", "--json"]);
    assert.deepStrictEqual(commandLine("test", "prod").slice(0, 1), ["test"]);
    const ci = fs.readFileSync(path.join(__dirname, "..", ".ci", "run"), "utf8");
    assert.match(ci, /npm test/);
  });

  it("reads its flags, and refuses what it cannot measure", () => {
    assert.deepStrictEqual(parseArgs([]), { runs: 3, measure: ["plan", "test"], stack: "prod", json: false });
    assert.deepStrictEqual(parseArgs(["--runs", "5", "--only", "plan", "--stack", "dev", "--json"]), { runs: 5, measure: ["plan"], stack: "dev", json: true });
    assert.strictEqual(parseArgs(["--help"]), "help");
    assert.throws(() => parseArgs(["--runs", "0"]), /1 to 20, not "0"/);
    assert.throws(() => parseArgs(["--only", "tsc"]), /plan or test, not "tsc"/);
    assert.throws(() => parseArgs(["--fast"]), /unknown argument "--fast"/);
    assert.match(USAGE, /--runs <n>/);
  });
});
