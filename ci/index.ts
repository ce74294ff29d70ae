/**
 * jenkins-ecs-ci: the AWS roles jenkins-ecs' GitHub Actions assume, one per trust, their
 * permissions boundaries, and the GitHub repository's side of that trust (environments limited
 * to main, prod's reviewers, the role ARNs as variables). Deploy it once per
 * AWS account with your own AWS credentials and a GitHub token that administers the repository
 * (README, "CI/CD setup").
 */
import { loadCiSettings } from "./settings";
import * as github from "@pulumi/github";
import { GithubActionsRoles } from "./githubActionsRoles";
import { GithubRepositorySettings } from "./githubRepository";
import { githubRepository } from "./policies";

const settings = loadCiSettings();

const roles = new GithubActionsRoles("github", {
  partition: settings.partition,
  repository: settings.repository,
  existingProviderArn: settings.oidcProviderArn,
  devEnvironment: settings.devStack,
  prodEnvironment: settings.prodStack,
  maxSessionSeconds: settings.maxSessionSeconds,
});

const repository = githubRepository(settings.repository).name;
// Token from GITHUB_TOKEN; the owner is the repository's, whatever the token's own account.
const githubProvider = new github.Provider("github", { owner: repository.split("/")[0] });
// Reviewers by name in the stack file; GitHub's environments take their numeric ids.
const teamIds = settings.prodReviewers.teams.map((slug) => github.getTeamOutput({ slug, summaryOnly: true }, { provider: githubProvider }).id.apply(Number));
const userIds = settings.prodReviewers.users.map((username) => github.getUserOutput({ username }, { provider: githubProvider }).id.apply(Number));

new GithubRepositorySettings("repository", {
  repository,
  previewRoleArn: roles.previewRoleArn,
  environments: [
    { name: settings.devStack, deployRoleArn: roles.deployDevRoleArn },
    { name: settings.prodStack, deployRoleArn: roles.deployProdRoleArn, reviewers: { teamIds, userIds } },
  ],
}, { providers: [githubProvider] });

/** Repository variable AWS_PREVIEW_ROLE_ARN: assumed by pull-request previews. */
export const previewRoleArn = roles.previewRoleArn;
/** Variable AWS_DEPLOY_ROLE_ARN of the dev environment. */
export const deployDevRoleArn = roles.deployDevRoleArn;
/** Variable AWS_DEPLOY_ROLE_ARN of the prod environment. */
export const deployProdRoleArn = roles.deployProdRoleArn;
export const oidcProviderArn = roles.providerArn;
/** The permissions boundaries the stack files name (jenkins-ecs:permissionsBoundary). */
export const devBoundaryArn = roles.devBoundaryArn;
export const prodBoundaryArn = roles.prodBoundaryArn;
