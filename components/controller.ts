import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import type { ControllerSettings, LoadBalancerSettings, SsoSettings } from "../lib/settings";
import type { PartitionName } from "../lib/aws/partition";
import { executionPolicy } from "../lib/aws/policies";
import { CascFile, TeamFile, cascFilesFor } from "../lib/jenkins/teamCasc";
import { TARGET_HEALTH_CHECK } from "../lib/aws/controllerWaits";
import { CONTROLLER_CONTAINER, JENKINS_HTTP_PORT, controllerContainerDefinitions, controllerVolumes } from "../lib/aws/controllerTask";
import { AGENT_ENDPOINT_PATHS, AgentCloudSettings } from "../lib/jenkins/cloud";
import { JenkinsHome } from "./storage";
import { StackIam, createTaskRoles, grantControllerTask } from "./taskRoles";
import { adminSecretPrefix, controllerFamily, credentialsPrefix } from "../lib/aws/naming";
import { LoadBalancer } from "./loadBalancer";
import { createExecLogging } from "./execLogging";
import { controllerImage } from "./controllerImage";

const ADMIN_PASSWORD_LENGTH = 30;

/** The network the controller lives in (a {@link Network} satisfies it). */
export interface ControllerNetwork {
  /** The VPC of the controller's, the file system's and the load balancer's security groups. */
  readonly vpcId: pulumi.Input<string>;
  /** Where an internet-facing load balancer lives. */
  readonly publicSubnetIds: pulumi.Input<string[]>;
  /** Where the controller task, the file system's mount targets and an internal load balancer live. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** How many private subnets there are (one mount target each), known before they are. */
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

/** How users reach Jenkins: the HTTPS listener's certificate and the name they type. */
export interface ControllerDns {
  /** ACM certificate for the HTTPS listener; undefined when one is issued for `domainName`. */
  readonly certificateArn?: string;
  /** The name users type; Jenkins' URL is `https://<domainName>/` when it is set. */
  readonly domainName?: string;
  /** Route 53 zone of `domainName`, for the alias record (and the certificate's validation). */
  readonly hostedZoneId?: string;
}

/** What Jenkins is told beyond the infrastructure. */
export interface ControllerJenkins {
  /** Login through an OpenID Connect provider and authorization by its groups; undefined: the local admin alone. */
  readonly sso?: SsoSettings;
  /** The team's JCasC files (lib/jenkins/teamCasc.ts readTeamFiles), applied after the generated document. */
  readonly teamFiles: readonly TeamFile[];
}

/** Arguments for {@link Controller}. */
export interface ControllerArgs {
  /** The project: with the stack, it names the task-definition family and the JCasC system message. */
  readonly project: string;
  /** The stack: it names the family, the system message and the admin secret's description. */
  readonly stack: string;
  /** The stack's region: logs, access logs and the container's log configuration. */
  readonly region: string;
  /** The region's partition, for the roles' trust and the policies' ARNs. */
  readonly partition: PartitionName;
  /** The stack's IAM path and its roles' boundary. */
  readonly iam: StackIam;
  /** The controller's inbound (JNLP) port for agents: container port, security group, SRV record. */
  readonly jnlpPort: number;
  /** The controller section: task size, image, admin user, JENKINS_HOME, grace period, ECS Exec. */
  readonly controller: ControllerSettings;
  /** Who may reach the load balancer, whether it is internal, and whether its access logs are kept. */
  readonly loadBalancer: LoadBalancerSettings;
  /** Certificate and domain of the HTTPS listener. */
  readonly dns: ControllerDns;
  /** Container Insights on the controller's cluster. */
  readonly containerInsights: boolean;
  /** Days the controller's, ECS Exec's and the access logs are kept. */
  readonly logRetentionDays: number;
  /** AWS deletion protection on the load balancer and Pulumi `protect` on the file system. */
  readonly deletionProtection: boolean;
  /** The VPC and subnets the controller, its file system and its load balancer live in. */
  readonly network: ControllerNetwork;
  /** Cloud Map service the controller registers in, so agents find it privately. */
  readonly discovery: { readonly serviceArn: pulumi.Input<string> };
  /** What the build agents expose to the controller: their security group, run policy and clouds. */
  readonly agents: ControllerAgents;
  /** Login and the team's JCasC files. */
  readonly jenkins: ControllerJenkins;
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
  /** Where ECS Exec sessions into the controller are logged; undefined when ecsExec is off. */
  public readonly execLogGroupName?: pulumi.Output<string>;
  public readonly fileSystemId: pulumi.Output<string>;
  /** The controller task's security group. */
  public readonly securityGroupId: pulumi.Output<string>;
  /** The controller task's role (what Jenkins itself may do in AWS). */
  public readonly taskRoleArn: pulumi.Output<string>;
  public readonly loadBalancer: LoadBalancer;
  /** The generated JCasC document Jenkins applies at every start. */
  public readonly casc: pulumi.Output<string>;
  /** Every JCasC source in the order Jenkins applies them: the generated document, then the team's files. */
  public readonly cascFiles: pulumi.Output<CascFile[]>;

