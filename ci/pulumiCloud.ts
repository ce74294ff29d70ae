import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { GITHUB_OIDC_HOST, TrustedClaims } from "./policies";

/** One kind of job that gets a Pulumi Cloud token: the team whose token it gets, and what that team may do. */
export interface TokenGrant {
  /** Name of the Pulumi Cloud team the token acts as. */
  readonly team: string;
  readonly description: string;
  /** The GitHub claims a job's token must carry, the same its AWS role trusts. */
  readonly claims: TrustedClaims;
  /**
   * Stacks of the project the team may read or update. Read "allows for running previews" and
   * includes `stack:decrypt` (Pulumi Docs, RBAC, permission sets, Stack Read); edit adds updates.
   */
  readonly stacks: readonly string[];
  readonly permission: "read" | "edit";
}

/** Arguments for {@link PulumiCloudAccess}. */
export interface PulumiCloudAccessArgs {
  /** The Pulumi Cloud organization that holds the stacks. */
  readonly organization: string;
  /** The Pulumi project of the stacks. */
  readonly project: string;
  /** Most seconds a token lives, whatever a job asks for: the longest job's timeout. */
  readonly maxTokenSeconds: number;
  readonly grants: readonly TokenGrant[];
}

/**
 * Pulumi Cloud's side of the CI trust, so no Pulumi token is stored in GitHub: GitHub's OIDC
 * issuer registered in the organization, and one team per kind of job, whose short-lived team
 * token a job gets by exchanging its GitHub token (pulumi/auth-actions). Each team may touch only
 * its stacks, and only a job whose claims match what the AWS role of the same job trusts gets
 * its token (Pulumi Docs, "Configuring OpenID Connect for GitHub", team tokens; team tokens need
 * the Enterprise or Business Critical edition).
 */
export class PulumiCloudAccess extends pulumi.ComponentResource {
  constructor(name: string, args: PulumiCloudAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs-ci:pulumi:CloudAccess", name, {}, opts);
    const parent = { parent: this };

    for (const grant of args.grants) {
      const team = new pulumiservice.Team(
        `${name}-${grant.team}`,
        { organizationName: args.organization, name: grant.team, displayName: grant.team, description: grant.description, teamType: "pulumi", members: [] },
        parent,
      );
      for (const stack of grant.stacks) {
        new pulumiservice.TeamStackPermission(
          `${name}-${grant.team}-${stack}`,
          {
            organization: args.organization,
            project: args.project,
            stack,
            team: grant.team,
            permission: grant.permission === "read" ? pulumiservice.TeamStackPermissionScope.Read : pulumiservice.TeamStackPermissionScope.Edit,
          },
          { parent: this, dependsOn: [team] },
        );
      }
    }

    new pulumiservice.OidcIssuer(
      `${name}-github`,
      {
        organization: args.organization,
        name: "github-actions-jenkins-ecs",
        url: `https://${GITHUB_OIDC_HOST}`,
        maxExpirationSeconds: args.maxTokenSeconds,
        policies: args.grants.map((grant) => ({
          decision: pulumiservice.AuthPolicyDecision.Allow,
          tokenType: pulumiservice.AuthPolicyTokenType.Team,
          teamName: grant.team,
          // The audience pulumi/auth-actions requests (dist/index.js, v2.1.0: urn:pulumi:org:<org>).
          rules: { aud: `urn:pulumi:org:${args.organization}`, sub: grant.claims.sub, job_workflow_ref: grant.claims.jobWorkflowRef },
        })),
      },
      parent,
    );
    this.registerOutputs({});
  }
}
