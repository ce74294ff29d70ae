import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { folderGraph, importCircles, importGraph } from "./importGraph";

/** The room of a file: a folder of lib/ (`lib/aws`), a file at lib/'s root, or a top-level folder or file. */
function roomOf(file: string): string {
  const parts = file.replace(/\.ts$/, "").split("/");
  return parts[0] === "lib" ? parts.slice(0, 2).join("/") : parts[0];
}

describe("the house: import graph and rooms", () => {
  const graph = importGraph(PROJECT_ROOT);

  it("reads the program's files: index.ts, lib/, components/, offline/, commands/, ci/, tests/", () => {
    for (const file of ["index.ts", "lib/config/parse.ts", "lib/preflight.ts", "components/controller.ts", "offline/plan.ts", "commands/verify.ts", "ci/index.ts", "tests/imports.test.ts"]) {
      assert.ok(graph.has(file), `${file} is not in the graph`);
    }
    assert.ok(graph.get("index.ts")!.includes("lib/config/parse.ts"));
  });

  it("has no import circle among the program's files", () => {
    assert.deepStrictEqual(importCircles(graph), []);
  });

  it("its rooms depend on each other in one direction only", () => {
    const rooms = folderGraph(graph, roomOf);
    assert.deepStrictEqual(importCircles(rooms), []);
    // As the rooms' READMEs say: AWS facts stand alone, and cost is for the commands only.
    assert.deepStrictEqual(rooms.get("lib/aws"), []);
    const costUsers = [...rooms].filter(([, targets]) => targets.includes("lib/cost")).map(([room]) => room);
    assert.deepStrictEqual(costUsers.sort(), ["commands", "offline", "tests"]);
  });

  it("config parsing depends on nothing that renders what it feeds (JCasC, container definitions)", () => {
    const reachable = new Set<string>();
    const walk = (file: string) => {
      if (reachable.has(file)) return;
      reachable.add(file);
      for (const target of graph.get(file) ?? []) walk(target);
    };
    walk("lib/config/parse.ts");
    for (const renderer of ["lib/jenkins/casc.ts", "lib/jenkins/cloud.ts", "lib/preflight.ts"]) assert.ok(!reachable.has(renderer), `lib/config/parse.ts reaches ${renderer}`);
  });

  it("finds a circle when there is one, through import type and re-exports alike", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-graph-"));
    try {
      fs.mkdirSync(path.join(dir, "lib"));
      fs.writeFileSync(path.join(dir, "lib", "a.ts"), 'import type { B } from "./b";\nexport type A = B;\n');
      fs.writeFileSync(path.join(dir, "lib", "b.ts"), 'export { c } from "../c";\nexport type B = string;\n');
      fs.writeFileSync(path.join(dir, "c.ts"), 'import { A } from "./lib/a";\nexport const c: A = "";\n');
      fs.writeFileSync(path.join(dir, "d.ts"), 'import { c } from "./c";\nexport const d = c;\n');
      const circles = importCircles(importGraph(dir));
      assert.deepStrictEqual(circles, [["c.ts", "lib/a.ts", "lib/b.ts"]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps every file under lib/ and components/ at 400 lines or fewer", () => {
    const long = [...graph.keys()]
      .filter((file) => /^(lib|components)\//.test(file))
      .map((file) => [file, fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8").split("\n").length] as const)
      .filter(([, lines]) => lines > 400);
    assert.deepStrictEqual(long, []);
  });

  it("every folder of lib/ has a README that names each of its files", () => {
    const folders = fs.readdirSync(path.join(PROJECT_ROOT, "lib"), { withFileTypes: true }).filter((e) => e.isDirectory());
    assert.ok(folders.length >= 4);
    for (const folder of folders) {
      const dir = path.join(PROJECT_ROOT, "lib", folder.name);
      const readme = path.join(dir, "README.md");
      assert.ok(fs.existsSync(readme), `lib/${folder.name} has no README.md`);
      const text = fs.readFileSync(readme, "utf8");
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) assert.ok(text.includes(`\`${file}\``), `lib/${folder.name}/README.md does not name ${file}`);
    }
  });
});
