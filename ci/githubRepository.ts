import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { DEPLOY_BRANCH } from "./policies";

/** Variable names the workflows read (.github/workflows/). */
export const PREVIEW_ROLE_VARIABLE = "AWS_PREVIEW_ROLE_ARN";
export const DEPLOY_ROLE_VARIABLE = "AWS_DEPLOY_ROLE_ARN";
export const PULUMI_ORGANIZATION_VARIABLE = "PULUMI_ORGANIZATION";
export const PREVIEW_TEAM_VARIABLE = "PULUMI_PREVIEW_TEAM";
export const DEPLOY_TEAM_VARIABLE = "PULUMI_DEPLOY_TEAM";

/** One GitHub environment a deploy role serves. */
export interface DeployEnvironment {
  /** Environment name, the same as the jenkins-ecs stack it deploys. */
  readonly name: string;
  /** The environment's variables (AWS_DEPLOY_ROLE_ARN, PULUMI_DEPLOY_TEAM), which only its jobs see. */
  readonly variables: Readonly<Record<string, pulumi.Input<string>>>;
  /** Who must approve each job (numeric GitHub ids); none: jobs run without approval. */
  readonly reviewers?: { readonly teamIds: pulumi.Input<number>[]; readonly userIds: pulumi.Input<number>[] };
}

/** Arguments for {@link GithubRepositorySettings}. */
export interface GithubRepositorySettingsArgs {
  /** `<owner>/<repo>` (names, not ids). */
  readonly repository: string;
  /** Repository variables (AWS_PREVIEW_ROLE_ARN, PULUMI_ORGANIZATION, PULUMI_PREVIEW_TEAM): names, never secrets. */
  readonly variables: Readonly<Record<string, pulumi.Input<string>>>;
  /** The environments the deploy workflow runs in, dev's and prod's. */
  readonly environments: readonly DeployEnvironment[];
}

/**
 * The GitHub side of the trust, so no setting is clicked and no ARN copied:
 * - each environment accepts jobs from `main` only (a custom deployment branch policy), so a
 *   pushed branch cannot name `environment: dev` and run there; prod's jobs wait for its
 *   reviewers, who may not approve their own runs, and admins cannot bypass them;
 * - the role ARNs and Pulumi team names are set as the variables the workflows read (no
 *   secret: AWS and Pulumi Cloud both take the job's own OIDC token).
 */
export class GithubRepositorySettings extends pulumi.ComponentResource {
  constructor(name: string, args: GithubRepositorySettingsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs-ci:github:RepositorySettings", name, {}, opts);
    // The caller's GitHub provider (opts.providers) names the owner; resources take the bare name.
    const repository = args.repository.split("/")[1];
    const child = { parent: this };

    for (const [variableName, value] of Object.entries(args.variables)) {
      new github.ActionsVariable(`${name}-${variableName.toLowerCase()}`, { repository, variableName, value }, child);
    }

    for (const environment of args.environments) {
      const reviewed = environment.reviewers !== undefined;
      const env = new github.RepositoryEnvironment(
        `${name}-${environment.name}`,
        {
          repository,
          environment: environment.name,
          deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
          reviewers: reviewed ? [{ teams: environment.reviewers!.teamIds, users: environment.reviewers!.userIds }] : undefined,
          preventSelfReview: reviewed,
          canAdminsBypass: false,
        },
        child,
      );
      const envChild = { ...child, dependsOn: [env] };
      new github.RepositoryEnvironmentDeploymentPolicy(`${name}-${environment.name}-main`, { repository, environment: env.environment, branchPattern: DEPLOY_BRANCH }, envChild);
      for (const [variableName, value] of Object.entries(environment.variables)) {
        new github.ActionsEnvironmentVariable(`${name}-${environment.name}-${variableName.toLowerCase()}`, { repository, environment: env.environment, variableName, value }, envChild);
      }
    }
    this.registerOutputs({});
  }
}
