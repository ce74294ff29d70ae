/**
 * Stack configuration: every key users may set, read once and validated into one typed
 * {@link Settings} object. Components never read config themselves.
 *
 * Validation collects every problem before failing, so a user fixes a stack file in one go;
 * each problem names the key, the bad value and what is allowed. The sections are read in
 * the order of the README's configuration reference: stack, network, controller, load
 * balancer, agents, operations.
 *
 * What can only be judged on rendered output (the controller's task-definition size) is not
 * checked here but in lib/preflight.ts, after parsing and before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../settings";
import { PROJECT } from "./keys";
import { ConfigError, ConfigReader, RawConfig } from "./reader";
import { readStack } from "./stack";
import { readDiscoveryNamespace, readNetwork, readVpcEndpoints } from "./network";
import { readController, readLoadBalancer } from "./controller";
import { readAgents } from "./agents";
import { readOperations } from "./operations";
import { readSso } from "./sso";

/**
 * Validates raw stack config into {@link Settings}.
 * @throws ConfigError listing every problem found.
 */
export function parseSettings(raw: RawConfig, stack: string): Settings {
  return readSettings(raw, stack).settings;
}

/**
 * {@link parseSettings}, with the warnings: what is allowed but probably a mistake (a
 * template's environment value that looks like a secret), one line each.
 * @throws ConfigError listing every problem found.
 */
export function readSettings(raw: RawConfig, stack: string): { settings: Settings; warnings: string[] } {
  const r = new ConfigReader(raw);
  const { region, partition, certificateArn, domainName, hostedZoneId, jnlpPort, permissionsBoundary } = readStack(r, Object.keys(raw), stack);
  const network = readNetwork(r);
  const vpcEndpoints = readVpcEndpoints(r);
  const discoveryNamespace = readDiscoveryNamespace(r, stack);
  const controller = readController(r);
  const loadBalancer = readLoadBalancer(r);
  const sso = readSso(r, stack, region, partition);
  const agents = readAgents(r, region, partition);
  const { containerInsights, logRetentionDays, deletionProtection, alarmEmail } = readOperations(r);

  if (r.problems.length > 0) throw new ConfigError(stack, r.problems);

  const settings: Settings = {
    project: PROJECT,
    stack,
    region: region!,
    partition,
    certificateArn,
    domainName,
    hostedZoneId,
    jnlpPort,
    ...(permissionsBoundary ? { permissionsBoundary } : {}),
    network,
    controller,
    loadBalancer,
    containerInsights,
    logRetentionDays,
    deletionProtection,
    agents,
    discoveryNamespace,
    vpcEndpoints,
    alarmEmail,
    ...(sso ? { sso } : {}),
  };
  return { settings, warnings: r.warnings };
}

/** Reads and validates the current stack's config, as handed over by the Pulumi engine; warnings go to the CLI. */
export function loadSettings(): Settings {
  const { settings, warnings } = readSettings(pulumi.runtime.allConfig(), pulumi.getStack());
  for (const warning of warnings) pulumi.log.warn(warning);
  return settings;
}
