// `npm test`: the type check and the test suite at once, one on each of the machine's two cores.
//
// - The type check is `tsc --build` of tsconfig.json: the same strict program as `npm run build`.
//   tsconfig.json keeps what tsc learnt in node_modules/.cache/jenkins-ecs/ (`incremental`), and
//   `--build` first asks whether anything changed since the last check: the root files, by
//   timestamp and then content hash, the tsconfig, the compiler's version, and whether the last
//   check had errors (a failing check is always run again). Nothing changed: 0.4 s instead of 9 s.
//   One file changed: tsc re-checks that file and what depends on it.
//   It does not look at node_modules, so a record older than the last `npm install`/`npm ci`
//   (npm rewrites node_modules/.package-lock.json on each) is thrown away first.
// - mocha, as .mocharc.json sets it up, with a young generation of 32 MiB: the program runs
//   allocate fast and briefly, and V8's default (16 MiB) promoted much of it to the old
//   generation (peak 870 MiB, 1 s more of GC).
//
// Both reports are shown, the type check's after the suite's; the exit code is non-zero if
// either failed.
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const bin = (pkg, file) => path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [root] })), file);
const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);

function forgetTypeCheckOlderThanInstall() {
  const record = path.join(root, "node_modules/.cache/jenkins-ecs/tsconfig.tsbuildinfo");
  const installed = Math.max(mtime(path.join(root, "node_modules/.package-lock.json")), mtime(path.join(root, "package-lock.json")));
  if (fs.existsSync(record) && mtime(record) < installed) fs.rmSync(record);
}

function run(command, args, { buffer }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", buffer ? "pipe" : "inherit", buffer ? "pipe" : "inherit"] });
    let output = "";
    if (buffer) {
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
    }
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

forgetTypeCheckOlderThanInstall();
const typeCheck = run(process.execPath, [bin("typescript", "bin/tsc"), "--build", "tsconfig.json"], { buffer: true });
const suite = run(process.execPath, ["--max-semi-space-size=32", bin("mocha", "bin/mocha.js"), ...process.argv.slice(2)], { buffer: false });

Promise.all([typeCheck, suite]).then(([tsc, mocha]) => {
  if (tsc.output) process.stdout.write(tsc.output);
  process.stdout.write(tsc.code === 0 ? "type check passed\n" : `type check failed (tsc exit ${tsc.code})\n`);
  process.exit(tsc.code !== 0 ? tsc.code : mocha.code);
});
