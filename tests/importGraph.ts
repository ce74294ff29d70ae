/**
 * The program's import graph, read with the TypeScript compiler's own import scanner
 * (`ts.preProcessFile`: static imports, `import type`, re-exports, `import()` and `require`),
 * and the circles in it (Tarjan's strongly connected components).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** Relative path of a file (from `root`) to the relative paths it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SKIPPED_DIRS = new Set(["node_modules", "bin", ".git"]);

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) || entry.name.startsWith(".") ? [] : tsFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** Resolves a relative specifier the way Node and `moduleResolution: node` do for our sources. */
function resolve(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  return [`${base}.ts`, path.join(base, "index.ts"), base].find((candidate) => candidate.endsWith(".ts") && fs.existsSync(candidate));
}

/** Every `.ts` file under `root` (but node_modules and build output) and its imports of other such files. */
export function importGraph(root: string): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(root)) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    const targets = importedFiles
      .map((ref) => ref.fileName)
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => {
        const target = resolve(file, specifier);
        if (!target) throw new Error(`${path.relative(root, file)}: cannot resolve import "${specifier}"`);
        return path.relative(root, target);
      });
    graph.set(path.relative(root, file), [...new Set(targets)].sort());
  }
  return graph;
}

/** Every import circle: each strongly connected component of more than one file, or a file importing itself. */
export function importCircles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) circles.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return circles;
}

/** The graph of folders: `lib/aws` imports `lib/jenkins` when any file of one imports a file of the other. */
export function folderGraph(graph: ImportGraph, folderOf: (file: string) => string): ImportGraph {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    const set = folders.get(from) ?? new Set<string>();
    for (const target of targets) if (folderOf(target) !== from) set.add(folderOf(target));
    folders.set(from, set);
  }
  return new Map([...folders].map(([folder, targets]) => [folder, [...targets].sort()]));
}
