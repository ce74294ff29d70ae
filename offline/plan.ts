/**
 * Offline plan: runs the real program for a stack under the mocks and shows what it would
 * register, without AWS credentials or the Pulumi CLI. Nothing is deployed or previewed
 * against AWS; ids and ARNs are the mocks' (account 123456789012).
 *
 *   npm run plan -- --stack dev            readable tree
 *   npm run --silent plan -- --stack dev --json   one JSON document on stdout
 *   npm run --silent plan -- --stack dev --casc   the JCasC document Jenkins would apply
 *   npm run --silent plan -- --stack dev --cost   idle monthly cost by item, agents per build minute
 */
import YAML from "yaml";
import { Graph, RecordedResource, SECRET_MASK } from "./graph";
import { CliConfigError, loadStackConfig } from "./stackConfig";

const USAGE = "usage: npm run plan -- --stack <name> [--json | --casc | --cost]";

/** Properties worth showing per resource type in the tree; other types show their scalars. */
const KEY_PROPERTIES: Record<string, string[]> = {
  "awsx:ec2:Vpc": ["cidrBlock", "numberOfAvailabilityZones", "natGateways", "subnetSpecs"],
  "aws:ec2/vpcEndpoint:VpcEndpoint": ["serviceName", "vpcEndpointType", "routeTableIds", "subnetIds", "privateDnsEnabled"],
  "aws:ecs/cluster:Cluster": ["settings"],
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": ["capacityProviders"],
  "aws:ecs/taskDefinition:TaskDefinition": ["family", "cpu", "memory", "runtimePlatform", "ephemeralStorage"],
  "aws:ecs/service:Service": ["desiredCount", "deploymentMinimumHealthyPercent", "deploymentMaximumPercent", "networkConfiguration", "serviceRegistries"],
  "aws:lb/listener:Listener": ["port", "protocol", "sslPolicy", "defaultActions"],
  "aws:lb/targetGroup:TargetGroup": ["port", "protocol", "targetType", "healthCheck"],
  "aws:efs/accessPoint:AccessPoint": ["posixUser", "rootDirectory"],
  "aws:cloudwatch/metricAlarm:MetricAlarm": ["namespace", "metricName", "statistic", "comparisonOperator", "threshold", "dimensions"],
};

export interface Options {
  stack: string;
  output: "tree" | "json" | "casc" | "cost";
}