  constructor(name: string, args: ControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:controller:Controller", name, {}, opts);
    const parent = { parent: this };
    const { controller, network } = args;

    // ECS Exec sessions into the controller are logged here (their commands and output),
    // encrypted with a key of the stack, which also encrypts the sessions' data channel.
    const exec = controller.ecsExec ? createExecLogging(name, args, this) : undefined;
    this.execLogGroupName = exec?.logGroup.name;
    const cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      {
        settings: [{ name: "containerInsights", value: args.containerInsights ? "enabled" : "disabled" }],
        configuration: exec ? { executeCommandConfiguration: exec.clusterConfiguration } : undefined,
      },
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
        region: args.region,
        partition: args.partition,
        iam: args.iam,
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
        protect: args.deletionProtection,
        existingFileSystemId: controller.existingFileSystemId,
        viewAccessPoint: controller.ecsExec,
      },
      parent,
    );
    this.fileSystemId = home.fileSystemId;
    const taskPermissions = grantControllerTask(
      name,
      {
        taskRole,
        partition: args.partition,
        region: args.region,
        credentialsPrefix: credentialsPrefix(args.project, args.stack),
        runAgentsPolicyArn: args.agents.runAgentsPolicyArn,
        home,
        exec: exec ? { logGroupArn: exec.logGroup.arn, keyArn: exec.key.arn } : undefined,
      },
      this,
    );

    // --- Load balancer ----------------------------------------------------------------
    this.loadBalancer = new LoadBalancer(
      `${name}-lb`,
      {
        vpcId: network.vpcId,
        subnetIds: args.loadBalancer.internal ? network.privateSubnetIds : network.publicSubnetIds,
        internal: args.loadBalancer.internal,
        allowedCidrs: args.loadBalancer.allowedCidrs,
        certificateArn: args.dns.certificateArn,
        domain: args.dns.domainName ? { name: args.dns.domainName, hostedZoneId: args.dns.hostedZoneId } : undefined,
        refusedPaths: AGENT_ENDPOINT_PATHS,
        targetPort: JENKINS_HTTP_PORT,
        healthCheck: TARGET_HEALTH_CHECK,
        deletionProtection: args.deletionProtection,
        accessLogs: { region: args.region, retentionDays: args.logRetentionDays, keepOnDestroy: args.loadBalancer.keepAccessLogs },
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
      ["in-jnlp-agents", args.jnlpPort, "Build agents: inbound (JNLP) channel"],
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
      // Under the stack's own prefix, the only secrets its deploy role may manage.
      { namePrefix: adminSecretPrefix(args.stack), description: `Password of the Jenkins admin user "${controller.adminUser}" (stack ${args.stack})`, recoveryWindowInDays: 7 },
      parent,
    );
    new aws.secretsmanager.SecretVersion(`${name}-admin`, { secretId: adminSecret.id, secretString: password.result }, parent);
    this.adminSecretArn = adminSecret.arn;

    // --- Image ------------------------------------------------------------------------
    const { image, repositoryArns } = controllerImage(name, controller.image, this);

    // --- Logs and execution role policy -----------------------------------------------
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, parent);
    this.logGroupName = logGroup.name;
    const executionPermissions = new aws.iam.RolePolicy(
      `${name}-exec`,
      {
        role: executionRole.id,
        policy: pulumi
          .all([logGroup.arn, adminSecret.arn, repositoryArns])
          .apply(([logGroupArn, secretArn, repos]) =>
            JSON.stringify(
              executionPolicy({
                logGroupArn,
                secretArns: [secretArn, ...(args.jenkins.sso ? [args.jenkins.sso.clientSecretArn] : [])],
                repositoryArns: repos.filter((r): r is string => !!r),
              }),
            ),
          ),
      },
      parent,
    );

