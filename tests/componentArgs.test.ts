import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { PROJECT_ROOT } from "../offline/stackConfig";

const COMPONENTS = path.join(PROJECT_ROOT, "components");

/** Every exported interface of components/ with its properties: name, type text and whether it has a doc comment. */
function exportedInterfaces(): { file: string; name: string; properties: { name: string; type: string; documented: boolean }[] }[] {
  return fs.readdirSync(COMPONENTS).filter((f) => f.endsWith(".ts")).flatMap((file) => {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(COMPONENTS, file), "utf8"), ts.ScriptTarget.ES2022, true);
    return source.statements.filter(ts.isInterfaceDeclaration).filter((i) => i.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)).map((i) => ({
      file,
      name: i.name.text,
      properties: i.members.filter(ts.isPropertySignature).map((p) => ({
        name: p.name.getText(source),
        type: p.type?.getText(source) ?? "",
        documented: ts.getJSDocCommentsAndTags(p).length > 0,
      })),
    }));
  });
}

describe("components take narrow, documented inputs", () => {
  const interfaces = exportedInterfaces();

  it("finds the Args of Controller and Agents", () => {
    for (const name of ["ControllerArgs", "AgentsArgs"]) assert.ok(interfaces.some((i) => i.name === name), `${name} not found`);
  });

  it("no component input is the whole Settings", () => {
    const whole = interfaces.flatMap((i) => i.properties.filter((p) => /\bSettings\b/.test(p.type)).map((p) => `${i.file} ${i.name}.${p.name}: ${p.type}`));
    assert.deepStrictEqual(whole, []);
    for (const file of fs.readdirSync(COMPONENTS)) {
      assert.doesNotMatch(fs.readFileSync(path.join(COMPONENTS, file), "utf8"), /import[^;]*\bSettings\b[^;]*from/, `${file} imports the whole Settings`);
    }
  });

  it("every field of the Controller's and the Agents' inputs has a doc comment", () => {
    const inputs = ["ControllerArgs", "ControllerNetwork", "ControllerAgents", "ControllerDns", "AgentsArgs"];
    const undocumented = interfaces.filter((i) => inputs.includes(i.name)).flatMap((i) => i.properties.filter((p) => !p.documented).map((p) => `${i.name}.${p.name}`));
    assert.deepStrictEqual(undocumented, []);
  });
});
