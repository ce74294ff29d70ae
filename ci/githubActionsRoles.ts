import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BOUNDARY_IAM_PATH } from "../lib/aws/naming";
import { denyReadingAgentTasksPolicy } from "../lib/aws/policies";
import { CI_IAM_PATH, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, READ_ONLY_POLICY, Trusted, boundaryPolicy, deployPolicy, githubRepository, githubTrustPolicy, trustedClaims } from "./policies";

/** Arguments for {@link GithubActionsRoles}. */
export interface GithubActionsRolesArgs {
  readonly partition: string;
  /** `<org>/<repo>` (or `<org>@<id>/<repo>@<id>`): only its workflows may assume the roles. */
  readonly repository: string;
  /** GitHub's OIDC provider if the account has one already (an account has at most one per URL). */
  readonly existingProviderArn?: string;
  /** GitHub environments (named after the stacks) whose jobs deploy dev and prod. */
  readonly devEnvironment: string;
  readonly prodEnvironment: string;
  readonly maxSessionSeconds: number;
}

/**
 * Three roles for GitHub Actions, each trusted for exactly one kind of job:
 * - preview: pull-request runs of the repository's preview workflow; read-only, so an edited
 *   workflow in a pull request can read the account but change nothing. AWS's managed
 *   ReadOnlyAccess: AWS keeps it current as services add read calls, which a hand-written list
 *   would miss until a preview broke; it grants no write and no secret values;
 * - deploy dev / deploy prod: jobs of the deploy workflow on main in the `dev` / `prod` GitHub
 *   environment only (which reviewers can gate); what `pulumi up` of that one stack needs:
 *   IAM under the stack's own path, every role it creates held by the stack's permissions
 *   boundary, which this program creates and no deploy role may change.
 */
export class GithubActionsRoles extends pulumi.ComponentResource {
  public readonly providerArn: pulumi.Output<string>;
  public readonly previewRoleArn: pulumi.Output<string>;
  public readonly deployDevRoleArn: pulumi.Output<string>;
  public readonly deployProdRoleArn: pulumi.Output<string>;
  /** The permissions boundaries of the dev and prod stacks' roles. */
  public readonly devBoundaryArn: pulumi.Output<string>;
  public readonly prodBoundaryArn: pulumi.Output<string>;

  constructor(name: string, args: GithubActionsRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs-ci:github:GithubActionsRoles", name, {}, opts);
    const parent = { parent: this };

    this.providerArn = args.existingProviderArn
      ? pulumi.output(args.existingProviderArn)
      : new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE] }, parent).arn;

    const role = (id: string, trusted: Trusted, description: string) =>
      new aws.iam.Role(
        `${name}-${id}`,
        {
          path: CI_IAM_PATH,
          description,
          maxSessionDuration: args.maxSessionSeconds,
          assumeRolePolicy: this.providerArn.apply((arn) => JSON.stringify(githubTrustPolicy(arn, trustedClaims(githubRepository(args.repository), trusted)))),
        },
        parent,
      );

    const preview = role("preview", { pullRequest: true }, `pulumi preview from pull requests of ${args.repository}: read-only`);
    new aws.iam.RolePolicyAttachment(`${name}-preview-read-only`, { role: preview.name, policyArn: `arn:${args.partition}:iam::aws:policy/${READ_ONLY_POLICY}` }, parent);

    const identity = aws.getCallerIdentityOutput({}, parent);
    // ReadOnlyAccess and the deploy roles' ecs:* both allow DescribeTasks, which shows agents'
    // connection secrets (RunTask overrides); neither pulumi preview nor pulumi up needs it.
    const noTaskReading = identity.accountId.apply((accountId) => JSON.stringify(denyReadingAgentTasksPolicy({ taskArns: [`arn:${args.partition}:ecs:*:${accountId}:task/*`] })));
    new aws.iam.RolePolicy(`${name}-preview-no-task-reading`, { role: preview.id, policy: noTaskReading }, parent);
    const deploy = (id: string, stack: string) => {
      // Named for the stack, not auto-named: the stack file names it
      // (jenkins-ecs:permissionsBoundary: jenkins-ecs-boundary/<stack>), and a path outside the
      // deploy roles' own keeps it out of their reach.
      const boundary = new aws.iam.Policy(
        `${name}-${stack}-boundary`,
        {
          name: stack,
          path: BOUNDARY_IAM_PATH,
          description: `The most any role of the jenkins-ecs stack ${stack} may do`,
          policy: identity.accountId.apply((accountId) => JSON.stringify(boundaryPolicy({ partition: args.partition, accountId, stack }))),
        },
        parent,
      );
      const deployRole = role(id, { environment: stack }, `pulumi up of jenkins-ecs from the ${stack} environment of ${args.repository}`);
      new aws.iam.RolePolicy(
        `${name}-${id}`,
        {
          role: deployRole.id,
          policy: pulumi
            .all([identity.accountId, boundary.arn])
            .apply(([accountId, boundaryArn]) => JSON.stringify(deployPolicy({ partition: args.partition, accountId, stack, boundaryArn }))),
        },
        parent,
      );
      new aws.iam.RolePolicy(`${name}-${id}-no-task-reading`, { role: deployRole.id, policy: noTaskReading }, parent);
      return { role: deployRole, boundary };
    };
    const dev = deploy("deploy-dev", args.devEnvironment);
    const prod = deploy("deploy-prod", args.prodEnvironment);
    this.previewRoleArn = preview.arn;
    this.deployDevRoleArn = dev.role.arn;
    this.deployProdRoleArn = prod.role.arn;
    this.devBoundaryArn = dev.boundary.arn;
    this.prodBoundaryArn = prod.boundary.arn;

    this.registerOutputs({ providerArn: this.providerArn, previewRoleArn: this.previewRoleArn, deployDevRoleArn: this.deployDevRoleArn, deployProdRoleArn: this.deployProdRoleArn, devBoundaryArn: this.devBoundaryArn, prodBoundaryArn: this.prodBoundaryArn });
  }
}
