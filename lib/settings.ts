/**
 * The validated stack settings: the one typed object that config validation (lib/config/)
 * produces and every other room reads. Types only, so any module may depend on it without
 * depending on how config is read.
 */
import type { PartitionName } from "./aws/partition";

export type Architecture = "X86_64" | "ARM64";

export type NatGateways = "single" | "onePerAz";

export type ThroughputMode = "elastic" | "bursting";

/** One kind of build agent: a Jenkins label backed by a Fargate task size. */
export interface AgentTemplate {
  /** Jenkins label jobs ask for (`agent { label '...' }`). */
  readonly label: string;
  /** Fargate CPU units (1024 = 1 vCPU). */
  readonly cpu: number;
  /** Fargate memory in MiB, valid for `cpu`. */
  readonly memory: number;
  /** A prebuilt, pinned image from any registry; when set, nothing is built for the template. */
  readonly image?: string;
  /**
   * The folder of `agent-images/` built into the stack's ECR for this template (undefined
   * exactly when `image` is set); `inbound-agent`, the mirror of the pinned inbound agent, by default.
   */
  readonly build?: string;
  /** Run on Fargate Spot: up to 70 % cheaper, but AWS may stop the build with 2 minutes' notice. */
  readonly spot: boolean;
  readonly architecture: Architecture;
  /** Ephemeral storage in GiB; undefined means Fargate's default 20 GiB. */
  readonly ephemeralStorageGiB?: number;
  /** Most tasks of this template running at once (the plugin's per-label `maxAgents`). */
  readonly maxAgents: number;
  /**
   * Keep an idle agent `agentIdleMinutes` for the next build of this label (warm, but it keeps
   * the previous build's workspace and processes); false means one build per task.
   */
  readonly reuse: boolean;
  /** What the template's builds may do in AWS (its own task role); none when nothing is named. */
  readonly permissions: TemplatePermissions;
  /** Environment variables of the agent container, besides those the agent needs. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * ECS secrets of the agent container: variable name to a Secrets Manager ARN, or an ARN with
   * a JSON key (`<arn>:<key>::`). Only this template's execution role may read them.
   */
  readonly secrets: Readonly<Record<string, string>>;
  /**
   * A directory of the agent (under its home) that survives between this template's builds: the
   * template's own access point on the stack's cache file system; undefined: none.
   */
  readonly cache?: { readonly path: string };
  /**
   * A second container in the template's tasks runs the Kaniko executor, so builds can build
   * and push container images (`"$KANIKO_BUILD" ...`); see lib/jenkins/kaniko.ts.
   */
  readonly kaniko: boolean;
}

/** A template's own AWS permissions: its task role holds exactly these. */
export interface TemplatePermissions {
  /** Managed policies attached to the template's task role. */
  readonly policyArns: readonly string[];
  /** ECR repositories of the stack's account and region the builds may push to (and pull from). */
  readonly ecrPush: readonly string[];
}

export type NetworkSettings =
  | {
      readonly mode: "create";
      readonly cidr: string;
      readonly availabilityZones: number;
      readonly natGateways: NatGateways;
    }
  | {
      readonly mode: "adopt";
      readonly vpcId: string;
      readonly publicSubnetIds: string[];
      readonly privateSubnetIds: string[];
    };

/** The controller section: its task, image, admin user and JENKINS_HOME. */
export interface ControllerSettings {
  /** Fargate CPU units of the controller task (1024 = 1 vCPU). */
  readonly cpu: number;
  /** Fargate memory of the controller task in MiB, valid for `cpu`. */
  readonly memory: number;
  /** Prebuilt controller image; undefined means build `controller-image/` into ECR. */
  readonly image?: string;
  /** The Jenkins admin user's id; its password is generated into Secrets Manager. */
  readonly adminUser: string;
  /** Sender address of Jenkins' e-mails (JCasC location adminAddress). */
  readonly adminEmail?: string;
  /** Seconds ECS ignores the load balancer's health checks of a new controller task while Jenkins starts. */
  readonly healthCheckGracePeriodSeconds: number;
  /** Throughput mode of a JENKINS_HOME file system this stack creates. */
  readonly fileSystemThroughputMode: ThroughputMode;
  /** Directory of the file system the access point exposes as JENKINS_HOME. */
  readonly jenkinsHomePath: string;
  /** A retained JENKINS_HOME file system to adopt (after `pulumi destroy`); undefined: create one. */
  readonly existingFileSystemId?: string;
  /** ECS Exec into the controller, sessions logged. */
  readonly ecsExec: boolean;
}

