import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as random from "@pulumi/random";
import { JENKINS_HTTP_PORT, Settings } from "../lib/config";
import { controllerTaskPolicy, ecrRepositoryArn, executionPolicy } from "../lib/policies";
import { ADMIN_PASSWORD_ENV, renderCasc } from "../lib/casc";
import { AgentCloudSettings } from "../lib/cloud";
import { JenkinsHome } from "./storage";
import { createTaskRoles } from "./taskRoles";
import { controllerFamily } from "../lib/naming";
import { LoadBalancer } from "./loadBalancer";

/** Where the official image keeps JENKINS_HOME; the EFS access point is mounted here. */
export const JENKINS_HOME_PATH = "/var/jenkins_home";
/** The container's name in the task definition; the load balancer targets it. */
export const CONTROLLER_CONTAINER = "jenkins";
/**
 * Where the JCasC document is written at every start: outside JENKINS_HOME, so what Jenkins
 * applies is always the document of the current task definition. The directory is made by
 * controller-image/Dockerfile.
 */
export const CASC_PATH = "/var/jenkins_casc/jenkins.yaml";
/** The document travels in the task definition, base64-encoded so no shell quoting can bend it. */
export const CASC_ENV = "JENKINS_CASC_YAML_BASE64";
/** The official image's entrypoint, started once the document is in place. */
const JENKINS_ENTRYPOINT = "exec /usr/bin/tini -- /usr/local/bin/jenkins.sh";
/** The controller image's source, built when no prebuilt image is configured. */
export const CONTROLLER_IMAGE_CONTEXT = "./controller-image";
/**
 * Fargate's maximum: ECS waits this long after SIGTERM before SIGKILL, so Jenkins can finish
 * writing build records and config to EFS.
 */
const STOP_TIMEOUT_SECONDS = 120;
/** Heap as a share of the container's memory; the rest is metaspace, threads and buffers. */
const HEAP_PERCENT = 75;
const ADMIN_PASSWORD_LENGTH = 30;

/** The network the controller lives in (a {@link Network} satisfies it). */
export interface ControllerNetwork {
  readonly vpcId: pulumi.Input<string>;
  readonly publicSubnetIds: pulumi.Input<string[]>;
  readonly privateSubnetIds: pulumi.Input<string[]>;
  readonly privateSubnetCount: number;
}

/** What the controller takes from the build agents (an {@link Agents} satisfies it). */
export interface ControllerAgents {
  /** The agents' security group, admitted on HTTP and JNLP. */
  readonly securityGroupId: pulumi.Input<string>;
  /** Policy attached to the controller's task role so Jenkins can run agents. */
  readonly runAgentsPolicyArn: pulumi.Input<string>;
  /** The `ecs` cloud for JCasC. */
  readonly cloud: pulumi.Input<AgentCloudSettings>;
}

/** Arguments for {@link Controller}. */
export interface ControllerArgs {
  /** Validated stack settings. */
  readonly settings: Settings;
  readonly network: ControllerNetwork;
  /** Cloud Map service the controller registers in, so agents find it privately. */
  readonly discovery: { readonly serviceArn: pulumi.Input<string> };
  readonly agents: ControllerAgents;
}

/** JVM options of the controller, one per line of reasoning. */
export function controllerJavaOpts(): string {
  return [
    // Configuration comes from code; the wizard would ask a human for it.
    "-Djenkins.install.runSetupWizard=false",
    `-XX:MaxRAMPercentage=${HEAP_PERCENT}.0`,
    `-XX:InitialRAMPercentage=${HEAP_PERCENT}.0`,
    // Start an agent as soon as a build waits, instead of Jenkins' cautious default of waiting
    // for load to build up: every agent is a Fargate start of about a minute already.
    "-Dhudson.slaves.NodeProvisioner.initialDelay=0",
    "-Dhudson.slaves.NodeProvisioner.MARGIN=50",
    "-Dhudson.slaves.NodeProvisioner.MARGIN0=0.85",
  ].join(" ");
}

