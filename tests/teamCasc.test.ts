import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { CASC_ROOTS, TEAM_CASC_DIR, TeamCascError, TeamFile, cascFilesFor, managedPaths, mergeCasc, readTeamFiles } from "../lib/jenkins/teamCasc";
import { CascInput } from "../lib/jenkins/casc";
import { CASC_ENV, CASC_PATH, CASC_SOURCES_ENV, teamCascEnv } from "../lib/aws/controllerTask";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { render } from "../offline/plan";
import { containersOf, expectOne, runStack } from "./helpers";

const input: Omit<CascInput, "teamBrings"> = {
  project: "jenkins-ecs",
  stack: "test",
  publicUrl: "https://jenkins.example.com/",
  jnlpPort: 50000,
  adminUser: "admin",
  credentialsPrefix: "jenkins-ecs/test/",
  cloud: {
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/agents",
    region: "eu-west-1",
    jenkinsUrl: "http://jenkins.test.internal:8080/",
    tunnel: "jenkins.test.internal:50000",
    subnetIds: ["subnet-aaaaaaaa", "subnet-bbbbbbbb"],
    securityGroupId: "sg-0123456789abcdef0",
    idleMinutes: 5,
    templates: [{ label: "ecs", cloudName: "ecs-test-ecs", family: "fam-ecs", spot: false, maxAgents: 3, reuse: false }],
  },
};
const sso = { issuer: "https://login.example.com/", clientId: "jenkins", adminGroups: ["admins"], userGroups: ["devs"], groupsClaim: "groups" };
const file = (name: string, text: string): TeamFile => ({ source: `${TEAM_CASC_DIR}/${name}`, text });

/** The problems a set of team files is refused with. */
function refusals(files: TeamFile[], withSso = false): string[] {
  try {
    cascFilesFor({ ...input, ...(withSso ? { sso } : {}) }, files);
  } catch (err) {
    assert.ok(err instanceof TeamCascError, `expected a TeamCascError, got ${err}`);
    return [...err.problems];
  }
  return [];
}

describe("team JCasC: reading the folder", () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "team-casc-"));
    const dir = path.join(root, TEAM_CASC_DIR);
    fs.mkdirSync(path.join(dir, "dev"), { recursive: true });
    fs.mkdirSync(path.join(dir, "prod"), { recursive: true });
    for (const [name, text] of [["b.yaml", "jobs: []"], ["a.yml", "jobs: []"], ["README.md", "# notes"], ["dev/mail.yaml", "unclassified: {}"], ["prod/mail.yaml", "tool: {}"]]) {
      fs.writeFileSync(path.join(dir, name), text);
    }
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("takes the shared files by name, then the stack's own; not other stacks' files, not other file types", () => {
    assert.deepStrictEqual(
      readTeamFiles(root, "dev").map((f) => f.source),
      [`${TEAM_CASC_DIR}/a.yml`, `${TEAM_CASC_DIR}/b.yaml`, `${TEAM_CASC_DIR}/dev/mail.yaml`],
    );
    assert.deepStrictEqual(readTeamFiles(root, "prod").map((f) => f.text), ["jobs: []", "jobs: []", "tool: {}"]);
  });

  it("is empty without a folder", () => {
    assert.deepStrictEqual(readTeamFiles(path.join(root, "nowhere"), "dev"), []);
  });
});

describe("team JCasC: JCasC's merge (errorOnConflict)", () => {
  it("appends lists in source order, merges mappings key by key, and refuses a value set twice, equal or not", () => {
    const { merged, conflicts } = mergeCasc([
      { source: "one", doc: { jobs: [{ script: "a" }], unclassified: { x: { y: 1 } }, jenkins: { systemMessage: "hi" } } },
      { source: "two", doc: { jobs: [{ script: "b" }], unclassified: { x: { z: 2 } }, jenkins: { systemMessage: "hi" } } },
    ]);
    assert.deepStrictEqual(merged.jobs, [{ script: "a" }, { script: "b" }]);
    assert.deepStrictEqual(merged.unclassified, { x: { y: 1, z: 2 } });
    assert.strictEqual(conflicts.length, 1);
    assert.match(conflicts[0], /^two: jenkins\.systemMessage: already set by one; JCasC refuses a key set twice/);
  });

  it("refuses a mapping where the other source has a scalar", () => {
    const { conflicts } = mergeCasc([
      { source: "one", doc: { unclassified: { x: 1 } } },
      { source: "two", doc: { unclassified: { x: { y: 1 } } } },
    ]);
    assert.strictEqual(conflicts.length, 1);
  });
});

