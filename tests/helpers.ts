/** Test helpers over the recorded resource graph (see offline/run.ts). */
import * as assert from "assert";
import { Graph, RecordedResource } from "../offline/graph";
import { MockedAccount, ProgramToRun, runProgram } from "../offline/run";
import * as path from "path";
import { PROJECT_ROOT, loadStackConfig } from "../offline/stackConfig";
import { CI_PROJECT } from "../ci/settings";
import { contains, parseCidr } from "../lib/aws/cidr";

export { Graph, RecordedResource };

/** Config of a checked-in stack, with keys overridden (a value of undefined removes the key). */
export function stackConfig(stack: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const config: Record<string, string | undefined> = { ...loadStackConfig(stack), ...overrides };
  return Object.fromEntries(Object.entries(config).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Subnets of the mocked VPC in adopt mode (MOCK_VPCS in offline/mocks.ts): private ones in zones a and b, public ones in a and b. */
export const ADOPTED = {
  vpcId: "vpc-0123456789abcdef0",
  privateSubnetIds: ["subnet-0cccccccccccccccc", "subnet-0dddddddddddddddd"],
  publicSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
} as const;

/** Overrides that put a checked-in stack in adopt mode: the create-mode keys removed, a VPC and its subnets given. */
export function adoptMode(privateSubnetIds: readonly string[] = ADOPTED.privateSubnetIds, publicSubnetIds: readonly string[] = ADOPTED.publicSubnetIds, vpcId: string = ADOPTED.vpcId): Record<string, string | undefined> {
  return {
    "jenkins-ecs:availabilityZones": undefined,
    "jenkins-ecs:natGateways": undefined,
    "jenkins-ecs:vpcId": vpcId,
    "jenkins-ecs:publicSubnetIds": JSON.stringify(publicSubnetIds),
    "jenkins-ecs:privateSubnetIds": JSON.stringify(privateSubnetIds),
  };
}

const runs = new Map<string, Promise<Graph>>();

/**
 * Runs the program for a checked-in stack, optionally with overridden keys. Runs are shared
 * between test files (a graph is only read), so each configuration runs once per mocha process.
 */
export function runStack(stack: string, overrides: Record<string, string | undefined> = {}): Promise<Graph> {
  const key = JSON.stringify([stack, overrides]);
  if (!runs.has(key)) runs.set(key, runQueued(() => runProgram(stack, stackConfig(stack, overrides))));
  return runs.get(key)!;
}

const ciRuns = new Map<string, Promise<Graph>>();

/** The repository the ci/ runs of the tests serve. */
export const CI_REPOSITORY = "acme/jenkins-ecs";

/**
 * Runs the ci/ program with its example stack (ci/Pulumi.github.yaml), the repository
 * {@link CI_REPOSITORY}, and keys overridden (undefined removes one); shared like {@link runStack}.
 */
export function runCi(overrides: Record<string, string | undefined> = {}): Promise<Graph> {
  const key = JSON.stringify(overrides);
  if (!ciRuns.has(key)) {
    const config: Record<string, string | undefined> = { ...loadStackConfig("github", { root: path.join(PROJECT_ROOT, "ci") }), [`${CI_PROJECT}:githubRepository`]: CI_REPOSITORY, ...overrides };
    const defined = Object.fromEntries(Object.entries(config).filter((e): e is [string, string] => e[1] !== undefined));
    ciRuns.set(key, runQueued(() => runProgram("github", defined, { project: CI_PROJECT, entry: "ci/index.ts" })));
  }
  return ciRuns.get(key)!;
}

/** Runs the program (jenkins-ecs, or another given) as stack `stack` with any config, against the mocked account or another (not cached). */
export function runWithConfig(stack: string, config: Record<string, string>, program?: ProgramToRun, account?: MockedAccount): Promise<Graph> {
  return runQueued(() => runProgram(stack, config, program, account));
}

// The Pulumi runtime is global: one program run at a time.
let queue: Promise<unknown> = Promise.resolve();
function runQueued<T>(run: () => Promise<T>): Promise<T> {
  const next = queue.then(run, run);
  queue = next.catch(() => undefined);
  return next;
}

/** Whether `actual` contains everything in `expected` (objects by key, arrays element-wise). */
export function matches(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== "object") return actual === expected;
  if (actual === null || typeof actual !== "object") return false;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(actual[i], e));
  }
  return Object.entries(expected).every(([k, v]) => matches((actual as Record<string, unknown>)[k], v));
}

