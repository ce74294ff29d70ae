import * as assert from "assert";
import { Graph, expectOne, runStack } from "./helpers";
import { decide, policiesOfRole, roleByArn } from "./iam";
import { AgentCloudSettings } from "../lib/jenkins/cloud";
import { MOCK_ACCOUNT } from "../offline/mocks";

const ecs = (resource: string) => `arn:aws:ecs:eu-west-1:${MOCK_ACCOUNT}:${resource}`;

describe("IAM for running agents (simulated)", () => {
  let graph: Graph;
  let cloud: AgentCloudSettings;
  let agents: Record<string, any>;
  let controller: object[];
  /** Every template's execution and task role policies. */
  let templateRoles: { label: string; executionRoleArn: string; taskRoleArn: string; execution: object[]; task: object[] }[];
  let agentCluster: { arn: string; name: string };
  let controllerCluster: { arn: string; name: string };
  let controllerRoles: string[];
  let agentTaskDefinition: string;

  before(async () => {
    graph = await runStack("prod");
    agents = expectOne(graph, "jenkins-ecs:agents:Agents").state;
    cloud = agents.cloud;
    const controllerTask = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-prod-controller" });
    controllerRoles = [controllerTask.inputs.executionRoleArn, controllerTask.inputs.taskRoleArn];
    controller = policiesOfRole(graph, roleByArn(graph, controllerTask.inputs.taskRoleArn));
    templateRoles = agents.roles.map((r: { label: string; executionRoleArn: string; taskRoleArn: string }) => ({
      ...r,
      execution: policiesOfRole(graph, roleByArn(graph, r.executionRoleArn)),
      task: policiesOfRole(graph, roleByArn(graph, r.taskRoleArn)),
    }));
    const clusterOf = (arn: string) => {
      const cluster = graph.resources.find((r) => r.type === "aws:ecs/cluster:Cluster" && r.state.arn === arn)!;
      return { arn, name: cluster.state.name as string };
    };
    agentCluster = clusterOf(cloud.clusterArn);
    controllerCluster = clusterOf(expectOne(graph, "aws:ecs/service:Service").inputs.cluster);
    agentTaskDefinition = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: cloud.templates[0].family }).state.arn;
  });

  const runTask = (taskDefinitionArn: string, clusterArn: string) => ({
    action: "ecs:RunTask",
    resource: taskDefinitionArn,
    context: { "ecs:cluster": clusterArn },
  });

  describe("the controller's task role", () => {
    it("may RunTask every agent task definition in the agents' cluster", async () => {
      for (const template of cloud.templates) {
        const arn = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: template.family }).state.arn;
        assert.strictEqual(await decide(runTask(arn, agentCluster.arn), controller), "Allowed", template.family);
      }
    });

    it("may not RunTask in the controller's cluster", async () => {
      assert.strictEqual(await decide(runTask(agentTaskDefinition, controllerCluster.arn), controller), "ImplicitlyDenied");
    });

    it("may not RunTask in any other cluster", async () => {
      assert.strictEqual(await decide(runTask(agentTaskDefinition, ecs("cluster/someone-elses")), controller), "ImplicitlyDenied");
    });

    it("may not RunTask another task-definition family, not even its own controller's", async () => {
      assert.strictEqual(await decide(runTask(ecs("task-definition/jenkins-ecs-prod-controller:1"), agentCluster.arn), controller), "ImplicitlyDenied");
      assert.strictEqual(await decide(runTask(ecs("task-definition/cryptominer:1"), agentCluster.arn), controller), "ImplicitlyDenied");
    });

    it("may describe and stop tasks in the agents' cluster only", async () => {
      for (const action of ["ecs:DescribeTasks", "ecs:StopTask"]) {
        const agentTask = { action, resource: ecs(`task/${agentCluster.name}/0123456789abcdef`), context: { "ecs:cluster": agentCluster.arn } };
        const controllerTask = { action, resource: ecs(`task/${controllerCluster.name}/0123456789abcdef`), context: { "ecs:cluster": controllerCluster.arn } };
        assert.strictEqual(await decide(agentTask, controller), "Allowed", action);
        assert.strictEqual(await decide(controllerTask, controller), "ImplicitlyDenied", action);
      }
    });

    it("may tag agent tasks only while RunTask creates them", async () => {
      const task = ecs(`task/${agentCluster.name}/0123456789abcdef`);
      assert.strictEqual(await decide({ action: "ecs:TagResource", resource: task, context: { "ecs:CreateAction": "RunTask" } }, controller), "Allowed");
      assert.strictEqual(await decide({ action: "ecs:TagResource", resource: task }, controller), "ImplicitlyDenied");
    });

    it("may read the agent task definitions", async () => {
      assert.strictEqual(await decide({ action: "ecs:DescribeTaskDefinition", resource: "*" }, controller), "Allowed");
      assert.strictEqual(await decide({ action: "ecs:ListTagsForResource", resource: agentTaskDefinition }, controller), "Allowed");
    });

    it("may pass exactly the templates' roles, to ECS tasks only", async () => {
      const toEcs = { "iam:PassedToService": "ecs-tasks.amazonaws.com" };
      assert.deepStrictEqual(templateRoles.map((r) => r.label), cloud.templates.map((t) => t.label), "one pair of roles per template");
      const passable = JSON.parse(graph.resources.find((r) => r.type === "aws:iam/policy:Policy" && r.state.arn === agents.runAgentsPolicyArn)!.inputs.policy).Statement.find((st: any) => st.Action === "iam:PassRole").Resource;
      assert.deepStrictEqual([...passable].sort(), templateRoles.flatMap((r) => [r.executionRoleArn, r.taskRoleArn]).sort());
      for (const role of templateRoles.flatMap((r) => [r.executionRoleArn, r.taskRoleArn])) {
        assert.strictEqual(await decide({ action: "iam:PassRole", resource: role, context: toEcs }, controller), "Allowed");
        assert.strictEqual(await decide({ action: "iam:PassRole", resource: role, context: { "iam:PassedToService": "lambda.amazonaws.com" } }, controller), "ImplicitlyDenied");
      }
      for (const role of [...controllerRoles, `arn:aws:iam::${MOCK_ACCOUNT}:role/admin`]) {
        assert.strictEqual(await decide({ action: "iam:PassRole", resource: role, context: toEcs }, controller), "ImplicitlyDenied", role);
      }
    });

    it("may not register task definitions (the plugin runs Pulumi's)", async () => {
      assert.strictEqual(await decide({ action: "ecs:RegisterTaskDefinition", resource: "*" }, controller), "ImplicitlyDenied");
    });
  });

  describe("the agents' roles", () => {
    const forbidden = [
      { action: "ecs:RunTask", resource: ecs("task-definition/jenkins-ecs-prod-agent-ecs:1"), context: {} as Record<string, string> },
      { action: "ecs:StopTask", resource: ecs("task/any/0123"), context: {} },
      { action: "ecs:RegisterTaskDefinition", resource: "*", context: {} },
      { action: "iam:PassRole", resource: `arn:aws:iam::${MOCK_ACCOUNT}:role/any`, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      { action: "iam:CreateRole", resource: `arn:aws:iam::${MOCK_ACCOUNT}:role/any`, context: {} },
    ];
    for (const request of forbidden) {
      it(`cannot call ${request.action}`, async () => {
        request.context["ecs:cluster"] = cloud.clusterArn;
        for (const roles of templateRoles) {
          assert.strictEqual(await decide(request, roles.execution), "ImplicitlyDenied", `${roles.label}: execution role`);
          assert.strictEqual(await decide(request, roles.task), "ImplicitlyDenied", `${roles.label}: task role`);
        }
      });
    }
  });
});
