/**
 * The CI roles' IAM documents, as plain typed objects (tests evaluate exactly these).
 *
 * A role trusts a GitHub Actions job by two claims of its OIDC token (GitHub Docs, "OpenID
 * Connect reference", OIDC token claims), both compared exactly:
 * - `sub`, GitHub's default subject: `repo:<org>/<repo>:environment:<name>` for a job that names
 *   an environment, `repo:<org>/<repo>:pull_request` for a pull-request run that names none
 *   ("Example subject claims"). With immutable subject claims (the default for repositories
 *   created, renamed or transferred since 15 July 2026; "Immutable subject claims") the
 *   repository part reads `<org>@<org id>/<repo>@<repo id>`;
 * - `job_workflow_ref`, the workflow file and ref the job runs from:
 *   `<org>/<repo>/.github/workflows/<file>@<ref>`. AWS evaluates it as the condition key
 *   `token.actions.githubusercontent.com:job_workflow_ref` of sts:AssumeRoleWithWebIdentity
 *   (Service Authorization Reference, "Actions, resources, and condition keys for AWS Security
 *   Token Service"), so no subject customisation is needed; a token without it matches nothing.
 * The audience is `sts.amazonaws.com`, configure-aws-credentials' default.
 */
import type * as aws from "@pulumi/aws";
import type { PolicyDocument } from "../lib/aws/policies";
import { EXEC_KEY_TAG } from "../lib/aws/execPolicies";
import { BOUNDARY_IAM_PATH, CONTROLLER_TASK_ROLE_PREFIX, STACK_TAG_KEY, adminSecretPrefix, stackIamPath } from "../lib/aws/naming";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
/** Path of the CI roles: outside the path the deploy roles may manage, so none can change another. */
export const CI_IAM_PATH = "/jenkins-ecs-ci/";
/** AWS managed policy of the preview role (see {@link GithubActionsRoles} for why). */
export const READ_ONLY_POLICY = "ReadOnlyAccess";
/** The workflow files whose jobs may assume the roles (.github/workflows/). */
export const PREVIEW_WORKFLOW = "preview.yml";
export const DEPLOY_WORKFLOW = "deploy.yml";
/** The only branch deployments run from. */
export const DEPLOY_BRANCH = "main";

const VERSION = "2012-10-17";

/** Who a role trusts: pull-request runs of the preview workflow, or deploy-workflow jobs of one GitHub environment on main. */
export type Trusted = { readonly pullRequest: true } | { readonly environment: string };

/**
 * A repository as GitHub names it: `subject` is `<org>/<repo>`, or `<org>@<id>/<repo>@<id>` with
 * immutable subject claims; `name` is always `<org>/<repo>`.
 */
export interface GithubRepository {
  readonly subject: string;
  readonly name: string;
}

/** `owner/repo` or `owner@1/repo@2` -> the subject's repository part and the plain name. */
export function githubRepository(repository: string): GithubRepository {
  return { subject: repository, name: repository.replace(/@\d+/g, "") };
}

/** The two GitHub claims a job's token must carry to be trusted. */
export interface TrustedClaims {
  readonly sub: string;
  readonly jobWorkflowRef: string;
}

/** The two claims a role trusts; a pull request's ref is `refs/pull/<number>/merge`, hence its one wildcard. */
export function trustedClaims(repository: GithubRepository, trusted: Trusted): TrustedClaims {
  const workflow = (file: string, ref: string) => `${repository.name}/.github/workflows/${file}@${ref}`;
  return "pullRequest" in trusted
    ? { sub: `repo:${repository.subject}:pull_request`, jobWorkflowRef: workflow(PREVIEW_WORKFLOW, "refs/pull/*/merge") }
    : { sub: `repo:${repository.subject}:environment:${trusted.environment}`, jobWorkflowRef: workflow(DEPLOY_WORKFLOW, `refs/heads/${DEPLOY_BRANCH}`) };
}

/** Trust of a role assumed from GitHub Actions: this provider, this audience, these claims. */
export function githubTrustPolicy(providerArn: string, claims: TrustedClaims): PolicyDocument {
  const key = (claim: string) => `${GITHUB_OIDC_HOST}:${claim}`;
  // StringEquals wherever a value is exact. The one wildcard (a pull request's number) sits
  // between fixed parts: "*" cannot turn another workflow file or branch into
  // ".../preview.yml@refs/pull/<n>/merge".
  const exact = { [key("aud")]: GITHUB_OIDC_AUDIENCE, [key("sub")]: claims.sub };
  const workflow = { [key("job_workflow_ref")]: claims.jobWorkflowRef };
  return {
    Version: VERSION,
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: claims.jobWorkflowRef.includes("*") ? { StringEquals: exact, StringLike: workflow } : { StringEquals: { ...exact, ...workflow } },
      },
    ],
  };
}

