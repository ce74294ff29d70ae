/** IAM policy simulation helpers (offline, @cloud-copilot/iam-simulate). */
import * as assert from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { Graph, RecordedResource, findAll } from "./helpers";

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** Evaluates `request` for a principal holding `identityPolicies` (and a resource policy). */
export async function decide(request: Request, identityPolicies: object[], resourcePolicy?: object, principal = `arn:aws:iam::${MOCK_ACCOUNT}:role/test`): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: MOCK_ACCOUNT },
        contextVariables: request.context ?? {},
      },
      identityPolicies: identityPolicies.map((policy, i) => ({ name: `policy${i}`, policy })),
      resourcePolicy,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") assert.fail(`simulation rejected the request or a policy: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

/** Every policy document a role holds: inline policies and attached customer-managed ones. */
export function policiesOfRole(graph: Graph, role: RecordedResource): object[] {
  const inline = findAll(graph, "aws:iam/rolePolicy:RolePolicy", { role: role.id! }).map((p) => JSON.parse(p.inputs.policy));
  const attached = findAll(graph, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: role.id! }).map((a) => {
    const policy = graph.resources.find((r) => r.type === "aws:iam/policy:Policy" && r.state.arn === a.inputs.policyArn);
    assert.ok(policy, `attachment ${a.name} names ${a.inputs.policyArn}, which is not a policy of this stack`);
    return JSON.parse(policy.inputs.policy);
  });
  return [...inline, ...attached];
}

/** The role whose ARN is `arn`. */
export function roleByArn(graph: Graph, arn: string): RecordedResource {
  const role = graph.resources.find((r) => r.type === "aws:iam/role:Role" && r.state.arn === arn);
  assert.ok(role, `no role has ARN ${arn}`);
  return role;
}

/** Whether ECS tasks of `account` (in eu-west-1) may assume the role whose trust policy is `trust`. */
export async function ecsTasksMayAssume(trust: object, roleArn: string, account: string): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: "ecs-tasks.amazonaws.com",
        action: "sts:AssumeRole",
        resource: { resource: roleArn, accountId: MOCK_ACCOUNT },
        contextVariables: { "aws:SourceAccount": account, "aws:SourceArn": `arn:aws:ecs:eu-west-1:${account}:task/cluster/0123` },
      },
      identityPolicies: [],
      resourcePolicy: trust,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") assert.fail(`simulation rejected the trust policy: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}
