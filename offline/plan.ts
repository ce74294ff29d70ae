/**
 * Offline plan: runs the real program for a stack under the mocks and shows what it would
 * register, without AWS credentials or the Pulumi CLI. Nothing is deployed or previewed
 * against AWS; ids and ARNs are the mocks' (account 123456789012).
 *
 *   npm run plan -- --stack dev            readable tree
 *   npm run --silent plan -- --stack dev --json   one JSON document on stdout
 *   npm run --silent plan -- --stack dev --casc   the JCasC Jenkins would apply, the team's files merged in
 *   npm run --silent plan -- --stack dev --cost   idle monthly cost by item, agents per build minute
 *   npm run plan -- --stack mine --network network.json   an adopted VPC, checked against its real facts
 *
 * In adopt mode the VPC lookups answer from the mocked account, from `--network <file>`, or
 * from a plausible network made up for the stack's ids; what is made up is listed as assumed
 * offline in the tree, in `--json` (`assumedOffline`) and on stderr (offline/network.ts).
 */
// First, before anything loads @pulumi/pulumi (the config's errors are Pulumi RunErrors).
import "./leanSdk";
import YAML from "yaml";
import { Graph, RecordedResource, SECRET_MASK } from "./graph";
import { ASSUMED, AssumedFact, NetworkFileError } from "./network";
import { CliConfigError, PROJECT_ROOT, loadStackConfig } from "./stackConfig";
import { CascFile, mergeCasc } from "../lib/jenkins/teamCasc";

const USAGE = "usage: npm run plan -- --stack <name> [--json | --casc | --cost] [--network <file>]";

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
  /** A JSON file of the adopted VPC's real facts (offline/network.ts networkFromFile). */
  networkFile?: string;
}

export function parseArgs(argv: string[]): Options {
  let stack: string | undefined;
  let output: Options["output"] = "tree";
  let networkFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--stack" || arg === "-s") stack = argv[++i];
    else if (arg.startsWith("--stack=")) stack = arg.slice("--stack=".length);
    else if (arg === "--network") {
      networkFile = argv[++i];
      if (networkFile === undefined || networkFile.startsWith("--")) throw new UsageError(`--network needs a file; ${USAGE}`);
    }
    else if (arg === "--json" || arg === "--casc" || arg === "--cost") {
      if (output !== "tree") throw new UsageError(`--json, --casc and --cost exclude each other; ${USAGE}`);
      output = arg.slice(2) as Options["output"];
    }
    else throw new UsageError(`unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
  }
  if (!stack) throw new UsageError(`which stack? ${USAGE}`);
  return { stack, output, ...(networkFile !== undefined ? { networkFile } : {}) };
}

export class UsageError extends Error {}

function maskedOutputs(graph: Graph): Record<string, unknown> {
  // An output whose value is undefined (controllerExecLogGroup without ECS Exec) is no output:
  // the Pulumi CLI lists none for it.
  const defined = Object.entries(graph.outputs).filter(([, v]) => v !== undefined);
  return Object.fromEntries(defined.map(([k, v]) => [k, graph.secretOutputs.includes(k) ? SECRET_MASK : v]));
}

/** The generated JCasC document the controller would apply, from its component's outputs. */
export function cascOf(graph: Graph): string {
  const controller = graph.resources.find((r) => r.type === "jenkins-ecs:controller:Controller");
  if (typeof controller?.state.casc !== "string") throw new Error("the program rendered no JCasC document");
  return controller.state.casc;
}

/** Every JCasC source the controller would get, in the order Jenkins applies them. */
export function cascFilesOf(graph: Graph): CascFile[] {
  const controller = graph.resources.find((r) => r.type === "jenkins-ecs:controller:Controller");
  if (!Array.isArray(controller?.state.cascFiles)) throw new Error("the program rendered no JCasC sources");
  return controller.state.cascFiles;
}

/**
 * What Jenkins will apply: the sources in order, then the document JCasC merges from them
 * (the same merge, lib/jenkins/teamCasc.ts mergeCasc). Valid YAML: the sources are comments.
 */
export function cascReport(graph: Graph): string {
  const files = cascFilesOf(graph);
  const { merged } = mergeCasc(files.map((f) => ({ source: f.source, doc: YAML.parse(f.yaml) ?? {} })));
  return [
    `# JCasC of stack ${graph.stack}: ${files.length} source${files.length === 1 ? "" : "s"}, applied in this order (CASC_JENKINS_CONFIG) and merged by JCasC:`,
    ...files.map((f, i) => `#   ${i + 1}. ${f.path}  (${f.source === "generated" ? "generated by jenkins-ecs" : f.source})`),
    "# The merged document Jenkins applies:",
    YAML.stringify(merged, { lineWidth: 0 }),
  ].join("\n");
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

export function toJson(graph: Graph, assumed: readonly AssumedFact[] = []): object {
  return {
    project: graph.project,
    stack: graph.stack,
    resources: graph.resources.map(({ urn, type, name, parent, id, masked }) => ({ urn, type, name, parent, id, inputs: masked.inputs, state: masked.state })),
    outputs: maskedOutputs(graph),
    casc: cascOf(graph),
    assumedOffline: assumed.map(({ id, fact }) => ({ id, fact })),
  };
}

/** The notice that heads the tree and goes to stderr when facts of the network were made up. */
export function assumedNotice(assumed: readonly AssumedFact[]): string[] {
  if (assumed.length === 0) return [];
  return [
    `${ASSUMED.toUpperCase()}: ${assumed.length} facts of the adopted network were not looked up but made up, so that this plan could run. It checks nothing of the real VPC;`,
    "pass --network <file> with its real facts (README, \"Offline plan of an adopted VPC\") for the checks `pulumi preview` makes.",
    ...assumed.map((a) => `  [${ASSUMED}] ${a.id}: ${a.fact}`),
  ];
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

export function toTree(graph: Graph, assumed: readonly AssumedFact[] = []): string {
  const lines: string[] = [
    `Offline plan for ${graph.project}/${graph.stack}: what \`pulumi up\` would register (mocked AWS: nothing is deployed, ids and ARNs are placeholders).`,
    "",
    ...(assumed.length > 0 ? [...assumedNotice(assumed), ""] : []),
  ];
  const madeUp = assumed.flatMap((a) => a.values);
  const mark = (text: string) => (madeUp.some((v) => text.includes(v)) ? `${text}  [${ASSUMED}]` : text);
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
      for (const [k, v] of keyProperties(r)) lines.push(mark(`${indent}    ${k}: ${short(v)}`));
      walk(r.urn, `${indent}  `);
    }
  };
  walk(null, "");
  const resourceCount = graph.resources.filter((r) => r.custom).length;
  lines.push("", `${resourceCount} resources in ${graph.resources.length - resourceCount} components.`, "", agentCapacity(graph), ...agentImageSources(graph), "", "Outputs:");
  for (const [k, v] of Object.entries(maskedOutputs(graph))) lines.push(mark(`  ${k}: ${short(v)}`));
  return lines.join("\n");
}