/**
 * Services `pulumi up` of jenkins-ecs manages, each for a reason. Resource-level scoping is
 * not practical for them (Pulumi auto-names resources, and many of these APIs have no resource
 * ARNs at create time); IAM, the one that could widen its own permissions, is scoped below.
 */
export const DEPLOY_SERVICES: readonly (readonly [string, string])[] = [
  ["ec2", "VPC, subnets, NAT gateways, route tables, security groups, VPC endpoints"],
  ["ecs", "clusters, capacity providers, task definitions, the controller service"],
  ["elasticloadbalancing", "the load balancer, its listeners and target group"],
  ["elasticfilesystem", "JENKINS_HOME: file system, mount targets, access point, policies"],
  ["ecr", "image repositories, and pushing the images pulumi up builds"],
  ["logs", "log groups"],
  ["cloudwatch", "alarms and the dashboard"],
  ["sns", "the alarm topic"],
  ["events", "the rule that alarms on agents failing to start"],
  ["servicediscovery", "the Cloud Map namespace and service"],
  ["route53", "Cloud Map's private zone; the alias and validation records"],
  ["acm", "an issued certificate"],
  ["s3", "the load balancer's access-log bucket"],
];

/** Service-linked roles AWS creates on the first use of a service in an account. */
export const SERVICE_LINKED_ROLE_SERVICES = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "elasticfilesystem.amazonaws.com", "backup.amazonaws.com"];

/** Managed policies a deployment must never attach to a role it creates. */
export const NEVER_ATTACHED = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];

export interface DeployPolicyArgs {
  readonly partition: string;
  readonly accountId: string;
  /** The stack the role deploys: the only IAM path, secrets and stack-tagged resources it may manage. */
  readonly stack: string;
  /** The permissions boundary every role the deployment creates must carry ({@link boundaryPolicy}). */
  readonly boundaryArn: string;
}

/** Role-changing calls that can widen a role: allowed only while the role carries the boundary. */
const BOUNDED_ROLE_ACTIONS = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy"];
/** Writes to a managed policy: denied on the boundaries, which the ci/ program alone manages. */
const POLICY_WRITE_ACTIONS = ["iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"];

/**
 * The two statements that keep one stack's principals off another stack's resources: every
 * resource of a stack carries its name in the tag {@link STACK_TAG_KEY} (its stack file's
 * `aws:defaultTags`); whatever carries another value, or is being tagged with one, is denied.
 * Untagged resources (and services without `aws:ResourceTag`) are out of their reach: paths,
 * name prefixes and the boundary scope those.
 */
function otherStacksDenied(stack: string): aws.iam.PolicyStatement[] {
  return [
    {
      Sid: "DenyOtherStacksResources",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { Null: { [`aws:ResourceTag/${STACK_TAG_KEY}`]: "false" }, StringNotEquals: { [`aws:ResourceTag/${STACK_TAG_KEY}`]: stack } },
    },
    {
      Sid: "DenyTaggingForOtherStacks",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { Null: { [`aws:RequestTag/${STACK_TAG_KEY}`]: "false" }, StringNotEquals: { [`aws:RequestTag/${STACK_TAG_KEY}`]: stack } },
    },
  ];
}

/** ARN pattern of a stack's roles (under its IAM path) whose names start with `namePrefix`. */
function stackRoles(args: { readonly partition: string; readonly accountId: string; readonly stack: string }, namePrefix = ""): string {
  return `arn:${args.partition}:iam::${args.accountId}:role${stackIamPath(args.stack)}${namePrefix}*`;
}

