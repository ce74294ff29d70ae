import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { TARGET_HEALTH_CHECK } from "../lib/aws/controllerWaits";
import { ACCESS_LOG_PREFIX, accessLogBucketPolicy } from "../lib/aws/accessLogs";

/**
 * TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only, AWS's
 * recommended policy (the ALB default, ELBSecurityPolicy-2016-08, still accepts TLS 1.0).
 */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Path patterns in one listener rule's condition: ALB takes at most three values per condition. */
const PATHS_PER_RULE = 3;

/** Arguments for {@link LoadBalancer}. */
export interface LoadBalancerArgs {
  readonly vpcId: pulumi.Input<string>;
  /** Public subnets, or private ones for an internal load balancer. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** Internal (reachable only inside the VPC and what is peered to it) instead of internet-facing. */
  readonly internal: boolean;
  /** IPv4 ranges that may connect on 80 and 443 (the load balancer is IPv4-only). */
  readonly allowedCidrs: readonly string[];
  /**
   * ACM certificate for HTTPS, always used when given. When undefined, `domain` must name a
   * hosted zone, and a DNS-validated certificate is issued for `domain.name`.
   */
  readonly certificateArn?: string;
  /**
   * The name users type. With a hosted zone, an alias record points it at the load balancer;
   * without one, the name's DNS is managed elsewhere. Either way it is the URL.
   * @default the load balancer's own DNS name
   */
  readonly domain?: { readonly name: string; readonly hostedZoneId?: string };
  /**
   * Path patterns the HTTPS listener answers with 403 before it forwards anything (ALB path
   * patterns: `*` matches any characters, `/` included). For endpoints only agents need, which
   * reach the controller by its private name instead.
   */
  readonly refusedPaths: readonly string[];
  /** Port the targets (the controller) listen on. */
  readonly targetPort: number;
  /** How the load balancer checks the target: a path that answers 200, and its timing. */
  readonly healthCheck: typeof TARGET_HEALTH_CHECK;
  /** AWS deletion protection on the load balancer. */
  readonly deletionProtection: boolean;
  /** Access logs, always on, to an S3 bucket of the stack. */
  readonly accessLogs: {
    /** The stack's region: it decides who delivers the logs. */
    readonly region: string;
    /** Days a log object is kept before S3 expires it. */
    readonly retentionDays: number;
    /** Keep the bucket and its logs when the stack is destroyed (prod); else they go with it. */
    readonly keepOnDestroy: boolean;
  };
}

