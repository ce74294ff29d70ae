/**
 * The controller's container, as a pure function of what it runs, and the size check that
 * keeps its task definition within what ECS accepts. Both the Controller component and config
 * validation use it, so the size that is checked is the size of what would be registered.
 */
import type * as aws from "@pulumi/aws";
import { LOCK_WAIT_SECONDS, STOP_TIMEOUT_SECONDS } from "./controllerWaits";

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
/** The variable carrying the team's JCasC file number `n` (1, 2, ...), base64-encoded likewise. */
export const teamCascEnv = (n: number): string => `JENKINS_CASC_TEAM_${n}_BASE64`;
/** Makes JCasC refuse a variable it cannot resolve (see {@link controllerContainerDefinitions}). */
export const CASC_STRICT_ENV = "CASC_STRICT_SECRET_RESOLUTION";
/** The environment variable the ECS secret of the OpenID Connect client secret fills (with `sso`). */
export const OIDC_CLIENT_SECRET_ENV = "JENKINS_OIDC_CLIENT_SECRET";
/**
 * controller-image/jenkins-ecs-start.sh, as the image installs it. The image's ENTRYPOINT runs
 * it under tini, before the official jenkins.sh: it writes the JCasC sources, takes the lock on
 * JENKINS_HOME and puts the image's plugins in place. The task definition overrides neither
 * the entry point nor the command, so ECS runs exactly that.
 */
export const START_SCRIPT = "/usr/local/bin/jenkins-ecs-start";
/** The image's ENTRYPOINT (controller-image/Dockerfile); a prebuilt `controllerImage` needs the same. */
export const CONTROLLER_ENTRYPOINT = ["/usr/bin/tini", "--", START_SCRIPT, "/usr/local/bin/jenkins.sh"] as const;
/** Tells the start script which variable holds which JCasC file: `VARIABLE=path` pairs, space-separated. */
export const CASC_SOURCES_ENV = "JENKINS_ECS_CASC_SOURCES";
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
  /**
   * Every JCasC source in the order JCasC applies them: the generated document (written to
   * {@link CASC_PATH}) first, then the team's files. Each travels in the environment.
   */
  readonly cascFiles: readonly { readonly path: string; readonly yaml: string }[];
  /** Secrets Manager ARN of the OpenID Connect client secret, given as {@link OIDC_CLIENT_SECRET_ENV} (with `sso`). */
  readonly oidcClientSecretArn?: string;
  readonly jnlpPort: number;
  /** Mount {@link FILE_SYSTEM_VOLUME} read-only at {@link FILE_SYSTEM_VIEW_PATH} (with ECS Exec). */
  readonly fileSystemView: boolean;
}

/** The controller's container definitions, as ECS takes them. */
export function controllerContainerDefinitions(input: ControllerContainerInput): object[] {
  const [generated, ...team] = input.cascFiles;
  if (generated?.path !== CASC_PATH) throw new Error(`the generated JCasC document must come first, at ${CASC_PATH}`);
  const sources = [{ env: CASC_ENV, ...generated }, ...team.map((f, i) => ({ env: teamCascEnv(i + 1), ...f }))];
  // Paths are plain names (lib/jenkins/teamCasc.ts): no space to split on, no comma.
  for (const s of sources) if (!/^\/[A-Za-z0-9._/-]+$/.test(s.path)) throw new Error(`JCasC source path ${JSON.stringify(s.path)} has characters the start script would split on`);
  return [
    {
      name: CONTROLLER_CONTAINER,
      image: input.image,
      essential: true,
      // No entryPoint and no command: the image's own entry point writes the JCasC sources and
      // takes the lock (START_SCRIPT), so nothing here can skip it.
      portMappings: [
        { name: "http", containerPort: JENKINS_HTTP_PORT, protocol: "tcp" },
        { name: "jnlp", containerPort: input.jnlpPort, protocol: "tcp" },
      ],
      environment: [
        { name: "JAVA_OPTS", value: controllerJavaOpts() },
        // JCasC's multi-source loading: every file, in order, merged under errorOnConflict.
        { name: "CASC_JENKINS_CONFIG", value: sources.map((s) => s.path).join(",") },
        { name: "JENKINS_ECS_LOCK_WAIT_SECONDS", value: String(LOCK_WAIT_SECONDS) },
        { name: CASC_SOURCES_ENV, value: sources.map((s) => `${s.env}=${s.path}`).join(" ") },
        // A `${NAME}` that JCasC cannot resolve stops the boot instead of becoming "" (an empty
        // admin password, say): configuration-as-code 2117.vc05a_0b_e6b_f4e,
        // SecretSourceResolver.java l. 123-140 (UnresolvedLookup throws when this is "true").
        { name: CASC_STRICT_ENV, value: "true" },
        ...sources.map((s) => ({ name: s.env, value: Buffer.from(s.yaml, "utf8").toString("base64") })),
      ],
      secrets: [
        { name: ADMIN_PASSWORD_ENV, valueFrom: input.adminSecretArn },
        ...(input.oidcClientSecretArn ? [{ name: OIDC_CLIENT_SECRET_ENV, valueFrom: input.oidcClientSecretArn }] : []),
      ],
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

/**
 * The controller task's volumes: JENKINS_HOME through its access point and, with ECS Exec, the
 * whole file system through the view access point; always over TLS and with the task role's IAM.
 */
export function controllerVolumes(args: { readonly fileSystemId: string; readonly accessPointId: string; readonly viewAccessPointId?: string }): aws.types.input.ecs.TaskDefinitionVolume[] {
  const efs = (name: string, accessPointId: string) => ({
    name,
    efsVolumeConfiguration: { fileSystemId: args.fileSystemId, transitEncryption: "ENABLED", authorizationConfig: { accessPointId, iam: "ENABLED" } },
  });
  return [efs(HOME_VOLUME, args.accessPointId), ...(args.viewAccessPointId ? [efs(FILE_SYSTEM_VOLUME, args.viewAccessPointId)] : [])];
}

/** Bytes a RegisterTaskDefinition request with these container definitions takes, at most. */
export function taskDefinitionBytes(containerDefinitions: object[]): number {
  return Buffer.byteLength(JSON.stringify(containerDefinitions), "utf8") + TASK_DEFINITION_OTHER_BYTES;
}
