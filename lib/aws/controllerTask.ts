/**
 * The controller's container, as a pure function of what it runs, and the size check that
 * keeps its task definition within what ECS accepts. Both the Controller component and config
 * validation use it, so the size that is checked is the size of what would be registered.
 */

/** Jenkins' HTTP port inside the controller container; the JNLP port must differ from it. */
export const JENKINS_HTTP_PORT = 8080;
/** The environment variable the ECS secret fills; the JCasC document names it, never the value. */
export const ADMIN_PASSWORD_ENV = "JENKINS_ADMIN_PASSWORD";
/** Where the official image keeps JENKINS_HOME; the EFS access point is mounted here. */
export const JENKINS_HOME_PATH = "/var/jenkins_home";
/** The container's name in the task definition; the load balancer targets it. */
export const CONTROLLER_CONTAINER = "jenkins";
/** The task's volume holding JENKINS_HOME. */
export const HOME_VOLUME = "jenkins-home";
/**
 * With ECS Exec, the whole file system is also mounted read-only here, so an operator's shell
 * sees what lies beside JENKINS_HOME: AWS Backup's `aws-backup-restore_<timestamp>` copies.
 */
export const FILE_SYSTEM_VOLUME = "jenkins-home-fs";
export const FILE_SYSTEM_VIEW_PATH = "/mnt/jenkins-home-fs";
/**
 * Where the JCasC document is written at every start: outside JENKINS_HOME, so what Jenkins
 * applies is always the document of the current task definition. The directory is made by
 * controller-image/Dockerfile.
 */
export const CASC_PATH = "/var/jenkins_casc/jenkins.yaml";
/** The document travels in the task definition, base64-encoded so no shell quoting can bend it. */
export const CASC_ENV = "JENKINS_CASC_YAML_BASE64";
/**
 * controller-image/jenkins-ecs-start.sh, as the image installs it: it runs the official
 * entrypoint only while holding an exclusive lock on a file in JENKINS_HOME.
 */
export const START_SCRIPT = "/usr/local/bin/jenkins-ecs-start";
/** The official image's entrypoint, started by the start script once it holds the lock. */
const JENKINS_ENTRYPOINT = `exec ${START_SCRIPT} /usr/bin/tini -- /usr/local/bin/jenkins.sh`;
/**
 * Fargate's maximum: ECS waits this long after SIGTERM before SIGKILL, so Jenkins can finish
 * writing build records and config to EFS.
 */
export const STOP_TIMEOUT_SECONDS = 120;
/**
 * How long a new controller waits for the old one to release JENKINS_HOME: the old task's stop
 * timeout and a minute more for EFS to release the lock of a task that was killed. After that
 * the new task gives up (exit 75), and the deployment circuit breaker rolls back.
 */
export const LOCK_WAIT_SECONDS = STOP_TIMEOUT_SECONDS + 60;
/** Heap as a share of the container's memory; the rest is metaspace, threads and buffers. */
const HEAP_PERCENT = 75;

/**
 * ECS RegisterTaskDefinition refuses a request larger than 64 KiB, container definitions and
 * their environment included (Amazon ECS API Reference, RegisterTaskDefinition; ECS service
 * quotas, "Task definition size"). The JCasC document travels in that environment.
 */
export const TASK_DEFINITION_MAX_BYTES = 64 * 1024;
/**
 * What the rest of the request takes besides the container definitions: family, roles, sizes,
 * runtime platform and the EFS volume, generously rounded up (about 700 bytes in practice).
 */
export const TASK_DEFINITION_OTHER_BYTES = 2048;

/**
 * JVM options of the controller, each there for a reason that takes effect. No
 * NodeProvisioner MARGIN/MARGIN0: amazon-ecs's own provisioning strategy runs first for its
 * labels and completes provisioning itself (ECSProvisioningStrategy.java, tag amazon-ecs-1.49,
 * l. 61-80), so Jenkins' default strategy, which reads them, never sees those labels.
 */
export function controllerJavaOpts(): string {
  return [
    // Configuration comes from code; the wizard would ask a human for it.
    "-Djenkins.install.runSetupWizard=false",
    // The heap follows the task's memory: 75 % of it, the rest for metaspace, threads, buffers.
    `-XX:MaxRAMPercentage=${HEAP_PERCENT}.0`,
    `-XX:InitialRAMPercentage=${HEAP_PERCENT}.0`,
    // NodeProvisioner starts right after Jenkins does, not 10 load-statistics ticks (100 s)
    // later: builds waiting through a controller restart get their agents at once.
    "-Dhudson.slaves.NodeProvisioner.initialDelay=0",
  ].join(" ");
}

export interface ControllerContainerInput {
  readonly image: string;
  readonly logGroupName: string;
  readonly region: string;
  readonly adminSecretArn: string;
  /** The JCasC document, as YAML text. */
  readonly casc: string;
  readonly jnlpPort: number;
  /** Mount {@link FILE_SYSTEM_VOLUME} read-only at {@link FILE_SYSTEM_VIEW_PATH} (with ECS Exec). */
  readonly fileSystemView: boolean;
}

/** The controller's container definitions, as ECS takes them. */
export function controllerContainerDefinitions(input: ControllerContainerInput): object[] {
  return [
    {
      name: CONTROLLER_CONTAINER,
      image: input.image,
      essential: true,
      // Write the document, then start Jenkins as the image would.
      entryPoint: ["/bin/sh", "-c"],
      command: [`set -e; printf '%s' "$${CASC_ENV}" | base64 -d > "$CASC_JENKINS_CONFIG"; ${JENKINS_ENTRYPOINT}`],
      portMappings: [
        { name: "http", containerPort: JENKINS_HTTP_PORT, protocol: "tcp" },
        { name: "jnlp", containerPort: input.jnlpPort, protocol: "tcp" },
      ],
      environment: [
        { name: "JAVA_OPTS", value: controllerJavaOpts() },
        { name: "CASC_JENKINS_CONFIG", value: CASC_PATH },
        { name: "JENKINS_ECS_LOCK_WAIT_SECONDS", value: String(LOCK_WAIT_SECONDS) },
        { name: CASC_ENV, value: Buffer.from(input.casc, "utf8").toString("base64") },
      ],
      secrets: [{ name: ADMIN_PASSWORD_ENV, valueFrom: input.adminSecretArn }],
      mountPoints: [
        { sourceVolume: HOME_VOLUME, containerPath: JENKINS_HOME_PATH, readOnly: false },
        ...(input.fileSystemView ? [{ sourceVolume: FILE_SYSTEM_VOLUME, containerPath: FILE_SYSTEM_VIEW_PATH, readOnly: true }] : []),
      ],
      stopTimeout: STOP_TIMEOUT_SECONDS,
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": input.logGroupName, "awslogs-region": input.region, "awslogs-stream-prefix": "jenkins" },
      },
    },
  ];
}

/** Bytes a RegisterTaskDefinition request with these container definitions takes, at most. */
export function taskDefinitionBytes(containerDefinitions: object[]): number {
  return Buffer.byteLength(JSON.stringify(containerDefinitions), "utf8") + TASK_DEFINITION_OTHER_BYTES;
}