    // --- Configuration as code --------------------------------------------------------
    const { sso, teamFiles } = args.jenkins;
    this.cascFiles = pulumi.all([this.url, args.agents.cloud]).apply(([publicUrl, cloud]) =>
      cascFilesFor(
        {
          project: args.project,
          stack: args.stack,
          publicUrl,
          jnlpPort: args.jnlpPort,
          adminUser: controller.adminUser,
          adminEmail: controller.adminEmail,
          cloud,
          sso,
          credentialsPrefix: credentialsPrefix(args.project, args.stack),
        },
        teamFiles,
      ),
    );
    this.casc = this.cascFiles.apply((files) => files[0].yaml);

    // --- Task definition and service --------------------------------------------------
    const containerDefinitions = pulumi
      .all([image, logGroup.name, adminSecret.arn, this.cascFiles])
      .apply(([imageUri, logGroupName, adminSecretArn, cascFiles]) =>
        JSON.stringify(
          controllerContainerDefinitions({
            image: imageUri,
            logGroupName,
            region: args.region,
            adminSecretArn,
            cascFiles,
            oidcClientSecretArn: sso?.clientSecretArn,
            jnlpPort: args.jnlpPort,
            fileSystemView: controller.ecsExec,
          }),
        ),
      );
    const taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: controllerFamily(args.project, args.stack),
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(controller.cpu),
        memory: String(controller.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        containerDefinitions,
        volumes: pulumi
          .all([home.fileSystemId, home.accessPointId, home.viewAccessPointId])
          .apply(([fileSystemId, accessPointId, viewAccessPointId]) => controllerVolumes({ fileSystemId, accessPointId, viewAccessPointId })),
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
        // At most one task RUNNING or PENDING: ECS starts the new task once the old one is
        // stopping. That alone does not keep two controllers off one JENKINS_HOME, because a
        // stopping task (up to its stop timeout) is not counted; the start script's lock in
        // JENKINS_HOME does: the new Jenkins waits until the old one has exited.
        deploymentMinimumHealthyPercent: 0,
        deploymentMaximumPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        healthCheckGracePeriodSeconds: controller.healthCheckGracePeriodSeconds,
        networkConfiguration: { subnets: network.privateSubnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
        loadBalancers: [{ targetGroupArn: this.loadBalancer.targetGroupArn, containerName: CONTROLLER_CONTAINER, containerPort: JENKINS_HTTP_PORT }],
        // The A record gives agents the task's IP, the SRV record the JNLP port.
        serviceRegistries: { registryArn: args.discovery.serviceArn, containerName: CONTROLLER_CONTAINER, containerPort: args.jnlpPort },
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        // A shell in the running controller: `aws ecs execute-command` (runbook).
        enableExecuteCommand: controller.ecsExec,
      },
      // The first task must find its target group attached, its file system mountable (mount
      // targets, file-system policy) and its roles' permissions in place.
      { ...parent, dependsOn: [this.loadBalancer.httpsListener, home, ...taskPermissions, executionPermissions] },
    );
    this.serviceName = service.name;

    this.registerOutputs({
      url: this.url,
      loadBalancerDnsName: this.loadBalancerDnsName,
      adminSecretArn: this.adminSecretArn,
      clusterName: this.clusterName,
      fileSystemId: this.fileSystemId,
      casc: this.casc,
      cascFiles: this.cascFiles,
    });
  }
}