/** What `pulumi up` (and `pulumi destroy`, and `npm run verify`) of one jenkins-ecs stack needs. */
export function deployPolicy(args: DeployPolicyArgs): PolicyDocument {
  const iam = (resource: string) => `arn:${args.partition}:iam::${args.accountId}:${resource}`;
  const ownRoles = stackRoles(args);
  const ownPolicies = iam(`policy${stackIamPath(args.stack)}*`);
  return {
    Version: VERSION,
    Statement: [
      { Sid: "ManageStackServices", Effect: "Allow", Action: DEPLOY_SERVICES.map(([service]) => `${service}:*`), Resource: "*" },
      // The provider reads the caller's account and region for ARNs.
      { Sid: "Identity", Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" },
      {
        Sid: "ManageOwnRoles",
        Effect: "Allow",
        Action: [
          "iam:DeleteRole",
          "iam:GetRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:ListRoleTags",
          "iam:GetRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
        ],
        Resource: ownRoles,
      },
      {
        // IAM User Guide, "Permissions boundaries for IAM entities" (delegating responsibility):
        // a role may be created or given permissions only with the boundary on it, so whatever
        // it is given, it can do no more than the boundary allows.
        Sid: "ManageOwnRolesOnlyBounded",
        Effect: "Allow",
        Action: BOUNDED_ROLE_ACTIONS,
        Resource: ownRoles,
        Condition: { StringEquals: { "iam:PermissionsBoundary": args.boundaryArn } },
      },
      { Sid: "NeverUnboundARole", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
      { Sid: "NeverChangeTheBoundaries", Effect: "Deny", Action: POLICY_WRITE_ACTIONS, Resource: iam(`policy${BOUNDARY_IAM_PATH}*`) },
      {
        Sid: "ManageOwnPolicies",
        Effect: "Allow",
        Action: [...POLICY_WRITE_ACTIONS.filter((action) => action !== "iam:SetDefaultPolicyVersion"), "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:ListPolicyTags"],
        Resource: ownPolicies,
      },
      {
        // Only to ECS tasks: the task definitions name the stack's own roles.
        Sid: "PassOwnRolesToEcsTasks",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: ownRoles,
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
      {
        // The admin password's secret, under the stack's own prefix: no other stack's secret,
        // and none of the pipeline credentials.
        Sid: "ManageOwnSecrets",
        Effect: "Allow",
        Action: "secretsmanager:*",
        Resource: `arn:${args.partition}:secretsmanager:*:${args.accountId}:secret:${adminSecretPrefix(args.stack)}*`,
      },
      // The ECS Exec key (components/execLogging.ts): created with its tag, then managed only
      // while it carries it. No encrypt, decrypt or key-policy change: a deployment can neither
      // read what a key protects nor give itself a key of someone else's.
      {
        Sid: "CreateExecKeys",
        Effect: "Allow",
        Action: ["kms:CreateKey", "kms:TagResource"],
        Resource: "*",
        Condition: { StringEquals: { [`aws:RequestTag/${EXEC_KEY_TAG.key}`]: EXEC_KEY_TAG.value } },
      },
      {
        Sid: "ManageExecKeys",
        Effect: "Allow",
        Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion"],
        Resource: `arn:${args.partition}:kms:*:${args.accountId}:key/*`,
        Condition: { StringEquals: { [`aws:ResourceTag/${EXEC_KEY_TAG.key}`]: EXEC_KEY_TAG.value } },
      },
      {
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: iam("role/aws-service-role/*"),
        Condition: { StringEquals: { "iam:AWSServiceName": SERVICE_LINKED_ROLE_SERVICES } },
      },
      {
        // A template's permissions.policyArns attach managed policies to its task role; never these.
        Sid: "NeverAttachAdministrativePolicies",
        Effect: "Deny",
        Action: ["iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
        Resource: "*",
        Condition: { ArnEquals: { "iam:PolicyARN": NEVER_ATTACHED.map((name) => `arn:${args.partition}:iam::aws:policy/${name}`) } },
      },
      // A shell in a running controller or agent is a shell with its role and its secrets;
      // pulumi up never needs one.
      { Sid: "NoShellInTasks", Effect: "Deny", Action: "ecs:ExecuteCommand", Resource: "*" },
      ...otherStacksDenied(args.stack),
    ],
  };
}

export interface BoundaryPolicyArgs {
  readonly partition: string;
  readonly accountId: string;
  /** The stack whose roles the boundary holds. */
  readonly stack: string;
}

/**
 * The permissions boundary of one stack's roles: the most any of them can do, whatever policies
 * a deployment gives it. Everything its tasks need (ECS, EFS, logs, secrets, ECR, and what a
 * template's builds are granted), but no IAM change, no role of this account assumed, no shell
 * in a task, no reading of tasks but by the controller, and nothing of another stack's. A build
 * that needs IAM writes or another role of the account cannot have them in a bounded stack: give
 * it a role in another account instead.
 */
export function boundaryPolicy(args: BoundaryPolicyArgs): PolicyDocument {
  return {
    Version: VERSION,
    Statement: [
      { Sid: "AnythingButIam", Effect: "Allow", NotAction: "iam:*", Resource: "*" },
      // The controller passes the agents' roles to the tasks it starts: its own stack's only.
      { Sid: "PassOwnRoles", Effect: "Allow", Action: "iam:PassRole", Resource: stackRoles(args) },
      // A role of this account that trusts the account (…:root) would otherwise be one
      // sts:AssumeRole away from a bounded role; roles of other accounts decide on their own.
      { Sid: "NoRoleOfThisAccount", Effect: "Deny", Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"], Resource: `arn:${args.partition}:iam::${args.accountId}:role/*` },
      { Sid: "NoShellInTasks", Effect: "Deny", Action: "ecs:ExecuteCommand", Resource: "*" },
      // DescribeTasks shows each agent's connection secret (the RunTask overrides): only the
      // controller, which starts and watches the agents, may read tasks.
      {
        Sid: "OnlyTheControllerReadsTasks",
        Effect: "Deny",
        Action: "ecs:DescribeTasks",
        Resource: `arn:${args.partition}:ecs:*:${args.accountId}:task/*`,
        Condition: { ArnNotLike: { "aws:PrincipalArn": stackRoles(args, CONTROLLER_TASK_ROLE_PREFIX) } },
      },
      ...otherStacksDenied(args.stack),
    ],
  };
}
