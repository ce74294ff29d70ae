/**
 * Container image builds on Fargate: a template with `kaniko: true` runs a second container,
 * `kaniko`, beside its agent. Fargate gives no privileged mode and no user namespaces, so
 * neither a Docker daemon nor buildah nor rootless BuildKit runs there; the Kaniko executor
 * builds a Dockerfile as root in its own unprivileged container. It cannot run inside the
 * agent's container, because it unpacks base images over its own root (osscontainertools/kaniko
 * README at v1.28.3, "Known Issues"), so it gets its own and the two share two task volumes:
 * the workspace, and a queue through which `agent-images/kaniko/kaniko-build` (in the agent)
 * hands builds to `kaniko-worker.sh` (in the kaniko container). The agent container starts
 * only once the kaniko container is healthy, that is once the client and the registry login
 * are in place.
 */
import { AGENT_HOME } from "./agentImages";

/** The folder of `agent-images/` that builds the kaniko container's image. */
export { KANIKO_BUILD } from "./agentImages";
/** The kaniko container's name in a template's task definition. */
export const KANIKO_CONTAINER = "kaniko";
/** The queue both containers mount: the client, `ready`, and one directory per build. */
export const KANIKO_QUEUE = `${AGENT_HOME}/.kaniko`;
/** The agent's workspaces (its remoteFSRoot's `workspace`): the only build contexts kaniko sees. */
export const WORKSPACE_DIR = `${AGENT_HOME}/workspace`;
/** Variables the agent container gets: the client's path, and the stack's registry host. */
export const KANIKO_BUILD_ENV = "KANIKO_BUILD";
export const KANIKO_QUEUE_ENV = "KANIKO_QUEUE";
export const ECR_REGISTRY_ENV = "ECR_REGISTRY";

/** The task volumes both containers mount (bind mounts on the task's ephemeral storage). */
export const SHARED_VOLUMES: readonly { readonly name: string; readonly path: string }[] = [
  { name: "kaniko-queue", path: KANIKO_QUEUE },
  { name: "workspace", path: WORKSPACE_DIR },
];

/**
 * The kaniko container's health check: healthy once the worker has written `ready`. ECS's
 * HealthCheck ranges (ECS API reference, HealthCheck): interval 5-300 s, timeout 2-60 s,
 * retries 1-10, startPeriod 0-300 s; the shortest interval lets the agent start soonest.
 */
export const KANIKO_HEALTH_CHECK = {
  command: ["CMD", "/busybox/test", "-e", `${KANIKO_QUEUE}/ready`],
  interval: 5,
  timeout: 2,
  retries: 3,
  startPeriod: 0,
} as const;

/** The stack's ECR registry host (the commercial and GovCloud partitions both use amazonaws.com). */
export function ecrRegistry(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

const sharedMounts = () => SHARED_VOLUMES.map((v) => ({ sourceVolume: v.name, containerPath: v.path, readOnly: false }));

/** The kaniko container of a template's task definition (ECS ContainerDefinition). */
export function kanikoContainer(args: { readonly image: string; readonly registry: string; readonly logGroupName: string; readonly region: string }): object {
  return {
    name: KANIKO_CONTAINER,
    image: args.image,
    // Without it a build would wait for a worker that is gone; with it the task stops.
    essential: true,
    environment: [
      { name: KANIKO_QUEUE_ENV, value: KANIKO_QUEUE },
      { name: "KANIKO_WORKSPACE", value: WORKSPACE_DIR },
      { name: ECR_REGISTRY_ENV, value: args.registry },
    ],
    mountPoints: sharedMounts(),
    healthCheck: KANIKO_HEALTH_CHECK,
    // An init process reaps the executor's children and forwards ECS's SIGTERM to the worker.
    linuxParameters: { initProcessEnabled: true },
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": args.logGroupName, "awslogs-region": args.region, "awslogs-stream-prefix": "kaniko" },
    },
  };
}

/** What the agent container of a kaniko template adds: the shared mounts, the client, the wait. */
export function agentSideOfKaniko(registry: string): { environment: { name: string; value: string }[]; mountPoints: object[]; dependsOn: object[] } {
  return {
    environment: [
      { name: KANIKO_BUILD_ENV, value: `${KANIKO_QUEUE}/kaniko-build` },
      { name: KANIKO_QUEUE_ENV, value: KANIKO_QUEUE },
      { name: ECR_REGISTRY_ENV, value: registry },
    ],
    mountPoints: sharedMounts(),
    dependsOn: [{ containerName: KANIKO_CONTAINER, condition: "HEALTHY" }],
  };
}
