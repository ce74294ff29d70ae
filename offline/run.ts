/**
 * Runs the real program (`index.ts`) under Pulumi's runtime mocks and records the resource
 * graph it registers. Used by the tests and by the offline plan (`npm run plan`).
 */
import "./leanSdk";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockNetwork, createMocks } from "./mocks";
import { PROJECT_ROOT } from "./stackConfig";
import { PROJECT } from "../lib/config/keys";
import { Graph, RecordedResource, SECRET_MASK } from "./graph";

// Internal runtime modules: the deserializer the mock monitor itself uses, and its sentinels.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const rpc = require("@pulumi/pulumi/runtime/rpc");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const settings = require("@pulumi/pulumi/runtime/settings");


/** What is recorded while a resource registers, before the mock's answer is joined in. */
type Recording = Omit<RecordedResource, "id" | "state" | "masked"> & { rawInputs: any };

/**
 * Replaces the runtime's secret and resource-reference wrappers by plain values, or secrets by
 * {@link SECRET_MASK} when `mask` is set.
 */
function unwrap(value: any, mask = false): any {
  if (Array.isArray(value)) return value.map((v) => unwrap(v, mask));
  if (value === null || typeof value !== "object") return value;
  const sig = value[rpc.specialSigKey];
  if (sig === rpc.specialSecretSig) return mask ? SECRET_MASK : unwrap(value.value, mask);
  if (sig === rpc.specialResourceSig) return value.urn;
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(value)) out[k] = unwrap(v, mask);
  return out;
}

/**
 * Forgets the program's entry point so the next `require` runs it again, with fresh config.
 * Components and lib/ hold no state of their own (config is read when the program runs), so
 * they stay loaded: transpiling them again for every run would only cost time.
 */
function forgetProgram(entry: string): void {
  delete require.cache[require.resolve(entry)];
}

function resolve<T>(output: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
  return new Promise((done) => {
    output.apply((value) => {
      // isSecret resolves with the value; read it after.
      (output as any).isSecret.then((secret: boolean) => done({ value, secret }));
      return value;
    });
  });
}

/** Which program to run: jenkins-ecs (`index.ts`) by default, or another of this repository (`ci/`). */
export interface ProgramToRun {
  /** The Pulumi project name, as its Pulumi.yaml says. */
  readonly project?: string;
  /** Its entry point, relative to the repository root. */
  readonly entry?: string;
}

/** The mocked account a program runs against. */
export interface MockedAccount {
  /** The VPCs its lookups find; default MOCK_VPCS (offline/mocks.ts). */
  readonly vpcs?: MockNetwork;
  /** Which customer-managed policy ARNs exist; default the ci/ boundaries (CI_BOUNDARIES). */
  readonly hasPolicy?: (arn: string) => boolean;
}

/**
 * Runs the program for `stack` with `config` (full `ns:key` names to strings) and returns the
 * recorded graph. Throws whatever the program throws (e.g. a ConfigError), after the runtime
 * has settled.
 */
export async function runProgram(stack: string, config: Record<string, string>, program: ProgramToRun = {}, account: MockedAccount = {}): Promise<Graph> {
  const project = program.project ?? PROJECT;
  const entry = path.join(PROJECT_ROOT, program.entry ?? "index.ts");
  const region = config["aws:region"] ?? "us-east-1";
  await pulumi.runtime.setMocks(createMocks(region, account.vpcs, account.hasPolicy), project, stack, false);
  pulumi.runtime.setAllConfig(config);

  const monitor = settings.getMonitor();
  const recorded: Recording[] = [];
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const rawInputs = rpc.deserializeProperties(req.getObject());
    recorded.push({
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent() || null,
      custom: req.getCustom(),
      inputs: unwrap(rawInputs),
      protect: req.getProtect() === true,
      retainOnDelete: req.getRetainondelete() === true,
      provider: req.getProvider() || null,
      dependsOn: req.getDependenciesList(),
      rawInputs,
    });
    return register(req, callback);
  };

  forgetProgram(entry);
  // The SDK formats a stack trace for every promise it creates (runtime/debuggable.js) and a
  // full one for every resource (Resource.callsites in resource.js, @pulumi/pulumi 3.248.0), to
  // send the engine a source position that the mocks ignore. Through ts-node's source-map
  // support that formatting was 40 % of a run. So while the program runs, traces are short and
  // V8's own format is used. V8 formats a trace when it is first read, so an error that leaves
  // the run is still shown mapped to the TypeScript lines, by the formatter restored here.
  const { stackTraceLimit, prepareStackTrace } = Error;
  Error.stackTraceLimit = 1;
  Reflect.deleteProperty(Error, "prepareStackTrace");
  try {
    return await recordRun(project, entry, stack, monitor, recorded);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    Error.prepareStackTrace = prepareStackTrace;
  }
}

/** Loads the program, waits for every registration, and joins what was recorded with what the mocks answered. */
async function recordRun(project: string, entry: string, stack: string, monitor: any, recorded: Recording[]): Promise<Graph> {
  let program: Record<string, unknown>;
  try {
    const exported = require(entry);
    // Like `pulumi up`: a module that exports a function is called, and what it resolves to
    // are the stack outputs (pulumi/pulumi sdk/nodejs/cmd/run/run.ts, v3.259.0, runProgram).
    program = exported instanceof Function ? await exported() : exported;
  } finally {
    await settings.waitForRPCs();
  }

  const outputs: Record<string, any> = {};
  const secretOutputs: string[] = [];
  for (const [key, value] of Object.entries(program)) {
    const { value: resolved, secret } = await resolve(pulumi.output(value));
    outputs[key] = unwrap(resolved);
    if (secret) secretOutputs.push(key);
  }
  await settings.waitForRPCs();

  const registered: Map<string, { id: string | null; state: Record<string, any> }> = monitor.resources;
  const resources = recorded.map(({ rawInputs, ...r }) => {
    const answer = registered.get(r.urn);
    // A component's state is replaced by its registered outputs, still a protobuf Struct.
    const raw: any = answer?.state ?? {};
    const state = typeof raw.toJavaScript === "function" ? raw.toJavaScript() : raw;
    return {
      ...r,
      id: answer?.id || null,
      state: unwrap(state),
      masked: { inputs: unwrap(rawInputs, true), state: unwrap(state, true) },
    };
  });
  return { project, stack, resources, outputs, secretOutputs };
}