/**
 * The HTTPS entry point: an application load balancer with a TLS 1.3 listener on 443, a
 * permanent redirect on 80, and a security group that admits only the allowed CIDRs.
 * Its security group's only egress is to the targets' port; the target's group admits it.
 * Paths only agents need are refused (403) before anything is forwarded.
 * Every request is logged to a private, encrypted, TLS-only S3 bucket of the stack.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  /** The load balancer's security group; targets admit traffic from it. */
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly targetGroupArn: pulumi.Output<string>;
  /** For CloudWatch dimensions. */
  public readonly targetGroupArnSuffix: pulumi.Output<string>;
  public readonly loadBalancerArnSuffix: pulumi.Output<string>;
  /** The name to point a CNAME at. */
  public readonly dnsName: pulumi.Output<string>;
  /** `https://<domain or DNS name>/`. */
  public readonly url: pulumi.Output<string>;
  /** The HTTPS listener; a service must not register targets before it exists. */
  public readonly httpsListener: aws.lb.Listener;
  /** The bucket holding the access logs, under `load-balancer/AWSLogs/`. */
  public readonly accessLogBucket: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:loadBalancer:LoadBalancer", name, {}, opts);
    const parent = { parent: this };

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: "Jenkins load balancer: HTTPS and HTTP redirect from allowed CIDRs" },
      parent,
    );
    this.securityGroupId = securityGroup.id;
    for (const port of [80, 443]) {
      args.allowedCidrs.forEach((cidr, i) => {
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-in-${port}-v4-${i}`,
          { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr, description: `Clients (${cidr})` },
          parent,
        );
      });
    }

    const logs = this.createAccessLogBucket(name, args.accessLogs);
    this.accessLogBucket = logs.bucket.bucket;
    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: args.internal,
        subnets: args.subnetIds,
        securityGroups: [securityGroup.id],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: args.deletionProtection,
        accessLogs: { enabled: true, bucket: logs.bucket.bucket, prefix: ACCESS_LOG_PREFIX },
      },
      // ELB writes a test object when logging is turned on and refuses if it may not.
      { parent: this, dependsOn: [logs.policy] },
    );
    this.dnsName = alb.dnsName;
    this.loadBalancerArnSuffix = alb.arnSuffix;

    const targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        vpcId: args.vpcId,
        port: args.targetPort,
        protocol: "HTTP",
        targetType: "ip",
        // Jenkins stops fast and holds no sessions worth draining for long.
        deregistrationDelay: 10,
        healthCheck: {
          path: args.healthCheck.path,
          matcher: "200",
          interval: args.healthCheck.intervalSeconds,
          timeout: args.healthCheck.timeoutSeconds,
          healthyThreshold: args.healthCheck.healthyThreshold,
          unhealthyThreshold: args.healthCheck.unhealthyThreshold,
        },
      },
      parent,
    );
    this.targetGroupArn = targetGroup.arn;
    this.targetGroupArnSuffix = targetGroup.arnSuffix;

    const zoneId = args.domain?.hostedZoneId;
    const certificateArn =
      args.certificateArn !== undefined ? pulumi.output(args.certificateArn) : this.issueCertificate(name, args.domain!.name, zoneId!);

    this.httpsListener = new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: alb.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn,
        // Browsers remember to use HTTPS for a year, so no request ever goes out in clear again.
        routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000",
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      },
      parent,
    );

    // ALB: at most three values per condition, five per rule ("Condition types for listener
    // rules", Condition basics), so the paths go three to a rule, ahead of the default forward.
    for (let i = 0; i * PATHS_PER_RULE < args.refusedPaths.length; i++) {
      new aws.lb.ListenerRule(
        `${name}-refuse-${i + 1}`,
        {
          listenerArn: this.httpsListener.arn,
          priority: i + 1,
          conditions: [{ pathPattern: { values: args.refusedPaths.slice(i * PATHS_PER_RULE, (i + 1) * PATHS_PER_RULE) } }],
          actions: [{ type: "fixed-response", fixedResponse: { statusCode: "403", contentType: "text/plain", messageBody: "Not here: Jenkins agents connect through the private address.\n" } }],
        },
        parent,
      );
    }

    new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: alb.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      },
      parent,
    );

    if (args.domain && zoneId) {
      new aws.route53.Record(
        `${name}-alias`,
        { zoneId, name: args.domain.name, type: "A", aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }] },
        parent,
      );
    }
    this.url = args.domain ? pulumi.output(`https://${args.domain.name}/`) : pulumi.interpolate`https://${alb.dnsName}/`;

    this.registerOutputs({
      securityGroupId: this.securityGroupId,
      targetGroupArn: this.targetGroupArn,
      dnsName: this.dnsName,
      accessLogBucket: this.accessLogBucket,
      url: this.url,
    });
  }

  /** A certificate for `domainName`, validated through a record in the hosted zone. */
  /**
   * The access-log bucket: private (public access blocked, objects owned by the bucket owner),
   * SSE-S3 (the only encryption ELB can write to), TLS only, objects expiring after the
   * retention. Kept on destroy when asked; otherwise destroyed with its logs.
   */
  private createAccessLogBucket(name: string, logs: LoadBalancerArgs["accessLogs"]): { bucket: aws.s3.Bucket; policy: aws.s3.BucketPolicy } {
    const parent = { parent: this };
    const bucket = new aws.s3.Bucket(`${name}-logs`, { forceDestroy: !logs.keepOnDestroy }, { parent: this, retainOnDelete: logs.keepOnDestroy });
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-logs`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
    new aws.s3.BucketOwnershipControls(`${name}-logs`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-logs`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-logs`,
      {
        bucket: bucket.id,
        rules: [{ id: "expire-access-logs", status: "Enabled", filter: { prefix: `${ACCESS_LOG_PREFIX}/` }, expiration: { days: logs.retentionDays } }],
      },
      parent,
    );
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const policy = new aws.s3.BucketPolicy(
      `${name}-logs`,
      {
        bucket: bucket.id,
        policy: pulumi.all([bucket.arn, account]).apply(([bucketArn, accountId]) => JSON.stringify(accessLogBucketPolicy({ bucketArn, region: logs.region, accountId }))),
      },
      // Concurrent configuration calls on one bucket can fail with OperationAborted ("a
      // conflicting conditional operation"); the policy waits for the public access block.
      { parent: this, dependsOn: [publicAccess] },
    );
    return { bucket, policy };
  }

  private issueCertificate(name: string, domainName: string, hostedZoneId: string): pulumi.Output<string> {
    const parent = { parent: this };
    const certificate = new aws.acm.Certificate(`${name}-cert`, { domainName, validationMethod: "DNS" }, parent);
    const option = certificate.domainValidationOptions[0];
    const validationRecord = new aws.route53.Record(
      `${name}-cert-validation`,
      {
        zoneId: hostedZoneId,
        name: option.resourceRecordName,
        type: option.resourceRecordType,
        records: [option.resourceRecordValue],
        ttl: 60,
        // ACM reuses the validation record for every certificate of the same name.
        allowOverwrite: true,
      },
      parent,
    );
    const validation = new aws.acm.CertificateValidation(
      `${name}-cert`,
      { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
      parent,
    );
    return validation.certificateArn;
  }
}