/** The plan's output for a recorded run, as the command prints it. */
export function render(graph: Graph, output: Exclude<Options["output"], "cost">, assumed: readonly AssumedFact[] = []): string {
  return { tree: () => `${toTree(graph, assumed)}\n`, json: () => `${JSON.stringify(toJson(graph, assumed), null, 2)}\n`, casc: () => cascReport(graph) }[output]();
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const config = loadStackConfig(options.stack);
  // The cost follows from the validated settings alone; no program run needed.
  if (options.output === "cost") {
    const { parseSettings } = await import("../lib/config/parse");
    const { checkRenderedLimits } = await import("../lib/preflight");
    const { costReport } = await import("../lib/cost/cost");
    const { readTeamFiles } = await import("../lib/jenkins/teamCasc");
    const settings = parseSettings(config, options.stack);
    checkRenderedLimits(settings, readTeamFiles(PROJECT_ROOT, options.stack));
    await write(costReport(settings));
    return 0;
  }
  const { graph, assumed } = await recordPlan(options, config);
  await write(render(graph, options.output, assumed));
  return 0;
}

/**
 * Runs the program for a stack under the mocks, as the plan does (also for `npm run
 * boot-test`): the notice of made-up network facts goes to stderr, and so does anything the
 * program logs, so stdout stays the caller's.
 */
export async function recordPlan(options: Pick<Options, "stack" | "networkFile">, config: Record<string, string>): Promise<{ graph: Graph; assumed: readonly AssumedFact[] }> {
  const network = await planNetwork(options, config);
  for (const line of assumedNotice(network?.assumed ?? [])) process.stderr.write(`${line}\n`);
  // Loaded only now: a refused stack file is reported without starting the Pulumi runtime.
  const { runProgram } = await import("./run");
  const log = console.log;
  console.log = console.info = (...args: unknown[]) => console.error(...args);
  try {
    const graph = await runProgram(options.stack, config, {}, { vpcs: network?.vpcs });
    return { graph, assumed: network?.assumed ?? [] };
  } finally {
    console.log = log;
  }
}

/**
 * What the VPC lookups of an adopt-mode stack answer from: the file given, else the mocked
 * account or a made-up network for its ids. Undefined in create mode, which looks nothing up.
 * Invalid config is left to the program, which refuses it with the same message.
 */
async function planNetwork(options: Pick<Options, "stack" | "networkFile">, config: Record<string, string>): Promise<import("./network").PlanNetwork | undefined> {
  const { parseSettings } = await import("../lib/config/parse");
  let settings: ReturnType<typeof parseSettings>;
  try {
    settings = parseSettings(config, options.stack);
  } catch {
    return undefined;
  }
  const { assumeNetwork, networkFromFile } = await import("./network");
  if (options.networkFile !== undefined) {
    if (settings.network.mode !== "adopt") throw new UsageError(`--network describes an adopted VPC, and stack ${options.stack} creates its own (no jenkins-ecs:vpcId)`);
    const fs = await import("fs");
    if (!fs.existsSync(options.networkFile)) throw new UsageError(`--network ${options.networkFile}: no such file`);
    return networkFromFile(fs.readFileSync(options.networkFile, "utf8"), options.networkFile, settings.region);
  }
  return settings.network.mode === "adopt" ? assumeNetwork(settings.network, settings.region) : undefined;
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
      const known = err instanceof UsageError || err instanceof CliConfigError || err instanceof NetworkFileError || require("@pulumi/pulumi").RunError.isInstance(err);
      process.stderr.write(`${known ? "" : "offline plan failed: "}${(err as Error)?.message ?? String(err)}\n`);
      process.exit(known ? 1 : 2);
    },
  );
}
