/**
 * Issue 22, the GitHub side of the trust as code (ci/githubRepository.ts): environments that
 * deploy from main only, prod's reviewers, and the variables the workflows read.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CI_PROJECT, parseCiSettings } from "../ci/settings";
import { DEPLOY_ROLE_VARIABLE, DEPLOY_TEAM_VARIABLE, PREVIEW_ROLE_VARIABLE, PREVIEW_TEAM_VARIABLE, PULUMI_ORGANIZATION_VARIABLE } from "../ci/githubRepository";
import { ConfigError } from "../lib/config/reader";
import { enforceGithubRules } from "../offline/githubRules";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { Graph, RecordedResource, findAll, runCi } from "./helpers";

const ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";
const workflow = (file: string) => YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", file), "utf8"));

describe("ci/: the GitHub repository's side of the trust", () => {
  let graph: Graph;
  before(async () => (graph = await runCi({ [`${CI_PROJECT}:prodReviewerUsers`]: "alice" })));
  const environment = (name: string) => findAll(graph, ENVIRONMENT).find((e) => e.inputs.environment === name)!;
  const ofEnvironment = (type: string, env: RecordedResource) => findAll(graph, type).filter((r) => r.inputs.environment === env.inputs.environment);

  it("one GitHub provider, for the repository's owner, manages every GitHub resource", () => {
    const [provider, ...others] = graph.resources.filter((r) => r.type === "pulumi:providers:github");
    assert.deepStrictEqual([others.length, provider.inputs.owner], [0, "acme"]);
    const github = graph.resources.filter((r) => r.custom && r.type.startsWith("github:index/"));
    assert.ok(github.length >= 7);
    for (const r of github) assert.ok(r.provider?.startsWith(`${provider.urn}::`), `${r.name}: ${r.provider}`);
  });

  for (const name of ["dev", "prod"]) {
    it(`${name}: deploys from main only (a custom branch policy "main"), which admins cannot bypass`, () => {
      const env = environment(name);
      assert.strictEqual(env.inputs.repository, "jenkins-ecs");
      assert.deepStrictEqual(env.inputs.deploymentBranchPolicy, { protectedBranches: false, customBranchPolicies: true });
      assert.strictEqual(env.inputs.canAdminsBypass, false);
      const policies = ofEnvironment("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy", env);
      assert.deepStrictEqual(policies.map((p) => [p.inputs.branchPattern, p.inputs.tagPattern]), [["main", undefined]]);
    });

    it(`${name}: its variables name the deploy role and the Pulumi team of ${name}, and the deploy job of that environment reads both`, () => {
      const variables = Object.fromEntries(ofEnvironment("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable", environment(name)).map((v) => [v.inputs.variableName, v.inputs.value]));
      assert.deepStrictEqual(variables, { [DEPLOY_ROLE_VARIABLE]: graph.outputs[`deploy${name === "dev" ? "Dev" : "Prod"}RoleArn`], [DEPLOY_TEAM_VARIABLE]: `jenkins-ecs-deploy-${name}` });
      const pulumiTeams = findAll(graph, "pulumiservice:index:TeamStackPermission").filter((p) => p.inputs.team === variables[DEPLOY_TEAM_VARIABLE]);
      assert.deepStrictEqual(pulumiTeams.map((p) => p.inputs.stack), [name], "the team may touch its own stack only");
      const job = Object.values(workflow("deploy.yml").jobs as Record<string, any>).find((j) => String(j.environment).startsWith(name));
      assert.ok(job, `deploy.yml has no job in environment ${name}`);
      for (const variable of Object.keys(variables)) assert.ok(JSON.stringify(job.steps).includes(`vars.${variable}`), variable);
    });
  }

  it("prod waits for its reviewers, by GitHub id, who may not approve their own runs; dev needs no approval", () => {
    const prod = environment("prod");
    const [reviewers] = prod.inputs.reviewers;
    assert.strictEqual(reviewers.teams.length, 1, "the example stack's team");
    assert.strictEqual(reviewers.users.length, 1, "alice");
    for (const id of [...reviewers.teams, ...reviewers.users]) assert.ok(Number.isInteger(id) && id > 0, String(id));
    assert.strictEqual(prod.inputs.preventSelfReview, true);
    assert.strictEqual(environment("dev").inputs.reviewers, undefined);
  });

  it("the repository's variables name the preview role, the Pulumi organization and the preview team, which preview.yml reads; none is a secret", () => {
    const variables = Object.fromEntries(findAll(graph, "github:index/actionsVariable:ActionsVariable").map((v) => [v.inputs.variableName, v.inputs.value]));
    assert.deepStrictEqual(variables, { [PREVIEW_ROLE_VARIABLE]: graph.outputs.previewRoleArn, [PULUMI_ORGANIZATION_VARIABLE]: "my-org", [PREVIEW_TEAM_VARIABLE]: "jenkins-ecs-preview" });
    const preview = fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "preview.yml"), "utf8");
    for (const variable of Object.keys(variables)) assert.match(preview, new RegExp(`vars\\.${variable}\\b`), variable);
    assert.deepStrictEqual(findAll(graph, "github:index/actionsSecret:ActionsSecret"), []);
    assert.deepStrictEqual(findAll(graph, "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"), []);
  });
});

describe("ci/: config for the GitHub side", () => {
  const base = { "aws:region": "eu-west-1", [`${CI_PROJECT}:githubRepository`]: "acme/jenkins-ecs", [`${CI_PROJECT}:pulumiOrganization`]: "acme", [`${CI_PROJECT}:prodReviewerTeams`]: "platform" };
  const problems = (overrides: Record<string, string | undefined>) => {
    try {
      parseCiSettings({ ...base, ...overrides } as Record<string, string>, "github");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
    return [];
  };

  it("accepts a repository with immutable subject claims, and reviewers as teams and users", () => {
    assert.deepStrictEqual(problems({ [`${CI_PROJECT}:githubRepository`]: "acme@1234/jenkins-ecs@5678", [`${CI_PROJECT}:prodReviewerUsers`]: "alice, bob" }), []);
  });

  const rejected: [string, Record<string, string | undefined>, string, string][] = [
    ["an id on one side only", { [`${CI_PROJECT}:githubRepository`]: "acme@1234/jenkins-ecs" }, "githubRepository", "<owner>@<owner id>/<repository>@<repository id>"],
    ["a non-numeric id", { [`${CI_PROJECT}:githubRepository`]: "acme@x/jenkins-ecs@5678" }, "githubRepository", "sub_claim_prefix"],
    ["no reviewer for prod", { [`${CI_PROJECT}:prodReviewerTeams`]: undefined }, "prodReviewerTeams", "is required"],
    ["seven reviewers", { [`${CI_PROJECT}:prodReviewerUsers`]: "a,b,c,d,e,f" }, "prodReviewerTeams", "at most 6"],
    ["no Pulumi organization", { [`${CI_PROJECT}:pulumiOrganization`]: undefined }, "pulumiOrganization", "is required"],
    ["a Pulumi organization with a slash", { [`${CI_PROJECT}:pulumiOrganization`]: "acme/ci" }, "pulumiOrganization", "organization name"],
    ["a team given by name with spaces", { [`${CI_PROJECT}:prodReviewerTeams`]: "Platform Team" }, "prodReviewerTeams", "team slugs"],
  ];
  for (const [what, overrides, key, allowed] of rejected) {
    it(`refuses ${what}, naming ${key}`, () => {
      const found = problems(overrides);
      assert.ok(found.some((p) => p.startsWith(`${CI_PROJECT}:${key}:`) && p.includes(allowed)), JSON.stringify(found));
    });
  }
});

describe("the mocks refuse GitHub settings as GitHub's REST API does", () => {
  const env = (inputs: Record<string, unknown>) => enforceGithubRules(ENVIRONMENT, { environment: "prod", repository: "r", ...inputs });
  it("a deployment branch policy needs exactly one of protected and custom branches", () => {
    env({ deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true } });
    assert.throws(() => env({ deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: true } }), /exactly one/);
    assert.throws(() => env({ deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: false } }), /exactly one/);
  });
  it("up to six reviewers, by numeric id", () => {
    env({ reviewers: [{ teams: [1, 2, 3], users: [4, 5, 6] }] });
    assert.throws(() => env({ reviewers: [{ teams: [1, 2, 3], users: [4, 5, 6, 7] }] }), /up to six/);
    assert.throws(() => env({ reviewers: [{ teams: ["platform"] }] }), /numeric ids/);
  });
  it("variable names: letters, digits and _, not GITHUB_, not a leading digit", () => {
    const variable = (variableName: string) => enforceGithubRules("github:index/actionsVariable:ActionsVariable", { repository: "r", variableName, value: "v" });
    variable(PREVIEW_ROLE_VARIABLE);
    for (const bad of ["GITHUB_ROLE", "1ROLE", "AWS-ROLE"]) assert.throws(() => variable(bad), /variable name/, bad);
  });
});
