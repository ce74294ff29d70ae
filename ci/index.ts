/**
 * jenkins-ecs-ci: the AWS roles jenkins-ecs' GitHub Actions assume, one per trust. Deploy it once
 * per AWS account with your own credentials, then paste the three outputs into the GitHub
 * repository's settings (README, "CI/CD setup").
 */
import { loadCiSettings } from "./settings";
import { GithubActionsRoles } from "./githubActionsRoles";

const settings = loadCiSettings();

const roles = new GithubActionsRoles("github", {
  partition: settings.partition,
  repository: settings.repository,
  existingProviderArn: settings.oidcProviderArn,
  devEnvironment: settings.devStack,
  prodEnvironment: settings.prodStack,
  maxSessionSeconds: settings.maxSessionSeconds,
});

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
