/**
 * jenkins-ecs-ci: the AWS roles jenkins-ecs' GitHub Actions assume, one per trust, their
 * permissions boundaries, Pulumi Cloud's side (GitHub's OIDC issuer, one team per kind of job),
 * and the GitHub repository's (environments limited to main, prod's reviewers, the variables the
 * workflows read). Deploy it once per AWS account with your own AWS credentials, your Pulumi
 * login as an organization admin, and a GitHub token that administers the repository (README,
 * "CI/CD setup").
 */
import { loadCiSettings } from "./settings";
import * as github from "@pulumi/github";
import { GithubActionsRoles } from "./githubActionsRoles";
import { DEPLOY_ROLE_VARIABLE, DEPLOY_TEAM_VARIABLE, GithubRepositorySettings, PREVIEW_ROLE_VARIABLE, PREVIEW_TEAM_VARIABLE, PULUMI_ORGANIZATION_VARIABLE } from "./githubRepository";
import { PulumiCloudAccess } from "./pulumiCloud";
import { githubRepository, trustedClaims } from "./policies";
import { PROJECT } from "../lib/config/keys";

const settings = loadCiSettings();

const roles = new GithubActionsRoles("github", {
  partition: settings.partition,
  repository: settings.repository,
  existingProviderArn: settings.oidcProviderArn,
  devEnvironment: settings.devStack,
  prodEnvironment: settings.prodStack,
  maxSessionSeconds: settings.maxSessionSeconds,
});

const repository = githubRepository(settings.repository);

// Pulumi Cloud tokens by OIDC, for the same jobs and claims as the AWS roles: one team each.
const previewTeam = `${PROJECT}-preview`;
const deployTeam = (stack: string) => `${PROJECT}-deploy-${stack}`;
new PulumiCloudAccess("pulumi", {
  organization: settings.pulumiOrganization,
  project: PROJECT,
  maxTokenSeconds: settings.maxSessionSeconds,
  grants: [
    { team: previewTeam, description: "pulumi preview from pull requests: read the stacks", claims: trustedClaims(repository, { pullRequest: true }), stacks: [settings.devStack, settings.prodStack], permission: "read" },
    ...[settings.devStack, settings.prodStack].map((stack) => ({
      team: deployTeam(stack),
      description: `pulumi up of ${stack} from main's deploy workflow`,
      claims: trustedClaims(repository, { environment: stack }),
      stacks: [stack],
      permission: "edit" as const,
    })),
  ],
});

// Token from GITHUB_TOKEN; the owner is the repository's, whatever the token's own account.
const githubProvider = new github.Provider("github", { owner: repository.name.split("/")[0] });
// Reviewers by name in the stack file; GitHub's environments take their numeric ids.
const teamIds = settings.prodReviewers.teams.map((slug) => github.getTeamOutput({ slug, summaryOnly: true }, { provider: githubProvider }).id.apply(Number));
const userIds = settings.prodReviewers.users.map((username) => github.getUserOutput({ username }, { provider: githubProvider }).id.apply(Number));

new GithubRepositorySettings(
  "repository",
  {
    repository: repository.name,
    variables: { [PREVIEW_ROLE_VARIABLE]: roles.previewRoleArn, [PULUMI_ORGANIZATION_VARIABLE]: settings.pulumiOrganization, [PREVIEW_TEAM_VARIABLE]: previewTeam },
    environments: [
      { name: settings.devStack, variables: { [DEPLOY_ROLE_VARIABLE]: roles.deployDevRoleArn, [DEPLOY_TEAM_VARIABLE]: deployTeam(settings.devStack) } },
      { name: settings.prodStack, variables: { [DEPLOY_ROLE_VARIABLE]: roles.deployProdRoleArn, [DEPLOY_TEAM_VARIABLE]: deployTeam(settings.prodStack) }, reviewers: { teamIds, userIds } },
    ],
  },
  { providers: [githubProvider] },
);

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