/** Every registered resource of `type` whose inputs contain `subset`. */
export function findAll(graph: Graph, type: string, subset: object = {}): RecordedResource[] {
  return graph.resources.filter((r) => r.type === type && matches(r.inputs, subset));
}

/** The one resource of `type` whose inputs contain `subset`; fails unless exactly one. */
export function expectOne(graph: Graph, type: string, subset: object = {}): RecordedResource {
  const found = findAll(graph, type, subset);
  assert.strictEqual(
    found.length,
    1,
    `expected exactly one ${type} with ${JSON.stringify(subset)}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
  );
  return found[0];
}

/** The resource with this id (what the mock answered), for following references. */
export function byId(graph: Graph, id: string): RecordedResource {
  const found = graph.resources.find((r) => r.id === id);
  assert.ok(found, `no resource has id ${id}`);
  return found;
}

/** Runs `fn` and returns the error it throws; fails if it does not throw. */
export async function errorOf(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  assert.fail("expected an error, but none was thrown");
}

/** The parsed container definitions of a task definition. */
export function containersOf(taskDefinition: RecordedResource): any[] {
  return JSON.parse(taskDefinition.inputs.containerDefinitions);
}

/** Ingress rules attached to a security group (by the group's id). */
export function ingressRulesOf(graph: Graph, securityGroupId: string): RecordedResource[] {
  return findAll(graph, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { securityGroupId });
}

/** The resource of `type` whose logical name is `name`. */
export function named(graph: Graph, type: string, name: string): RecordedResource {
  const found = graph.resources.filter((r) => r.type === type && r.name === name);
  assert.strictEqual(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** Every ingress rule from an address range outside the VPC belongs to the load balancer's group. */
export function assertOnlyLoadBalancerFacesOutside(graph: Graph): void {
  const alb = expectOne(graph, "aws:lb/loadBalancer:LoadBalancer");
  const vpc = parseCidr(expectOne(graph, "jenkins-ecs:network:Network").state.vpcCidr)!;
  const fromOutside = findAll(graph, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => {
    if (r.inputs.cidrIpv6 !== undefined) return true;
    if (r.inputs.cidrIpv4 === undefined) return false;
    return !contains(vpc, parseCidr(r.inputs.cidrIpv4)!);
  });
  assert.ok(fromOutside.length > 0, "the load balancer admits nobody");
  for (const rule of fromOutside) assert.strictEqual(rule.inputs.securityGroupId, alb.inputs.securityGroups[0], rule.name);
}

/** The JCasC sources a controller container carries: every JENKINS_CASC_*_BASE64 variable, decoded. */
export function cascSourcesOf(container: any): { readonly env: string; readonly yaml: string }[] {
  return container.environment
    .filter((e: { name: string }) => /^JENKINS_CASC_(YAML|TEAM_\d+)_BASE64$/.test(e.name))
    .map((e: { name: string; value: string }) => ({ env: e.name, yaml: Buffer.from(e.value, "base64").toString("utf8") }));
}

/**
 * The variables JCasC resolves from its secret sources in a document: every `${NAME}`, but not
 * `^${...}` (JCasC's escape, kept literally), `${NAME:-default}` (falls back), or a lookup such
 * as `${readFile:...}` (SecretSourceResolver's prefixes; not an environment variable).
 */
export function cascVariables(yaml: string): string[] {
  const names: string[] = [];
  for (const m of yaml.matchAll(/(\^?)\$\{([^}]*)\}/g)) {
    if (m[1] === "^" || m[2].includes(":")) continue;
    names.push(m[2]);
  }
  return names;
}

/** Variables of the container's JCasC sources that neither its environment nor its secrets give. */
export function unresolvedCascVariables(container: any): string[] {
  const known = new Set<string>([...container.environment, ...(container.secrets ?? [])].map((e: { name: string }) => e.name));
  return cascSourcesOf(container).flatMap((s) => cascVariables(s.yaml).filter((v) => !known.has(v)).map((v) => `${s.env}: \${${v}}`));
}

/**
 * Whether `text` matches an AWS wildcard pattern, whole and case-sensitive: `*` any characters,
 * `?` exactly one. ALB path patterns match so ("Condition types for listener rules", Path
 * conditions: `*` crosses "/"), and IAM's ArnLike within an ARN's last component.
 */
export function wildcardMatches(pattern: string, text: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(text);
}
