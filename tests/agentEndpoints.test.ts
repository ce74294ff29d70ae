import * as assert from "assert";
import { AGENT_ENDPOINT_PATHS } from "../lib/jenkins/cloud";
import { MOCK_ACCOUNT, enforceListenerRuleRules } from "../offline/mocks";
import { Graph, expectOne, findAll, runStack, wildcardMatches as pathMatches } from "./helpers";
import { awsManagedPolicy, decide, policiesOfRole, roleByArn } from "./iam";

/** What the HTTPS listener does with a request for `path`: the first matching rule by priority, else the default. */
function answerFor(graph: Graph, path: string): string {
  const https = expectOne(graph, "aws:lb/listener:Listener", { port: 443 });
  const rules = findAll(graph, "aws:lb/listenerRule:ListenerRule")
    .filter((r) => r.inputs.listenerArn === https.state.arn)
    .sort((a, b) => a.inputs.priority - b.inputs.priority);
  for (const rule of rules) {
    const patterns: string[] = rule.inputs.conditions.flatMap((c: any) => c.pathPattern?.values ?? []);
    if (patterns.some((p) => pathMatches(p, path))) {
      const [action] = rule.inputs.actions;
      return action.type === "fixed-response" ? `${action.type} ${action.fixedResponse.statusCode}` : action.type;
    }
  }
  return https.inputs.defaultActions[0].type;
}

const REFUSED = [
  "/wsagents/",
  "/wsagents",
  "/cli",
  "/cli/ws",
  "/tcpSlaveAgentListener/",
  "/jnlpJars/agent.jar",
  "/jnlpJars/remoting.jar",
  "/computer/ecs-jenkins-ecs-dev-ecs-abc12/jenkins-agent.jnlp",
  "/computer/ecs-jenkins-ecs-dev-ecs-abc12/slave-agent.jnlp",
];
const FORWARDED = ["/", "/login", "/job/team/job/app/", "/computer/", "/computer/ecs-jenkins-ecs-dev-ecs-abc12/", "/manage/cloud/", "/securityRealm/finishLogin"];

for (const stack of ["dev", "prod"]) {
  describe(`${stack}: agents only by the private path`, () => {
    let graph: Graph;
    before(async () => (graph = await runStack(stack)));

    for (const path of REFUSED) {
      it(`the load balancer answers ${path} with 403 before any forward`, () => assert.strictEqual(answerFor(graph, path), "fixed-response 403"));
    }
    it("forwards what people use: login, jobs, the node list, cloud settings", () => {
      for (const path of FORWARDED) assert.strictEqual(answerFor(graph, path), "forward", path);
    });
  });
}

describe("AGENT_ENDPOINT_PATHS", () => {
  it("every refused path pattern is matched by one of the example requests, so none is dead", () => {
    for (const pattern of AGENT_ENDPOINT_PATHS) assert.ok(REFUSED.some((p) => pathMatches(pattern, p)), pattern);
  });
});

describe("the mocks refuse listener rules as CreateRule does", () => {
  const rule = (over: Record<string, unknown>) => ({ listenerArn: "arn:l", priority: 1, conditions: [{ pathPattern: { values: ["/a*"] } }], actions: [{ type: "fixed-response", fixedResponse: { statusCode: "403" } }], ...over });
  it("a fourth value in one condition, a sixth in a rule, a sixth wildcard, a priority taken or out of range, a 3XX fixed response", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ conditions: [{ pathPattern: { values: ["/a", "/b", "/c", "/d"] } }] }, /pathPattern has 4 values; a condition takes at most 3/],
      [{ conditions: [{ pathPattern: { values: ["/a", "/b", "/c"] } }, { hostHeader: { values: ["a", "b", "c"] } }] }, /6 match evaluations; a rule takes at most 5/],
      [{ conditions: [{ pathPattern: { values: ["/*a*", "/*b*", "/*c*"] } }] }, /6 wildcards; a rule takes at most 5/],
      [{ priority: 0 }, /priority 0 is not a whole number from 1 to 50000/],
      [{ actions: [{ type: "fixed-response", fixedResponse: { statusCode: "301" } }] }, /not 2XX, 4XX or 5XX/],
    ];
    for (const [over, message] of cases) assert.throws(() => enforceListenerRuleRules("r", rule(over), new Set()), message);
    const taken = new Set<string>();
    enforceListenerRuleRules("r1", rule({}), taken);
    assert.throws(() => enforceListenerRuleRules("r2", rule({}), taken), /PriorityInUse/);
    enforceListenerRuleRules("r3", rule({ listenerArn: "arn:other" }), taken);
  });
});

describe("nobody but the controller reads agent tasks, whose overrides carry each agent's secret (simulated)", () => {
  const READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";
  let graph: Graph;
  let agentTask: string;
  before(async () => {
    graph = await runStack("dev", { "jenkins-ecs:agents": JSON.stringify([{ label: "pr" }, { label: "deploy", permissions: { policyArns: [READ_ONLY] } }]) });
    agentTask = `arn:aws:ecs:eu-west-1:${MOCK_ACCOUNT}:task/${expectOne(graph, "jenkins-ecs:agents:Agents").state.clusterName}/0123456789abcdef0123456789abcdef`;
  });
  const roles = () => expectOne(graph, "jenkins-ecs:agents:Agents").state.roles as { label: string; taskRoleArn: string }[];
  const taskRole = (label: string) => roleByArn(graph, roles().find((r) => r.label === label)!.taskRoleArn);
  const describe = (policies: object[]) => decide({ action: "ecs:DescribeTasks", resource: agentTask, context: { "ecs:cluster": agentTask.replace(/task\/([^/]+)\/.*/, "cluster/$1") } }, policies);

  it("a template whose managed policy allows DescribeTasks (ReadOnlyAccess) is explicitly denied it on the agents' tasks, and keeps the rest", async () => {
    const role = taskRole("deploy");
    const inline = findAll(graph, "aws:iam/rolePolicy:RolePolicy", { role: role.id! }).map((p) => JSON.parse(p.inputs.policy));
    const policies = [...inline, awsManagedPolicy("ReadOnlyAccess")];
    assert.strictEqual(await describe([awsManagedPolicy("ReadOnlyAccess")]), "Allowed", "ReadOnlyAccess alone would allow it");
    assert.strictEqual(await describe(policies), "ExplicitlyDenied");
    assert.strictEqual(await decide({ action: "ecs:DescribeClusters", resource: agentTask.replace(/task\/([^/]+)\/.*/, "cluster/$1") }, policies), "Allowed");
  });

  it("a template without permissions still has no policy at all; the controller may describe its agents", async () => {
    assert.deepStrictEqual(findAll(graph, "aws:iam/rolePolicy:RolePolicy", { role: taskRole("pr").id! }), []);
    const controllerTask = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" });
    assert.strictEqual(await describe(policiesOfRole(graph, roleByArn(graph, controllerTask.inputs.taskRoleArn))), "Allowed");
  });
});