describe("team JCasC: what is refused before any resource exists", () => {
  it("a file that is not valid YAML, with its line", () => {
    const [problem, ...rest] = refusals([file("broken.yaml", "jobs:\n  - script: 'a\n  bad: [")]);
    assert.deepStrictEqual(rest, []);
    assert.match(problem, /^jenkins\/casc\/broken\.yaml:\d+: not valid YAML: /);
  });

  it("a key given twice in one file (YAML forbids it; JCasC's parser refuses it)", () => {
    assert.match(refusals([file("twice.yaml", "jobs: []\njobs: []\n")])[0], /^jenkins\/casc\/twice\.yaml:\d+: not valid YAML: .*unique/i);
  });

  it("a top-level key JCasC does not know, naming the keys it knows", () => {
    const [problem] = refusals([file("typo.yaml", "unclasified:\n  location:\n    adminAddress: ci@example.com\n")]);
    assert.strictEqual(
      problem,
      `jenkins/casc/typo.yaml: unclasified: not a top-level key JCasC knows with this image's plugins (${CASC_ROOTS.join(", ")}); Jenkins would not start ("No configurator found for the following root element")`,
    );
  });

  it("a root key in another case (JCasC would match it, but it would escape the merge and the managed-key checks)", () => {
    assert.deepStrictEqual(refusals([file("caps.yaml", "Jenkins:\n  slaveAgentPort: 1\n")]), [
      "jenkins/casc/caps.yaml: Jenkins: write it as jenkins; JCasC matches root keys in any case, but only jenkins is merged with the generated document and checked here",
    ]);
  });

  it("accepts the roots JCasC knows with the pinned plugins, and x- keys (anchor holders JCasC ignores)", () => {
    const text = "x-common: &repo https://github.com/example-org/lib.git\ncredentials:\n  system: {}\ntool:\n  git:\n    installations: []\nsecurity: {}\nappearance: {}\n";
    assert.deepStrictEqual(refusals([file("roots.yaml", text)]), []);
  });

  it("a file that is a list or a scalar, not a mapping", () => {
    assert.match(refusals([file("list.yaml", "- a\n- b\n")])[0], /^jenkins\/casc\/list\.yaml: expected a mapping of JCasC root keys .* found a list$/);
  });

  it("a file name JCasC's comma-separated list or the start command would split", () => {
    assert.match(refusals([file("my,file.yaml", "jobs: []")])[0], /^jenkins\/casc\/my,file\.yaml: the file name may hold only letters, digits/);
  });

  for (const [what, text, keyPath] of [
    ["clouds", "jenkins:\n  clouds:\n    - ecs:\n        name: mine\n", "jenkins.clouds"],
    ["the agent port", "jenkins:\n  slaveAgentPort: 50001\n", "jenkins.slaveAgentPort"],
    ["the location URL", "unclassified:\n  location:\n    url: https://other.example.com/\n", "unclassified.location.url"],
    ["the controller's executors", "jenkins:\n  numExecutors: 2\n", "jenkins.numExecutors"],
    ["the credentials provider", "unclassified:\n  awsCredentialsProvider:\n    listSecrets:\n      filters: []\n", "unclassified.awsCredentialsProvider"],
  ] as const) {
    it(`a key the program manages: ${what}`, () => {
      const problems = refusals([file("mine.yaml", text)]);
      assert.strictEqual(problems.length, 1, problems.join("\n"));
      assert.match(problems[0], new RegExp(`^jenkins/casc/mine\\.yaml: ${keyPath.replace(/\./g, "\\.")}: managed by jenkins-ecs: `));
    });
  }

  it("a value the generated document already sets, as JCasC would at boot", () => {
    const problems = refusals([file("message.yaml", "jenkins:\n  systemMessage: Hello\n")]);
    assert.deepStrictEqual(problems, [
      "jenkins/casc/message.yaml: jenkins.systemMessage: already set by the generated document; JCasC refuses a key set twice (errorOnConflict), so Jenkins would not start; set it in one file only",
    ]);
  });

  it("with sso: the security realm and the authorization are the program's", () => {
    const text = "jenkins:\n  securityRealm:\n    local:\n      allowsSignup: true\n  authorizationStrategy: unsecured\n";
    const problems = refusals([file("login.yaml", text)], true);
    assert.deepStrictEqual(problems.map((p) => p.split(": managed")[0]), ["jenkins/casc/login.yaml: jenkins.securityRealm", "jenkins/casc/login.yaml: jenkins.authorizationStrategy"]);
    assert.match(problems[0], /jenkins-ecs:sso configures login and authorization/);
  });

  it("without sso: a team's own security realm replaces the generated one, which then leaves its own out", () => {
    const text = "jenkins:\n  securityRealm:\n    ldap:\n      configurations:\n        - server: ldaps://ldap.example.com\n";
    const [generated] = cascFilesFor(input, [file("ldap.yaml", text)]);
    const doc = YAML.parse(generated.yaml);
    assert.strictEqual(doc.jenkins.securityRealm, undefined);
    assert.ok(doc.jenkins.authorizationStrategy, "the authorization stays the program's while the team brings none");
    assert.ok(YAML.parse(cascFilesFor(input, [])[0].yaml).jenkins.securityRealm.local, "without a team realm the local admin stays");
  });

  it("every problem at once, one line each, in a RunError (the CLI prints the message alone)", () => {
    const problems = refusals([file("a.yaml", "jobs: [\n"), file("b.yaml", "tools: {}\n"), file("c.yaml", "jenkins:\n  clouds: []\n")]);
    assert.strictEqual(problems.length, 3, problems.join("\n"));
    assert.deepStrictEqual(problems.map((p) => p.split(":")[0]), ["jenkins/casc/a.yaml", "jenkins/casc/b.yaml", "jenkins/casc/c.yaml"]);
    const error = new TeamCascError(problems);
    assert.ok(require("@pulumi/pulumi").RunError.isInstance(error));
    assert.match(error.message, /^Invalid team JCasC in jenkins\/casc\/ \(3 problems\):\n  - jenkins\/casc\/a\.yaml/);
  });

  it("managed paths name the security keys only with sso", () => {
    assert.ok(!managedPaths(false).has("jenkins.securityRealm"));
    assert.ok(managedPaths(true).has("jenkins.securityRealm") && managedPaths(true).has("jenkins.authorizationStrategy"));
  });

  it("an empty file or one of comments only is accepted and applied as it is", () => {
    const files = cascFilesFor(input, [file("empty.yaml", "# nothing yet\n")]);
    assert.deepStrictEqual(files.map((f) => f.path), [CASC_PATH, "/var/jenkins_casc/team/empty.yaml"]);
  });
});

