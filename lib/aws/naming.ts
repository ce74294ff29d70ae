/**
 * Names AWS does not generate for us. Physical names are otherwise left to Pulumi's
 * auto-naming; these few must be chosen, and must be unique per stack and valid for AWS.
 */

/**
 * `<project>-<stack>`, safe for ECS task-definition families and cloud names (letters, digits,
 * "-" and "_"). Pulumi stack names may also contain ".", which ECS rejects.
 */
export function stackPrefix(project: string, stack: string): string {
  return `${project}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-");
}

/** Task-definition family of the controller. */
export function controllerFamily(project: string, stack: string): string {
  return `${stackPrefix(project, stack)}-controller`;
}

/** Task-definition family of an agent template; the plugin runs exactly these. */
export function agentFamily(project: string, stack: string, label: string): string {
  return `${stackPrefix(project, stack)}-agent-${label}`;
}

/**
 * Name of a template's `ecs` cloud: unique per stack (two Jenkins never share agent names) and
 * per template (each template is its own cloud, so its limits are its own).
 */
export function cloudName(project: string, stack: string, label: string): string {
  return `ecs-${stackPrefix(project, stack)}-${label}`;
}

/**
 * Root of the IAM paths of this program's roles and policies. Each stack has its own path
 * under it ({@link stackIamPath}); the CI deploy role of a stack (ci/) may manage IAM under that
 * path only.
 */
export const IAM_PATH = "/jenkins-ecs/";

/**
 * IAM path of one stack's roles and policies, `/jenkins-ecs/<stack>/`: the deploy role of dev
 * may manage `/jenkins-ecs/dev/*` and nothing of prod's. The trailing "/" keeps `dev` from
 * matching `dev2` (IAM paths allow the characters of Pulumi stack names).
 */
export function stackIamPath(stack: string): string {
  return `${IAM_PATH}${stack}/`;
}

/**
 * How the controller's task role is named (`<component>-task-<random>`, the component being
 * index.ts's "controller"): the one role of a stack its boundary lets read tasks.
 */
export const CONTROLLER_TASK_ROLE_PREFIX = "controller-task-";

/**
 * IAM path of the permissions boundaries the ci/ program creates, one per stack. Outside
 * {@link IAM_PATH}, so no deploy role may change or delete the boundary its roles are held to.
 */
export const BOUNDARY_IAM_PATH = "/jenkins-ecs-boundary/";

/** The ARN of a permissions boundary given as a full ARN or as `<path>/<name>` in this account. */
export function boundaryPolicyArn(boundary: string, partition: string, accountId: string): string {
  return boundary.startsWith("arn:") ? boundary : `arn:${partition}:iam::${accountId}:policy/${boundary}`;
}

/**
 * The tag every resource of a stack carries (`aws:defaultTags` in its stack file): the deploy
 * roles of other stacks are denied every action on resources that carry another stack's value.
 */
export const STACK_TAG_KEY = "jenkins-ecs-stack";

/**
 * Name prefix of the stack's admin-password secret, `jenkins-ecs-admin/<stack>/`: outside the
 * pipeline credentials' prefix (so no pipeline can read it), and the only secrets the stack's
 * deploy role may manage.
 */
export function adminSecretPrefix(stack: string): string {
  return `jenkins-ecs-admin/${stack}/`;
}

/** The Cloud Map service the controller registers in. */
export const CONTROLLER_SERVICE_NAME = "jenkins";

/** The controller's private host name, `jenkins.<namespace>`: agents connect to it. */
export function controllerHost(namespace: string): string {
  return `${CONTROLLER_SERVICE_NAME}.${namespace}`;
}

/** Cloud Map namespace `<stack>.<project>.internal`, the stack name made a DNS label. */
export function defaultNamespace(project: string, stack: string): string {
  const label =
    stack
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-")
      .slice(0, 63)
      .replace(/^-+|-+$/g, "") || "stack";
  return `${label}.${project}.internal`;
}

/**
 * The name prefix of the Secrets Manager secrets that pipelines get as Jenkins credentials:
 * `<project>/<stack>/`. The controller may read secrets under it and no other (its task role),
 * and the credentials provider lists only these. The trailing "/" keeps stack `dev` from
 * reading `dev2`'s.
 */
export function credentialsPrefix(project: string, stack: string): string {
  return `${project}/${stack}/`;
}
