import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ThroughputMode } from "../lib/settings";
import { fileSystemPolicy } from "../lib/aws/policies";

/** POSIX identity of the `jenkins` user in the official Jenkins image. */
export const JENKINS_UID = 1000;
export const JENKINS_GID = 1000;
/** NFS. */
const NFS_PORT = 2049;

/** Arguments for {@link JenkinsHome}. */
export interface JenkinsHomeArgs {
  readonly vpcId: pulumi.Input<string>;
  /** One mount target is created in each (the controller's private subnets). */
  readonly subnetIds: pulumi.Input<string[]>;
  /** How many subnets `subnetIds` holds; known from config before the ids are. */
  readonly subnetCount: number;
  /** The only security group allowed to reach NFS. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** The only role allowed to mount, and only through the access point. */
  readonly clientRoleArn: pulumi.Input<string>;
  readonly throughputMode: ThroughputMode;
  /** Directory the access point exposes; pointing it at a restored copy restores JENKINS_HOME. */
  readonly rootPath: string;
  /** Pulumi `protect`: `pulumi destroy` refuses to run until it is turned off. */
  readonly protect: boolean;
  /**
   * A file system to adopt instead of creating one: JENKINS_HOME of a destroyed stack, which
   * destroy retained. Its mount targets, access point and policy went with that stack, so they
   * are created for it here; it keeps its own throughput mode.
   * @default a new file system
   */
  readonly existingFileSystemId?: string;
  /**
   * Also an access point on the file system's root, which the controller's role may mount only
   * read-only: an operator's shell (ECS Exec) then sees AWS Backup's restored copies, which
   * land beside JENKINS_HOME, outside the JENKINS_HOME access point.
   * @default false
   */
  readonly viewAccessPoint?: boolean;
}

/**
 * JENKINS_HOME on EFS: encrypted at rest, TLS and IAM enforced by the file system's own policy,
 * backed up daily by AWS Backup, reachable only from the controller's security group, and
 * kept when the stack is destroyed.
 */
export class JenkinsHome extends pulumi.ComponentResource {
  public readonly fileSystemId: pulumi.Output<string>;
  public readonly fileSystemArn: pulumi.Output<string>;
  public readonly accessPointId: pulumi.Output<string>;
  public readonly accessPointArn: pulumi.Output<string>;
  /** The read-only root access point, when asked for. */
  public readonly viewAccessPointId?: pulumi.Output<string>;
  public readonly viewAccessPointArn?: pulumi.Output<string>;

  constructor(name: string, args: JenkinsHomeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:storage:JenkinsHome", name, {}, opts);
    const parent = { parent: this };

    const fileSystem = args.existingFileSystemId
      ? // Looked up, so a wrong id fails at preview, before anything else is created.
        aws.efs.getFileSystemOutput({ fileSystemId: args.existingFileSystemId }, parent)
      : new aws.efs.FileSystem(
          `${name}-fs`,
          {
            encrypted: true,
            performanceMode: "generalPurpose",
            throughputMode: args.throughputMode,
            // Old builds and logs are rarely read: Infrequent Access costs a fraction per GB, and
            // a file read once moves back.
            lifecyclePolicies: [{ transitionToIa: "AFTER_30_DAYS" }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }],
          },
          // The data outlives the stack: destroy leaves the file system (and its backups) in place.
          { ...parent, retainOnDelete: true, protect: args.protect },
        );
    this.fileSystemId = fileSystem.id;
    this.fileSystemArn = fileSystem.arn;

    new aws.efs.BackupPolicy(
      `${name}-backup`,
      { fileSystemId: fileSystem.id, backupPolicy: { status: "ENABLED" } },
      // Deleting the policy would switch backups off for the retained file system.
      { ...parent, retainOnDelete: true },
    );

    const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: args.vpcId, description: "JENKINS_HOME (EFS): NFS from the controller only" }, parent);
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-in-nfs`,
      {
        securityGroupId: securityGroup.id,
        ipProtocol: "tcp",
        fromPort: NFS_PORT,
        toPort: NFS_PORT,
        referencedSecurityGroupId: args.clientSecurityGroupId,
        description: "NFS from the Jenkins controller",
      },
      parent,
    );

    // One per AZ, so the controller can start in any of them. Subnet ids are known only once
    // the VPC exists, their count already from config.
    const subnetIds = pulumi.output(args.subnetIds);
    for (let az = 0; az < args.subnetCount; az++) {
      new aws.efs.MountTarget(
        `${name}-mount-${az}`,
        { fileSystemId: fileSystem.id, subnetId: subnetIds.apply((ids) => ids[az]), securityGroups: [securityGroup.id] },
        parent,
      );
    }

    const accessPoint = new aws.efs.AccessPoint(
      `${name}-ap`,
      {
        fileSystemId: fileSystem.id,
        posixUser: { uid: JENKINS_UID, gid: JENKINS_GID },
        rootDirectory: {
          path: args.rootPath,
          creationInfo: { ownerUid: JENKINS_UID, ownerGid: JENKINS_GID, permissions: "755" },
        },
      },
      parent,
    );
    this.accessPointId = accessPoint.id;
    this.accessPointArn = accessPoint.arn;
    if (args.viewAccessPoint) {
      // Same POSIX user as Jenkins: restored copies keep Jenkins' ownership, so it can read them.
      const view = new aws.efs.AccessPoint(`${name}-view`, { fileSystemId: fileSystem.id, posixUser: { uid: JENKINS_UID, gid: JENKINS_GID }, rootDirectory: { path: "/" } }, parent);
      this.viewAccessPointId = view.id;
      this.viewAccessPointArn = view.arn;
    }

    new aws.efs.FileSystemPolicy(
      `${name}-policy`,
      {
        fileSystemId: fileSystem.id,
        policy: pulumi
          .all([fileSystem.arn, accessPoint.arn, args.clientRoleArn, this.viewAccessPointArn])
          .apply(([fileSystemArn, accessPointArn, controllerTaskRoleArn, viewAccessPointArn]) =>
            JSON.stringify(fileSystemPolicy({ fileSystemArn, accessPointArn, controllerTaskRoleArn, viewAccessPointArn })),
          ),
      },
      parent,
    );

    this.registerOutputs({ fileSystemId: this.fileSystemId, accessPointId: this.accessPointId });
  }
}
