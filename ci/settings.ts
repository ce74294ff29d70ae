/**
 * The CI program's stack config, validated into one typed object before any resource exists:
 * every problem names the key, the bad value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, RawConfig } from "../lib/config/reader";
import { PartitionName, SUPPORTED_PARTITIONS, partitionOf } from "../lib/aws/partition";

export const CI_PROJECT = "jenkins-ecs-ci";

export interface CiSettings {
  readonly stack: string;
  readonly partition: PartitionName;
  /** `<org>/<repo>` on GitHub, or `<org>@<id>/<repo>@<id>` as immutable OIDC subjects name it. */
  readonly repository: string;
  /** The Pulumi Cloud organization of the jenkins-ecs stacks, whose OIDC issuer and teams ci/ manages. */
  readonly pulumiOrganization: string;
  /** Who approves deployments of prod: GitHub team slugs and user logins (1 to 6 in all). */
  readonly prodReviewers: { readonly teams: readonly string[]; readonly users: readonly string[] };
  /** An OIDC provider for GitHub the account already has; undefined: create one. */
  readonly oidcProviderArn?: string;
  /** The jenkins-ecs stacks (and GitHub environments, named alike) the deploy roles serve. */
  readonly devStack: string;
  readonly prodStack: string;
  readonly maxSessionSeconds: number;
}

const KEYS = ["githubRepository", "pulumiOrganization", "oidcProviderArn", "devStack", "prodStack", "maxSessionHours", "prodReviewerTeams", "prodReviewerUsers"];
// GitHub: owner names are letters, digits and "-"; repository names also "_" and ".". With
// immutable subject claims, each is followed by "@" and its numeric id.
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(@\d+)?\/[A-Za-z0-9_.-]{1,100}(@\d+)?$/;
const IMMUTABLE_REPOSITORY = /^[^@/]+@\d+\/[^@/]+@\d+$/;
// GitHub: "You can list up to six users or teams as reviewers" (Docs, "Managing environments
// for deployment", required reviewers); the REST API refuses more.
const MAX_REVIEWERS = 6;
// Pulumi Cloud names the organization in the token audience (urn:pulumi:org:<org>) and in URL
// paths: no separators or spaces.
const PULUMI_ORGANIZATION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const TEAM_SLUG = /^[a-z0-9][a-z0-9_-]*$/;
const USER_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
// GitHub environment names: no more than 255 characters, and not these characters (and the
// sub claim would carry them): we keep to what a Pulumi stack name allows.
const STACK = /^[A-Za-z0-9_.-]{1,100}$/;

export function parseCiSettings(raw: RawConfig, stack: string): CiSettings {
  const problems: string[] = [];
  const text = (key: string) => raw[`${CI_PROJECT}:${key}`]?.trim() || undefined;
  const problem = (key: string, value: unknown, allowed: string) => problems.push(`${CI_PROJECT}:${key}: ${JSON.stringify(value)} is not allowed; ${allowed}.`);

  for (const full of Object.keys(raw)) {
    const [namespace, name] = full.split(":", 2);
    if (namespace === CI_PROJECT && !KEYS.includes(name)) problems.push(`${full}: unknown key; known keys are ${KEYS.join(", ")}.`);
  }

  const region = raw["aws:region"];
  const partition = partitionOf(region ?? "");
  if (!region) problems.push("aws:region: is required; set it with `pulumi config set aws:region eu-west-1`.");
  else if (!SUPPORTED_PARTITIONS.includes(partition)) problem("aws:region", region, `expected a region of the ${SUPPORTED_PARTITIONS.join(" or ")} partition`);

  const repository = text("githubRepository");
  if (repository === undefined) problems.push(`${CI_PROJECT}:githubRepository: is required; the GitHub repository whose workflows may assume the roles, such as "my-org/jenkins-ecs".`);
  else if (!REPOSITORY.test(repository) || (repository.includes("@") && !IMMUTABLE_REPOSITORY.test(repository))) {
    problem("githubRepository", repository, 'expected "<owner>/<repository>" as GitHub spells it, such as "my-org/jenkins-ecs", or, for a repository with immutable OIDC subjects, "<owner>@<owner id>/<repository>@<repository id>" as its sub_claim_prefix shows it');
  }

  const pulumiOrganization = text("pulumiOrganization");
  if (pulumiOrganization === undefined) problems.push(`${CI_PROJECT}:pulumiOrganization: is required; the Pulumi Cloud organization that holds the jenkins-ecs stacks, such as "my-org".`);
  else if (!PULUMI_ORGANIZATION.test(pulumiOrganization)) problem("pulumiOrganization", pulumiOrganization, "expected a Pulumi Cloud organization name: letters, digits, \"-\", \"_\", \".\"");

  const list = (key: string) => (text(key) ?? "").split(",").map((v) => v.trim()).filter((v) => v !== "");
  const teams = list("prodReviewerTeams");
  const users = list("prodReviewerUsers");
  for (const team of teams) if (!TEAM_SLUG.test(team)) problem("prodReviewerTeams", team, "expected team slugs as in the team's URL, such as \"platform\", comma-separated");
  for (const user of users) if (!USER_LOGIN.test(user)) problem("prodReviewerUsers", user, "expected GitHub logins, comma-separated");
  if (teams.length + users.length === 0) {
    problems.push(`${CI_PROJECT}:prodReviewerTeams: is required (or ${CI_PROJECT}:prodReviewerUsers); who must approve each deployment of prod, such as "platform".`);
  } else if (teams.length + users.length > MAX_REVIEWERS) {
    problem("prodReviewerTeams", [...teams, ...users].join(","), `GitHub takes at most ${MAX_REVIEWERS} reviewers per environment, teams and users together`);
  }

  const oidcProviderArn = text("oidcProviderArn");
  if (oidcProviderArn !== undefined && !new RegExp(`^arn:${partition}:iam::\\d{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$`).test(oidcProviderArn)) {
    problem("oidcProviderArn", oidcProviderArn, `expected the ARN of GitHub's OIDC provider, "arn:${partition}:iam::<account>:oidc-provider/token.actions.githubusercontent.com"`);
  }

  const devStack = text("devStack") ?? "dev";
  const prodStack = text("prodStack") ?? "prod";
  for (const [key, value] of [["devStack", devStack], ["prodStack", prodStack]]) {
    if (!STACK.test(value)) problem(key, value, "expected a stack name (letters, digits, \"-\", \"_\", \".\")");
  }
  if (devStack === prodStack) problem("prodStack", prodStack, `expected a stack other than ${CI_PROJECT}:devStack: one role per environment`);

  const hours = text("maxSessionHours") ?? "1";
  if (!/^\d+$/.test(hours) || Number(hours) < 1 || Number(hours) > 12) problem("maxSessionHours", hours, "expected a whole number of hours from 1 to 12 (IAM's MaxSessionDuration)");

  if (problems.length > 0) throw new ConfigError(stack, problems);
  return { stack, partition, repository: repository!, pulumiOrganization: pulumiOrganization!, prodReviewers: { teams, users }, oidcProviderArn, devStack, prodStack, maxSessionSeconds: Number(hours) * 3600 };
}

export function loadCiSettings(): CiSettings {
  return parseCiSettings(pulumi.runtime.allConfig(), pulumi.getStack());
}