export function parseArgs(argv: string[]): Options {
  let stack: string | undefined;
  let output: Options["output"] = "tree";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--stack" || arg === "-s") stack = argv[++i];
    else if (arg.startsWith("--stack=")) stack = arg.slice("--stack=".length);
    else if (arg === "--json" || arg === "--casc" || arg === "--cost") {
      if (output !== "tree") throw new UsageError(`--json, --casc and --cost exclude each other; ${USAGE}`);
      output = arg.slice(2) as Options["output"];
    }
    else throw new UsageError(`unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
  }
  if (!stack) throw new UsageError(`which stack? ${USAGE}`);
  return { stack, output };
}

export class UsageError extends Error {}

function maskedOutputs(graph: Graph): Record<string, unknown> {
  return Object.fromEntries(Object.entries(graph.outputs).map(([k, v]) => [k, graph.secretOutputs.includes(k) ? SECRET_MASK : v]));
}

/** The JCasC document the controller would apply, from its component's outputs. */
export function cascOf(graph: Graph): string {
  const controller = graph.resources.find((r) => r.type === "jenkins-ecs:controller:Controller");
  if (typeof controller?.state.casc !== "string") throw new Error("the program rendered no JCasC document");
  return controller.state.casc;
}

/**
 * The most agent tasks the stack can run at once, as Jenkins enforces it: each template's
 * cloud caps its own label, so the total is the sum of the clouds' maxAgents.
 */
export function agentCapacity(graph: Graph): string {
  const clouds: { maxAgents: number; retainAgents: boolean; templates: { label: string }[] }[] = YAML.parse(cascOf(graph)).jenkins.clouds.map((c: any) => c.ecs);
  const total = clouds.reduce((sum, c) => sum + c.maxAgents, 0);
  const perTemplate = clouds.map((c) => `${c.templates[0].label} ${c.maxAgents}${c.retainAgents ? " (reused)" : ""}`).join(", ");
  return `Agents: at most ${total} agent tasks at once (${perTemplate}).`;
}

/** Where each template's image comes from: the stack's mirror, a build folder, or a prebuilt reference. */
export function agentImageSources(graph: Graph): string[] {
  const images = graph.resources.find((r) => r.type === "jenkins-ecs:agentImages:AgentImages");
  const sources: { label: string; source: string }[] = images?.state.sources ?? [];
  return ["Agent images:", ...sources.map(({ label, source }) => `  ${label}: ${source}`)];
}

export function toJson(graph: Graph): object {
  return {
    project: graph.project,
    stack: graph.stack,
    resources: graph.resources.map(({ urn, type, name, parent, id, masked }) => ({ urn, type, name, parent, id, inputs: masked.inputs, state: masked.state })),
    outputs: maskedOutputs(graph),
    casc: cascOf(graph),
  };
}

function short(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 110 ? `${text.slice(0, 107)}...` : text;
}

function keyProperties(resource: RecordedResource): [string, unknown][] {
  const inputs = resource.masked.inputs;
  const keys = KEY_PROPERTIES[resource.type];
  if (keys) return keys.filter((k) => inputs[k] !== undefined).map((k) => [k, inputs[k]]);
  return Object.entries(inputs).filter(([k, v]) => k !== "tags" && v !== null && typeof v !== "object");
}

export function toTree(graph: Graph): string {
  const lines: string[] = [
    `Offline plan for ${graph.project}/${graph.stack}: what \`pulumi up\` would register (mocked AWS: nothing is deployed, ids and ARNs are placeholders).`,
    "",
  ];
  const children = new Map<string | null, RecordedResource[]>();
  for (const r of graph.resources) {
    const siblings = children.get(r.parent) ?? [];
    siblings.push(r);
    children.set(r.parent, siblings);
  }
  const walk = (parent: string | null, indent: string) => {
    for (const r of children.get(parent) ?? []) {
      const kind = r.custom ? "" : " (component)";
      lines.push(`${indent}${r.name}  ${r.type}${kind}`);
      for (const [k, v] of keyProperties(r)) lines.push(`${indent}    ${k}: ${short(v)}`);
      walk(r.urn, `${indent}  `);
    }
  };
  walk(null, "");
  const resourceCount = graph.resources.filter((r) => r.custom).length;
  lines.push("", `${resourceCount} resources in ${graph.resources.length - resourceCount} components.`, "", agentCapacity(graph), ...agentImageSources(graph), "", "Outputs:");
  for (const [k, v] of Object.entries(maskedOutputs(graph))) lines.push(`  ${k}: ${short(v)}`);
  return lines.join("\n");
}

/** The plan's output for a recorded run, as the command prints it. */
export function render(graph: Graph, output: Exclude<Options["output"], "cost">): string {
  return { tree: () => `${toTree(graph)}\n`, json: () => `${JSON.stringify(toJson(graph), null, 2)}\n`, casc: () => cascOf(graph) }[output]();
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const config = loadStackConfig(options.stack);
  // The cost follows from the validated settings alone; no program run needed.
  if (options.output === "cost") {
    const { parseSettings } = await import("../lib/config/parse");
    const { checkRenderedLimits } = await import("../lib/preflight");
    const { costReport } = await import("../lib/cost/cost");
    const settings = parseSettings(config, options.stack);
    checkRenderedLimits(settings);
    await write(costReport(settings));
    return 0;
  }
  // Loaded only now: a refused stack file is reported without starting the Pulumi runtime.
  const { runProgram } = await import("./run");
  // Keep stdout for the plan alone: anything the program or SDK logs goes to stderr.
  const log = console.log;
  console.log = console.info = (...args: unknown[]) => console.error(...args);
  const graph = await runProgram(options.stack, config);
  console.log = log;
  await write(render(graph, options.output));
  return 0;
}

/** Exit only once a pipe has taken everything: process.exit would cut a large plan short. */
function write(text: string): Promise<void> {
  return new Promise<void>((done, fail) => process.stdout.write(text, (err) => (err ? fail(err) : done())));
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      // A ConfigError is a Pulumi RunError: the CLI prints its message alone, so does the plan.
      const known = err instanceof UsageError || err instanceof CliConfigError || require("@pulumi/pulumi").RunError.isInstance(err);
      process.stderr.write(`${known ? "" : "offline plan failed: "}${(err as Error)?.message ?? String(err)}\n`);
      process.exit(known ? 1 : 2);
    },
  );
}
