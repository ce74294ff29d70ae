import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { cacheClientPolicy, cacheFileSystemPolicy } from "../lib/aws/policies";
import { JENKINS_GID, JENKINS_UID } from "./storage";

const NFS_PORT = 2049;

/** One template that asked for a cache. */
export interface CacheTemplate {
  readonly label: string;
  /** The template's task role: the only one that may mount its access point. */
  readonly taskRole: aws.iam.Role;
}

/** Arguments for {@link AgentCaches}. */
export interface AgentCachesArgs {
  readonly vpcId: pulumi.Input<string>;
  /** The agents' private subnets: one mount target each. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** How many subnets `subnetIds` holds, known from config before the ids are. */
  readonly subnetCount: number;
  /** The agents' security group: the only one that reaches NFS. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** The templates with a cache, each with its task role. */
  readonly templates: readonly CacheTemplate[];
}

/**
 * Dependency caches of the agent templates: one EFS file system for the stack's agents, never
 * JENKINS_HOME's, with elastic throughput (bursting throttles a cache restore badly), encrypted
 * at rest and, by its policy, in transit. Each template has its own access point (its own
 * directory, as the agent user) that only its task role may mount; the controller mounts none.
 * Caches are not backed up: they are rebuilt by the next build.
 */
export class AgentCaches extends pulumi.ComponentResource {
  public readonly fileSystemId: pulumi.Output<string>;
  /** Each template's access point id, by label. */
  public readonly accessPointIds: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: AgentCachesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:agentCaches:AgentCaches", name, {}, opts);
    const parent = { parent: this };
    const fileSystem = new aws.efs.FileSystem(`${name}-fs`, { encrypted: true, performanceMode: "generalPurpose", throughputMode: "elastic" }, parent);
    this.fileSystemId = fileSystem.id;

    const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: args.vpcId, description: "Agent caches (EFS): NFS from the build agents only" }, parent);
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-in-nfs`,
      { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: NFS_PORT, toPort: NFS_PORT, referencedSecurityGroupId: args.clientSecurityGroupId, description: "NFS from the build agents" },
      parent,
    );
    const subnetIds = pulumi.output(args.subnetIds);
    const mountTargets: pulumi.Resource[] = [];
    for (let az = 0; az < args.subnetCount; az++) {
      mountTargets.push(new aws.efs.MountTarget(`${name}-mount-${az}`, { fileSystemId: fileSystem.id, subnetId: subnetIds.apply((ids) => ids[az]), securityGroups: [securityGroup.id] }, parent));
    }

    const clients = args.templates.map((t) => {
      const accessPoint = new aws.efs.AccessPoint(
        `${name}-${t.label}`,
        {
          fileSystemId: fileSystem.id,
          // The inbound agent runs as jenkins (uid and gid 1000), like the controller image.
          posixUser: { uid: JENKINS_UID, gid: JENKINS_GID },
          rootDirectory: { path: `/${t.label}`, creationInfo: { ownerUid: JENKINS_UID, ownerGid: JENKINS_GID, permissions: "755" } },
        },
        parent,
      );
      this.accessPointIds[t.label] = accessPoint.id;
      new aws.iam.RolePolicy(
        `${name}-${t.label}-mount`,
        { role: t.taskRole.id, policy: pulumi.all([fileSystem.arn, accessPoint.arn]).apply(([fileSystemArn, accessPointArn]) => JSON.stringify(cacheClientPolicy({ fileSystemArn, accessPointArn }))) },
        parent,
      );
      return pulumi.all([accessPoint.arn, t.taskRole.arn]).apply(([accessPointArn, taskRoleArn]) => ({ accessPointArn, taskRoleArn }));
    });
    new aws.efs.FileSystemPolicy(
      `${name}-policy`,
      { fileSystemId: fileSystem.id, policy: pulumi.all([fileSystem.arn, pulumi.all(clients)]).apply(([fileSystemArn, c]) => JSON.stringify(cacheFileSystemPolicy({ fileSystemArn, clients: c }))) },
      { ...parent, dependsOn: mountTargets },
    );
    this.registerOutputs({ fileSystemId: this.fileSystemId });
  }
}
