import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { CONTROLLER_SERVICE_NAME, controllerHost } from "../lib/aws/naming";

/** Seconds resolvers may cache the controller's address; a restarted controller is found within a minute. */
const RECORD_TTL = 60;

/** Arguments for {@link Discovery}. */
export interface DiscoveryArgs {
  readonly vpcId: pulumi.Input<string>;
  /** The private DNS namespace, e.g. `dev.jenkins-ecs.internal`. */
  readonly namespace: string;
}

/**
 * Private service discovery: a Cloud Map DNS namespace inside the VPC and the `jenkins`
 * service the controller registers in, so agents reach it without leaving the VPC (and
 * without the public load balancer, which may be locked to an office range).
 */
export class Discovery extends pulumi.ComponentResource {
  /** Registry ARN the controller's ECS service registers in. */
  public readonly serviceArn: pulumi.Output<string>;
  /** `jenkins.<namespace>`: the controller's private host name. */
  public readonly controllerHost: string;
  public readonly namespaceId: pulumi.Output<string>;

  constructor(name: string, args: DiscoveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:discovery:Discovery", name, {}, opts);
    const parent = { parent: this };

    const namespace = new aws.servicediscovery.PrivateDnsNamespace(
      `${name}-ns`,
      { name: args.namespace, vpc: args.vpcId, description: "Private names of the Jenkins controller for its agents" },
      parent,
    );
    this.namespaceId = namespace.id;

    const service = new aws.servicediscovery.Service(
      `${name}-jenkins`,
      {
        name: CONTROLLER_SERVICE_NAME,
        namespaceId: namespace.id,
        dnsConfig: {
          namespaceId: namespace.id,
          routingPolicy: "MULTIVALUE",
          dnsRecords: [
            { type: "A", ttl: RECORD_TTL },
            { type: "SRV", ttl: RECORD_TTL },
          ],
        },
        // ECS marks the controller's address healthy while its task runs, unhealthy when it stops.
        healthCheckCustomConfig: {},
        // Lets `pulumi destroy` remove the service even if a stopped task left an instance behind.
        forceDestroy: true,
      },
      parent,
    );
    this.serviceArn = service.arn;
    this.controllerHost = controllerHost(args.namespace);

    this.registerOutputs({ serviceArn: this.serviceArn, controllerHost: this.controllerHost });
  }
}