describe("team JCasC: the shipped example reaches the controller", () => {
  const shipped = readTeamFiles(PROJECT_ROOT, "dev");

  it("the repository ships a folder and a global shared library, accepted by the checks", () => {
    assert.deepStrictEqual(shipped.map((f) => f.source), ["jenkins/casc/team.yaml"]);
    const doc = YAML.parse(shipped[0].text);
    assert.match(doc.jobs[0].script, /^folder\('team'\)/);
    assert.strictEqual(doc.unclassified.globalLibraries.libraries[0].name, "team-library");
    cascFilesFor(input, shipped);
  });

  it("travels in the task definition like the generated document, listed in CASC_JENKINS_CONFIG after it, and rolls the controller when it changes", async () => {
    const graph = await runStack("dev");
    const task = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" });
    const [container] = containersOf(task);
    const env = Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
    assert.strictEqual(env.CASC_JENKINS_CONFIG, `${CASC_PATH},/var/jenkins_casc/team/team.yaml`);
    assert.strictEqual(Buffer.from(env[teamCascEnv(1)], "base64").toString("utf8"), shipped[0].text);
    assert.ok(env[CASC_ENV]);
    assert.strictEqual(env[CASC_SOURCES_ENV], `${CASC_ENV}=${CASC_PATH} ${teamCascEnv(1)}=/var/jenkins_casc/team/team.yaml`);
    // The file's text is part of containerDefinitions, so any change to it is a new revision.
    assert.ok(task.inputs.containerDefinitions.includes(Buffer.from(shipped[0].text, "utf8").toString("base64")));
  });

  it("plan --casc prints every source in order and the merged document, the team's folder and library included", async () => {
    const printed = render(await runStack("dev"), "casc");
    assert.match(printed, /# {3}1\. \/var\/jenkins_casc\/jenkins\.yaml {2}\(generated by jenkins-ecs\)\n# {3}2\. \/var\/jenkins_casc\/team\/team\.yaml {2}\(jenkins\/casc\/team\.yaml\)/);
    const merged = YAML.parse(printed);
    assert.strictEqual(merged.jobs.length, 2, "the smoke job and the team's folder");
    assert.match(merged.jobs[1].script, /folder\('team'\)/);
    assert.strictEqual(merged.unclassified.globalLibraries.libraries[0].name, "team-library");
    assert.ok(merged.unclassified.location.url && merged.jenkins.clouds.length > 0, "the generated document is merged in too");
  });
});
