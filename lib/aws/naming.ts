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
 * IAM path of every role and policy this program creates. The CI deploy roles (ci/) may manage
 * IAM roles and policies under this path only, so a deployment cannot touch any other.
 */
export const IAM_PATH = "/jenkins-ecs/";

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