/** The load balancer section: who may reach Jenkins, and its access logs. */
export interface LoadBalancerSettings {
  /** Internal ALB in the private subnets instead of an internet-facing one. */
  readonly internal: boolean;
  /** IPv4 ranges that may reach the load balancer on 80/443 (it is IPv4-only). */
  readonly allowedCidrs: readonly string[];
  /** Keep the access-log bucket, logs and all, when the stack is destroyed. */
  readonly keepAccessLogs: boolean;
}

/** The agents section: the templates and what every template shares. */
export interface AgentsSettings {
  /** Every agent template, in the order of the stack file. */
  readonly templates: readonly AgentTemplate[];
  /** Minutes an idle agent of a `reuse` template waits for the next build before its task is stopped. */
  readonly idleMinutes: number;
}

/** Single sign-on through an OpenID Connect provider, and authorization by its groups. */
export interface SsoSettings {
  /** The provider's issuer URL; Jenkins reads `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** The client id Jenkins is registered with at the provider. */
  readonly clientId: string;
  /** Full ARN of the Secrets Manager secret holding the client secret (the controller gets it as an ECS secret). */
  readonly clientSecretArn: string;
  /** Groups whose members administer Jenkins (Overall/Administer). */
  readonly adminGroups: readonly string[];
  /** Groups whose members may read, build and cancel. */
  readonly userGroups: readonly string[];
  /** The claim that lists a user's groups ("groups" by default). */
  readonly groupsClaim: string;
}

/** Everything the program needs from stack config, validated. */
export interface Settings {
  readonly project: string;
  readonly stack: string;
  readonly region: string;
  /** The region's partition; every ARN the program builds starts with `arn:<partition>:`. */
  readonly partition: PartitionName;
  /** ACM certificate for the HTTPS listener; undefined when one is issued for `domainName`. */
  readonly certificateArn?: string;
  /** The name users type; Jenkins' URL is `https://<domainName>/` when it is set. */
  readonly domainName?: string;
  /** Route 53 zone of `domainName`: the alias record (and, without a certificate, its validation) goes here. */
  readonly hostedZoneId?: string;
  /** The one port agents use for the inbound (JNLP) TCP connection. */
  readonly jnlpPort: number;
  /**
   * The managed policy (ARN, or `<path>/<name>` in the stack's account) every IAM role of the
   * stack is bounded by; undefined: no boundary (a stack deployed with administrator rights).
   */
  readonly permissionsBoundary?: string;
  readonly network: NetworkSettings;
  readonly controller: ControllerSettings;
  readonly loadBalancer: LoadBalancerSettings;
  /**
   * CloudWatch Container Insights on both clusters: the controller's service metrics, and
   * per-template (task-definition family) CPU and memory of the agents, which sizing reads.
   */
  readonly containerInsights: boolean;
  /** Days CloudWatch keeps controller and agent logs. */
  readonly logRetentionDays: number;
  /**
   * Refuse to delete what holds data or serves users: the file system (Pulumi `protect`) and
   * the load balancer (AWS deletion protection). JENKINS_HOME is retained on destroy regardless.
   */
  readonly deletionProtection: boolean;
  readonly agents: AgentsSettings;
  /** Cloud Map private DNS namespace; agents reach the controller at `jenkins.<namespace>`. */
  readonly discoveryNamespace: string;
  /** Interface endpoints (ECR, Logs, Secrets Manager, ECS) in the private subnets. */
  readonly vpcEndpoints: boolean;
  /** Address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Login through an OpenID Connect provider; undefined: the local admin alone. */
  readonly sso?: SsoSettings;
}
