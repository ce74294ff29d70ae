/**
 * Issue 22, "no long-lived Pulumi tokens in GitHub": Pulumi Cloud's side of the CI trust
 * (ci/pulumiCloud.ts), checked against the AWS roles' trust and the workflows that use it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { GITHUB_OIDC_HOST } from "../ci/policies";
import { enforcePulumiCloudRules } from "../offline/pulumiCloudRules";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { Graph, expectOne, findAll, runCi } from "./helpers";

const ISSUER = "pulumiservice:index:OidcIssuer";
const READ = 101;
const EDIT = 102;

describe("ci/: Pulumi Cloud tokens by OIDC", () => {
  let graph: Graph;
  before(async () => {
    graph = await runCi();
  });
  const policies = () => expectOne(graph, ISSUER).inputs.policies as any[];
  const awsTrust = (role: string) => {
    const trust = JSON.parse(graph.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === `github-${role}`)!.inputs.assumeRolePolicy);
    const conditions = Object.assign({}, ...Object.values(trust.Statement[0].Condition)) as Record<string, string>;
    return { sub: conditions[`${GITHUB_OIDC_HOST}:sub`], job_workflow_ref: conditions[`${GITHUB_OIDC_HOST}:job_workflow_ref`] };
  };

  it("registers GitHub's issuer in the stacks' organization, its tokens living at most as long as an AWS session", () => {
    const issuer = expectOne(graph, ISSUER);
    assert.deepStrictEqual([issuer.inputs.organization, issuer.inputs.url], ["my-org", `https://${GITHUB_OIDC_HOST}`]);
    assert.strictEqual(issuer.inputs.maxExpirationSeconds, 3600);
  });

  it("gives team tokens only (never an organization token, which is admin), each for the jobs its AWS role trusts, for the audience auth-actions asks", () => {
    const byTeam = Object.fromEntries(policies().map((p) => [p.teamName, p]));
    assert.deepStrictEqual(Object.keys(byTeam).sort(), ["jenkins-ecs-deploy-dev", "jenkins-ecs-deploy-prod", "jenkins-ecs-preview"]);
    for (const [team, role] of [["jenkins-ecs-preview", "preview"], ["jenkins-ecs-deploy-dev", "deploy-dev"], ["jenkins-ecs-deploy-prod", "deploy-prod"]]) {
      const policy = byTeam[team];
      assert.deepStrictEqual([policy.decision, policy.tokenType], ["allow", "team"], team);
      assert.deepStrictEqual(policy.rules, { aud: "urn:pulumi:org:my-org", ...awsTrust(role) }, team);
    }
  });

  it("the preview team may read dev and prod; each deploy team may update its own stack; nobody is admin", () => {
    const grants = findAll(graph, "pulumiservice:index:TeamStackPermission").map((p) => `${p.inputs.team} ${p.inputs.project}/${p.inputs.stack} ${p.inputs.permission}`);
    assert.deepStrictEqual(grants.sort(), [
      `jenkins-ecs-deploy-dev jenkins-ecs/dev ${EDIT}`,
      `jenkins-ecs-deploy-prod jenkins-ecs/prod ${EDIT}`,
      `jenkins-ecs-preview jenkins-ecs/dev ${READ}`,
      `jenkins-ecs-preview jenkins-ecs/prod ${READ}`,
    ]);
    for (const team of findAll(graph, "pulumiservice:index:Team")) assert.deepStrictEqual([team.inputs.teamType, team.inputs.members], ["pulumi", []], team.name);
  });

  it("no workflow asks for a token that outlives the issuer's maximum", () => {
    const max = expectOne(graph, ISSUER).inputs.maxExpirationSeconds;
    for (const file of ["deploy.yml", "preview.yml"]) {
      const wf = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", file), "utf8"));
      for (const job of Object.values(wf.jobs as Record<string, any>)) {
        for (const step of job.steps.filter((s: any) => String(s.uses).startsWith("pulumi/auth-actions@"))) assert.ok(Number(step.with["token-expiration"]) <= max, file);
      }
    }
  });
});

describe("the mocks refuse Pulumi Cloud settings as Pulumi Cloud does", () => {
  it("a team token's policy names its team; no policy admits every token of the issuer", () => {
    const issuer = (policy: object) => enforcePulumiCloudRules(ISSUER, { organization: "o", name: "n", url: "u", policies: [policy] });
    issuer({ decision: "allow", tokenType: "team", teamName: "t", rules: { sub: "x" } });
    assert.throws(() => issuer({ decision: "allow", tokenType: "team", rules: { sub: "x" } }), /teamName/);
    assert.throws(() => issuer({ decision: "allow", tokenType: "team", teamName: "t", rules: {} }), /rules may not be empty/);
  });
  it("stack permissions are read, edit or admin; teams are pulumi or github teams", () => {
    assert.throws(() => enforcePulumiCloudRules("pulumiservice:index:TeamStackPermission", { permission: "edit" }), /one of 101, 102, 103/);
    assert.throws(() => enforcePulumiCloudRules("pulumiservice:index:Team", { name: "t", teamType: "service" }), /teamType/);
  });
});