/**
 * The Jenkins controller: its own ECS cluster and Fargate service (exactly one task, never
 * two on one JENKINS_HOME), JENKINS_HOME on EFS, an HTTPS load balancer, the admin password in
 * Secrets Manager, and roles scoped to exactly what it touches.
 */
export class Controller extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly loadBalancerDnsName: pulumi.Output<string>;
  public readonly adminSecretArn: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly clusterArn: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly fileSystemId: pulumi.Output<string>;
  /** The controller task's security group. */
  public readonly securityGroupId: pulumi.Output<string>;
  /** The controller task's role (what Jenkins itself may do in AWS). */
  public readonly taskRoleArn: pulumi.Output<string>;
  public readonly loadBalancer: LoadBalancer;
  /** The JCasC document Jenkins applies at every start. */
  public readonly casc: pulumi.Output<string>;

  constructor(name: string, args: ControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:controller:Controller", name, {}, opts);
    const parent = { parent: this };
    const { settings, network } = args;
    const controller = settings.controller;

    const cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { settings: [{ name: "containerInsights", value: controller.containerInsights ? "enabled" : "disabled" }] },
      parent,
    );
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;

    // --- Network identity -------------------------------------------------------------
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: network.vpcId, description: "Jenkins controller task" },
      parent,
    );
    this.securityGroupId = securityGroup.id;
    // Plugin downloads, the update center, AWS APIs (ECS, Secrets Manager, Logs) and EFS.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-out-all`,
      { securityGroupId: securityGroup.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "AWS APIs, EFS, plugin downloads" },
      parent,
    );

    // --- Roles ------------------------------------------------------------------------
    const { executionRole, taskRole } = createTaskRoles(
      name,
      {
        region: settings.region,
        executionDescription: "ECS agent for the Jenkins controller: pull its image, write its logs, read its admin secret",
        taskDescription: "The Jenkins controller: JENKINS_HOME on EFS and running build agents",
      },
      this,
    );
    this.taskRoleArn = taskRole.arn;

    // --- JENKINS_HOME -----------------------------------------------------------------
    const home = new JenkinsHome(
      `${name}-home`,
      {
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        subnetCount: network.privateSubnetCount,
        clientSecurityGroupId: securityGroup.id,
        clientRoleArn: taskRole.arn,
        throughputMode: controller.fileSystemThroughputMode,
        rootPath: controller.jenkinsHomePath,
        protect: settings.deletionProtection,
      },
      parent,
    );
    this.fileSystemId = home.fileSystemId;
    const runAgents = new aws.iam.RolePolicyAttachment(`${name}-task-agents`, { role: taskRole.name, policyArn: args.agents.runAgentsPolicyArn }, parent);
    const mountHome = new aws.iam.RolePolicy(
      `${name}-task-efs`,
      {
        role: taskRole.id,
        policy: pulumi
          .all([home.fileSystemArn, home.accessPointArn])
          .apply(([fileSystemArn, accessPointArn]) => JSON.stringify(controllerTaskPolicy({ fileSystemArn, accessPointArn }))),
      },
      parent,
    );

    // --- Load balancer ----------------------------------------------------------------
    this.loadBalancer = new LoadBalancer(
      `${name}-lb`,
      {
        vpcId: network.vpcId,
        subnetIds: settings.loadBalancer.internal ? network.privateSubnetIds : network.publicSubnetIds,
        internal: settings.loadBalancer.internal,
        allowedCidrs: settings.loadBalancer.allowedCidrs,
        certificateArn: settings.certificateArn,
        domain: settings.domainName && settings.hostedZoneId ? { name: settings.domainName, hostedZoneId: settings.hostedZoneId } : undefined,
        targetPort: JENKINS_HTTP_PORT,
        healthCheckPath: "/login",
        deletionProtection: settings.deletionProtection,
      },
      parent,
    );
    this.url = this.loadBalancer.url;
    this.loadBalancerDnsName = this.loadBalancer.dnsName;
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-in-http-lb`,
      {
        securityGroupId: securityGroup.id,
        ipProtocol: "tcp",
        fromPort: JENKINS_HTTP_PORT,
        toPort: JENKINS_HTTP_PORT,
        referencedSecurityGroupId: this.loadBalancer.securityGroupId,
        description: "Jenkins UI from the load balancer",
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-lb-out-http`,
      {
        securityGroupId: this.loadBalancer.securityGroupId,
        ipProtocol: "tcp",
        fromPort: JENKINS_HTTP_PORT,
        toPort: JENKINS_HTTP_PORT,
        referencedSecurityGroupId: securityGroup.id,
        description: "To the Jenkins controller",
      },
      parent,
    );

    // Agents connect to the controller privately: the HTTP handshake, then the JNLP channel.
    const fromAgents: [string, number, string][] = [
      ["in-http-agents", JENKINS_HTTP_PORT, "Build agents: HTTP handshake (tcpSlaveAgentListener)"],
      ["in-jnlp-agents", settings.jnlpPort, "Build agents: inbound (JNLP) channel"],
    ];
    for (const [rule, port, description] of fromAgents) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-${rule}`,
        { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: args.agents.securityGroupId, description },
        parent,
      );
    }

    // --- Admin credentials ------------------------------------------------------------
    const password = new random.RandomPassword(
      `${name}-admin-password`,
      // No "$": JCasC would try to resolve "${...}" inside the value.
      { length: ADMIN_PASSWORD_LENGTH, special: true, overrideSpecial: "!#%*+-=?@^_~" },
      parent,
    );
    const adminSecret = new aws.secretsmanager.Secret(
      `${name}-admin`,
      { description: `Password of the Jenkins admin user "${controller.adminUser}" (stack ${settings.stack})`, recoveryWindowInDays: 7 },
      parent,
    );
    new aws.secretsmanager.SecretVersion(`${name}-admin`, { secretId: adminSecret.id, secretString: password.result }, parent);
    this.adminSecretArn = adminSecret.arn;

    // --- Image ------------------------------------------------------------------------
    const { image, repositoryArns } = this.controllerImage(name, controller.image);

    // --- Logs and execution role policy -----------------------------------------------
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: settings.logRetentionDays }, parent);
    this.logGroupName = logGroup.name;
    const executionPermissions = new aws.iam.RolePolicy(
      `${name}-exec`,
      {
        role: executionRole.id,
        policy: pulumi
          .all([logGroup.arn, adminSecret.arn, repositoryArns])
          .apply(([logGroupArn, secretArn, repos]) =>
            JSON.stringify(executionPolicy({ logGroupArn, secretArns: [secretArn], repositoryArns: repos.filter((r): r is string => !!r) })),
          ),
      },
      parent,
    );

    // --- Configuration as code --------------------------------------------------------
    this.casc = pulumi.all([this.url, args.agents.cloud]).apply(([publicUrl, cloud]) =>
      renderCasc({
        project: settings.project,
        stack: settings.stack,
        publicUrl,
        jnlpPort: settings.jnlpPort,
        adminUser: controller.adminUser,
        adminEmail: controller.adminEmail,
        cloud,
      }),
    );

    // --- Task definition and service --------------------------------------------------
    const volumeName = "jenkins-home";
    const containerDefinitions = pulumi
      .all([image, logGroup.name, adminSecret.arn, this.casc])
      .apply(([imageUri, logGroupName, secretArn, casc]) =>
        JSON.stringify([
          {
            name: CONTROLLER_CONTAINER,
            image: imageUri,
            essential: true,
            // Write the document, then start Jenkins as the image would.
            entryPoint: ["/bin/sh", "-c"],
            command: [`set -e; printf '%s' "$${CASC_ENV}" | base64 -d > "$CASC_JENKINS_CONFIG"; ${JENKINS_ENTRYPOINT}`],
            portMappings: [
              { name: "http", containerPort: JENKINS_HTTP_PORT, protocol: "tcp" },
              { name: "jnlp", containerPort: settings.jnlpPort, protocol: "tcp" },
            ],
            environment: [
              { name: "JAVA_OPTS", value: controllerJavaOpts() },
              { name: "CASC_JENKINS_CONFIG", value: CASC_PATH },
              { name: CASC_ENV, value: Buffer.from(casc, "utf8").toString("base64") },
            ],
            secrets: [{ name: ADMIN_PASSWORD_ENV, valueFrom: secretArn }],
            mountPoints: [{ sourceVolume: volumeName, containerPath: JENKINS_HOME_PATH, readOnly: false }],
            stopTimeout: STOP_TIMEOUT_SECONDS,
            logConfiguration: {
              logDriver: "awslogs",
              options: { "awslogs-group": logGroupName, "awslogs-region": settings.region, "awslogs-stream-prefix": "jenkins" },
            },
          },
        ]),
      );
    const taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: controllerFamily(settings.project, settings.stack),
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(controller.cpu),
        memory: String(controller.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        containerDefinitions,
        volumes: [
          {
            name: volumeName,
            efsVolumeConfiguration: {
              fileSystemId: home.fileSystemId,
              transitEncryption: "ENABLED",
              authorizationConfig: { accessPointId: home.accessPointId, iam: "ENABLED" },
            },
          },
        ],
      },
      parent,
    );

    const service = new aws.ecs.Service(
      `${name}-service`,
      {
        cluster: cluster.arn,
        taskDefinition: taskDefinition.arn,
        desiredCount: 1,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        // Stop the old task before starting the new one: two controllers must never share
        // one JENKINS_HOME.
        deploymentMinimumHealthyPercent: 0,
        deploymentMaximumPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        healthCheckGracePeriodSeconds: controller.healthCheckGracePeriodSeconds,
        networkConfiguration: { subnets: network.privateSubnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
        loadBalancers: [{ targetGroupArn: this.loadBalancer.targetGroupArn, containerName: CONTROLLER_CONTAINER, containerPort: JENKINS_HTTP_PORT }],
        // The A record gives agents the task's IP, the SRV record the JNLP port.
        serviceRegistries: { registryArn: args.discovery.serviceArn, containerName: CONTROLLER_CONTAINER, containerPort: settings.jnlpPort },
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
      },
      // The first task must find its target group attached, its file system mountable (mount
      // targets, file-system policy) and its roles' permissions in place.
      { ...parent, dependsOn: [this.loadBalancer.httpsListener, home, mountHome, runAgents, executionPermissions] },
    );
    this.serviceName = service.name;

    this.registerOutputs({
      url: this.url,
      loadBalancerDnsName: this.loadBalancerDnsName,
      adminSecretArn: this.adminSecretArn,
      clusterName: this.clusterName,
      fileSystemId: this.fileSystemId,
      casc: this.casc,
    });
  }

  /** The configured prebuilt image, or one built from `controller-image/` into a stack-owned repository. */
  private controllerImage(name: string, prebuilt: string | undefined): { image: pulumi.Output<string>; repositoryArns: pulumi.Output<(string | undefined)[]> } {
    if (prebuilt) {
      return { image: pulumi.output(prebuilt), repositoryArns: pulumi.output([ecrRepositoryArn(prebuilt)]) };
    }
    const parent = { parent: this };
    const repository = new aws.ecr.Repository(
      `${name}-image`,
      {
        imageScanningConfiguration: { scanOnPush: true },
        // awsx pushes every build under one tag per stack, so the tag must be mutable; tasks
        // run the image by digest, so what runs never changes under them.
        imageTagMutability: "MUTABLE",
        // Images are rebuilt from controller-image/; nothing in the repository is irreplaceable.
        forceDelete: true,
      },
      parent,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-image`,
      {
        repository: repository.name,
        policy: JSON.stringify({
          rules: [{ rulePriority: 1, description: "Keep the last 10 images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 }, action: { type: "expire" } }],
        }),
      },
      parent,
    );
    const built = new awsx.ecr.Image(
      `${name}-image`,
      { repositoryUrl: repository.repositoryUrl, context: CONTROLLER_IMAGE_CONTEXT, platform: "linux/amd64" },
      parent,
    );
    return { image: built.imageUri, repositoryArns: pulumi.all([repository.arn]) };
  }
}
