import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { DEPLOY_BRANCH } from "./policies";

/** Variable names the workflows read (.github/workflows/). */
export const PREVIEW_ROLE_VARIABLE = "AWS_PREVIEW_ROLE_ARN";
export const DEPLOY_ROLE_VARIABLE = "AWS_DEPLOY_ROLE_ARN";

/** One GitHub environment a deploy role serves. */
export interface DeployEnvironment {
  /** Environment name, the same as the jenkins-ecs stack it deploys. */
  readonly name: string;
  /** ARN of the role its jobs assume: set as the environment's variable AWS_DEPLOY_ROLE_ARN. */
  readonly deployRoleArn: pulumi.Input<string>;
  /** Who must approve each job (numeric GitHub ids); none: jobs run without approval. */
  readonly reviewers?: { readonly teamIds: pulumi.Input<number>[]; readonly userIds: pulumi.Input<number>[] };
}

/** Arguments for {@link GithubRepositorySettings}. */
export interface GithubRepositorySettingsArgs {
  /** `<owner>/<repo>` (names, not ids). */
  readonly repository: string;
  /** ARN of the preview role: the repository variable AWS_PREVIEW_ROLE_ARN. */
  readonly previewRoleArn: pulumi.Input<string>;
  /** The environments the deploy workflow runs in, dev's and prod's. */
  readonly environments: readonly DeployEnvironment[];
}

/**
 * The GitHub side of the trust, so no setting is clicked and no ARN copied:
 * - each environment accepts jobs from `main` only (a custom deployment branch policy), so a
 *   pushed branch cannot name `environment: dev` and run there; prod's jobs wait for its
 *   reviewers, who may not approve their own runs, and admins cannot bypass them;
 * - the role ARNs are set as the variables the workflows read.
 */
export class GithubRepositorySettings extends pulumi.ComponentResource {
  constructor(name: string, args: GithubRepositorySettingsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs-ci:github:RepositorySettings", name, {}, opts);
    // The caller's GitHub provider (opts.providers) names the owner; resources take the bare name.
    const repository = args.repository.split("/")[1];
    const child = { parent: this };

    new github.ActionsVariable(`${name}-preview-role`, { repository, variableName: PREVIEW_ROLE_VARIABLE, value: args.previewRoleArn }, child);

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
      new github.ActionsEnvironmentVariable(`${name}-${environment.name}-role`, { repository, environment: env.environment, variableName: DEPLOY_ROLE_VARIABLE, value: environment.deployRoleArn }, envChild);
    }
    this.registerOutputs({});
  }
}
