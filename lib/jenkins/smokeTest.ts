/**
 * The `agent-smoke-test` job: one build on any template proves the whole chain (Jenkins asks
 * ECS for a task, the task starts, connects back privately and runs a step), and its output
 * says what the agent really is. `npm run verify` runs it for every template and parses the
 * report lines named here.
 */
import { AGENT_HOME, CAPACITY_PROVIDER_ENV } from "./cloud";
import { KANIKO_QUEUE_ENV } from "./kaniko";

/** The ready-made job whose first build proves the whole chain. */
export const SMOKE_TEST_JOB = "agent-smoke-test";
/** Its one parameter: which template (label) to run on. */
export const SMOKE_TEST_PARAMETER = "LABEL";
/** How long one smoke build may take, queue and Fargate start included. */
export const SMOKE_TEST_TIMEOUT_MINUTES = 20;

/** The lines the report prints, `<key>: <value>`, in this order. */
export const SMOKE_REPORT_KEYS = ["started at", "host", "architecture", "java", "task cpu", "task memory", "availability zone", "capacity provider", "cache", "kaniko"] as const;
export type SmokeReport = Partial<Record<(typeof SMOKE_REPORT_KEYS)[number], string>>;

/**
 * The report the job's agent prints: first when it started (epoch milliseconds, from which
 * `npm run verify` measures how long the build waited for its agent). The task's size and zone come from the ECS task metadata
 * endpoint v4 (`$ECS_CONTAINER_METADATA_URI_V4/task`: task-level `Limits.CPU` in vCPUs and
 * `Limits.Memory` in MiB, `AvailabilityZone`; Fargate platform 1.4.0+). Each container has
 * `Limits` too, so awk first keeps only what is at most two levels deep (the task's own fields
 * and its `Limits`), whatever order the fields come in. Task metadata does not name the
 * capacity provider, so Spot is read from the variable every agent task definition carries.
 * The cache is the NFS mount below the agent's home (the template's access point), from
 * /proc/mounts; empty without one. Kaniko is "ready" when the task's kaniko container has
 * written its `ready` file into the shared queue; empty on a template without it.
 * Needs only sh, curl, awk, grep, coreutils and java, all in the inbound-agent image.
 */
export const SMOKE_REPORT_SCRIPT =
  String.raw`echo "started at: $(date +%s%3N)"
echo "host: $(hostname)"
echo "architecture: $(uname -m)"
echo "java: $(java -version 2>&1 | head -n 1)"
task=$(curl -fsS --max-time 5 "$ECS_CONTAINER_METADATA_URI_V4/task" 2>/dev/null)
top=$(printf '%s' "$task" | awk 'BEGIN { RS = "\001" } { n = length($0); d = 0; s = 0; e = 0; o = ""; for (i = 1; i <= n; i++) { c = substr($0, i, 1); k = (d <= 2); if (s) { if (e) e = 0; else if (c == "\\") e = 1; else if (c == "\"") s = 0 } else if (c == "\"") s = 1; else if (c == "{" || c == "[") { d++; k = (d <= 2) } else if (c == "}" || c == "]") d--; if (k) o = o c } print o }')
value() { printf '%s' "$1" | tr -d '\n' | grep -o "\"$2\" *: *[^,}]*" | head -n 1 | cut -d: -f2- | tr -d '" '; }
limits=$(printf '%s' "$top" | tr -d '\n' | grep -o '"Limits" *: *{[^}]*}')
echo "task cpu: $(value "$limits" CPU)"
echo "task memory: $(value "$limits" Memory)"
echo "availability zone: $(value "$top" AvailabilityZone)"
` + `echo "capacity provider: $${CAPACITY_PROVIDER_ENV}"
echo "cache: $(awk '$3 ~ /^nfs/ && index($2, "${AGENT_HOME}/") == 1 { print $2; exit }' /proc/mounts 2>/dev/null)"
echo "kaniko: $([ -n "$${KANIKO_QUEUE_ENV}" ] && [ -e "$${KANIKO_QUEUE_ENV}/ready" ] && echo ready)"
`;

/**
 * The job's pipeline: scripted, so the label can come from the parameter. The report script
 * travels base64-encoded: it passes YAML, JCasC (which would substitute `${...}`), Job DSL,
 * Groovy and the shell without any quoting layer bending it.
 */
export function smokeTestPipeline(): string {
  const encoded = Buffer.from(SMOKE_REPORT_SCRIPT, "utf8").toString("base64");
  return [
    `timeout(time: ${SMOKE_TEST_TIMEOUT_MINUTES}, unit: 'MINUTES') {`,
    `  node(params.${SMOKE_TEST_PARAMETER}) {`,
    "    stage('Agent') {",
    "      // The report script of lib/smokeTest.ts, base64-encoded.",
    `      sh(label: 'agent report', script: 'set +x; echo ${encoded} | base64 -d | sh')`,
    "    }",
    "  }",
    "}",
  ].join("\n");
}

/** The Job DSL script that creates the job, with a `LABEL` choice of every template label (the first is the default). */
export function smokeTestJobDsl(labels: readonly string[]): string {
  return [
    `pipelineJob('${SMOKE_TEST_JOB}') {`,
    "  description('Runs on a Fargate agent of the chosen template and prints its host name, architecture, Java version, task size, capacity provider and cache.')",
    "  parameters {",
    `    choiceParam('${SMOKE_TEST_PARAMETER}', [${labels.map((l) => `'${l}'`).join(", ")}], 'Agent template (label) to run on')`,
    "  }",
    "  definition {",
    "    cps {",
    "      sandbox(true)",
    `      script('''${smokeTestPipeline()}''')`,
    "    }",
    "  }",
    "}",
  ].join("\n");
}

/** The report lines of a build's console output. */
export function parseSmokeReport(consoleText: string): SmokeReport {
  const report: SmokeReport = {};
  for (const line of consoleText.split(/\r?\n/)) {
    const match = /^([a-z ]+):(?: (.*))?$/.exec(line.trim());
    const key = match?.[1] as (typeof SMOKE_REPORT_KEYS)[number] | undefined;
    if (key && SMOKE_REPORT_KEYS.includes(key) && report[key] === undefined) report[key] = (match![2] ?? "").trim();
  }
  return report;
}
