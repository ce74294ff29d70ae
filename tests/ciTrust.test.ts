/**
 * Issue 22, "deploys only from main's deploy workflow": the CI roles' trust, simulated against
 * the tokens GitHub issues to each kind of job (tests/githubOidc.ts).
 */
import * as assert from "assert";
import { CI_PROJECT } from "../ci/settings";
import { CI_REPOSITORY, Graph, runCi } from "./helpers";
import { Job, mayAssumeWithToken } from "./githubOidc";

const REPOSITORY = CI_REPOSITORY;
const ROLE = "aws:iam/role:Role";

const ciGraph = (repository: string) => runCi({ [`${CI_PROJECT}:githubRepository`]: repository });

const main = "refs/heads/main";
const deployJob = (environment: string, overrides: Partial<Job> = {}): Job => ({ repository: REPOSITORY, event: "push", ref: main, workflow: "deploy.yml", environment, ...overrides });
const previewJob = (overrides: Partial<Job> = {}): Job => ({ repository: REPOSITORY, event: "pull_request", ref: "refs/pull/42/merge", workflow: "preview.yml", ...overrides });

describe("the CI roles' trust (simulated against GitHub's OIDC tokens)", () => {
  let graph: Graph;
  before(async () => (graph = await ciGraph(REPOSITORY)));
  const decision = (id: string, job: Job) => {
    const role = graph.resources.find((r) => r.type === ROLE && r.name === `github-${id}`)!;
    return mayAssumeWithToken(JSON.parse(role.inputs.assumeRolePolicy), role.state.arn, job);
  };

  for (const environment of ["dev", "prod"]) {
    const id = `deploy-${environment}`;
    describe(id, () => {
      it(`admits the deploy workflow on main in the ${environment} environment, pushed or dispatched`, async () => {
        assert.strictEqual(await decision(id, deployJob(environment)), "Allowed");
        assert.strictEqual(await decision(id, deployJob(environment, { event: "workflow_dispatch" })), "Allowed");
      });

      const refused: [string, Job][] = [
        ["a branch other than main naming the environment", deployJob(environment, { ref: "refs/heads/attacker" })],
        ["a dispatch of the deploy workflow from another branch", deployJob(environment, { event: "workflow_dispatch", ref: "refs/heads/attacker" })],
        ["a tag", deployJob(environment, { ref: "refs/tags/v1.0.0" })],
        ["another workflow file on main naming the environment", deployJob(environment, { workflow: "evil.yml" })],
        ["a pull request's job naming the environment", deployJob(environment, { event: "pull_request", ref: "refs/pull/42/merge", workflow: "deploy.yml" })],
        ["a pull request's run without an environment", previewJob({ workflow: "deploy.yml" })],
        ["the deploy workflow on main without an environment", { ...deployJob(environment), environment: undefined }],
        ["the other environment's job", deployJob(environment === "dev" ? "prod" : "dev")],
        ["another repository's deploy workflow", deployJob(environment, { repository: "attacker/jenkins-ecs" })],
        ["a token for another audience", deployJob(environment, { audience: "https://github.com/acme" })],
      ];
      for (const [what, job] of refused) {
        it(`refuses ${what}`, async () => assert.strictEqual(await decision(id, job), "ImplicitlyDenied"));
      }
    });
  }

  describe("preview", () => {
    it("admits the preview workflow of any pull request", async () => {
      assert.strictEqual(await decision("preview", previewJob()), "Allowed");
      assert.strictEqual(await decision("preview", previewJob({ ref: "refs/pull/7/merge" })), "Allowed");
    });
    const refused: [string, Job][] = [
      ["another workflow file of a pull request", previewJob({ workflow: "evil.yml" })],
      ["the preview workflow pushed to a branch", previewJob({ event: "push", ref: "refs/heads/attacker" })],
      ["a pull request's job naming an environment", previewJob({ environment: "dev" })],
      ["a deploy job", deployJob("dev")],
      ["another repository's pull request", previewJob({ repository: "attacker/jenkins-ecs" })],
    ];
    for (const [what, job] of refused) {
      it(`refuses ${what}`, async () => assert.strictEqual(await decision("preview", job), "ImplicitlyDenied"));
    }
  });
});

describe("the CI roles' trust for a repository with immutable subject claims", () => {
  const immutable = "acme@1234567/jenkins-ecs@89012345";
  let graph: Graph;
  before(async () => (graph = await ciGraph(immutable)));
  const decision = (job: Job) => {
    const role = graph.resources.find((r) => r.type === ROLE && r.name === "github-deploy-prod")!;
    return mayAssumeWithToken(JSON.parse(role.inputs.assumeRolePolicy), role.state.arn, job);
  };

  it("admits the ID-based subject, and the deploy workflow still named by name", async () => {
    assert.strictEqual(await decision(deployJob("prod", { repository: immutable })), "Allowed");
  });

  it("refuses the name-based subject (a recycled name) and other ids", async () => {
    assert.strictEqual(await decision(deployJob("prod")), "ImplicitlyDenied");
    assert.strictEqual(await decision(deployJob("prod", { repository: "acme@1234567/jenkins-ecs@99999999" })), "ImplicitlyDenied");
  });

  it("the GitHub side still names the repository by name", () => {
    const environments = graph.resources.filter((r) => r.type === "github:index/repositoryEnvironment:RepositoryEnvironment");
    assert.deepStrictEqual(environments.map((e) => e.inputs.repository), ["jenkins-ecs", "jenkins-ecs"]);
  });
});
