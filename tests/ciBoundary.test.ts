/**
 * Issue 22, "a deploy role cannot grant more than it has", simulated both ways: the deploy role
 * of dev can still run dev's whole `pulumi up`, and neither it nor any role it could create can
 * reach prod, change IAM beyond its stack's bounded roles, or open a shell in a task.
 */
import * as assert from "assert";
import { CONTROLLER_TASK_ROLE_PREFIX, STACK_TAG_KEY } from "../lib/aws/naming";
import { MANAGED_POLICY_MAX_CHARS, MOCK_ACCOUNT, createMocks, enforceBoundaryArn, policyChars } from "../offline/mocks";
import { Graph, errorOf, findAll, runCi, runStack, runWithConfig, stackConfig } from "./helpers";
import { ConfigError } from "../lib/config/reader";
import { Decision, Request, decide, policiesOfRole } from "./iam";

const ROLE = "aws:iam/role:Role";
const iamArn = (resource: string) => `arn:aws:iam::${MOCK_ACCOUNT}:${resource}`;
const taggedFor = (stack: string) => ({ [`aws:ResourceTag/${STACK_TAG_KEY}`]: stack });
const taggingFor = (stack: string) => ({ [`aws:RequestTag/${STACK_TAG_KEY}`]: stack, "aws:TagKeys": [STACK_TAG_KEY] });
/** A concrete resource a pattern matches (a log group's `:*` is its streams). */
const concrete = (pattern: string) => pattern.replace(/(:log-group:[^:]+):\*$/, "$1:log-stream:x").replace(/\*/g, "x");
/** Request context that meets a statement's (positive) conditions: each key's first value, made concrete. */
const contextMeeting = (condition: Record<string, Record<string, string | string[]>> = {}) =>
  Object.fromEntries(Object.values(condition).flatMap((keys) => Object.entries(keys).map(([key, value]) => [key, concrete([value].flat()[0])])));
const controllerTask = (stack: string) => `arn:aws:ecs:eu-west-1:${MOCK_ACCOUNT}:task/jenkins-ecs-${stack}/0123456789abcdef0123456789abcdef`;

describe("permissions boundaries and per-stack scope of the deploy roles (simulated)", () => {
  let ci: Graph;
  let dev: Graph;
  let prod: Graph;
  let deployDev: object[];
  before(async () => {
    ci = await runCi();
    dev = await runStack("dev");
    prod = await runStack("prod");
    deployDev = policiesOfRole(ci, ci.resources.find((r) => r.type === ROLE && r.name === "github-deploy-dev")!);
  });
  const boundaryOf = (stack: string) => ci.resources.find((r) => r.type === "aws:iam/policy:Policy" && r.state.arn === ci.outputs[`${stack}BoundaryArn`])!;
  const asDeployDev = (request: Request) => decide(request, deployDev);
  const adminSecret = (graph: Graph) => findAll(graph, "aws:secretsmanager/secret:Secret").find((s) => s.name.endsWith("-admin"))!;

  it("each stack file's permissionsBoundary is the boundary the ci/ program creates for it, outside every deploy role's path", () => {
    for (const [stack, graph] of [["dev", dev], ["prod", prod]] as const) {
      const roles = findAll(graph, ROLE);
      assert.ok(roles.length >= 4, stack);
      for (const role of roles) assert.strictEqual(role.inputs.permissionsBoundary, ci.outputs[`${stack}BoundaryArn`], `${stack} ${role.name}`);
      assert.match(boundaryOf(stack).state.arn, /:policy\/jenkins-ecs-boundary\//);
    }
  });

  describe("deploy-dev can still run dev's pulumi up", () => {
    it("creates each of dev's roles with dev's boundary, and puts and attaches their policies", async () => {
      const bounded = { "iam:PermissionsBoundary": ci.outputs.devBoundaryArn as string, ...taggingFor("dev") };
      for (const role of findAll(dev, ROLE)) {
        assert.strictEqual(await asDeployDev({ action: "iam:CreateRole", resource: role.state.arn, context: bounded }), "Allowed", role.name);
        assert.strictEqual(await asDeployDev({ action: "iam:PassRole", resource: role.state.arn, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } }), "Allowed", role.name);
      }
      for (const policy of findAll(dev, "aws:iam/rolePolicy:RolePolicy")) {
        const role = dev.resources.find((r) => r.type === ROLE && r.id === policy.inputs.role)!;
        assert.strictEqual(await asDeployDev({ action: "iam:PutRolePolicy", resource: role.state.arn, context: bounded }), "Allowed", policy.name);
      }
      for (const policy of findAll(dev, "aws:iam/policy:Policy")) {
        assert.strictEqual(await asDeployDev({ action: "iam:CreatePolicy", resource: policy.state.arn, context: taggingFor("dev") }), "Allowed", policy.name);
      }
    });

    it("creates dev's admin secret under its prefix, and verify reads it", async () => {
      const secret = adminSecret(dev).state.arn;
      assert.match(secret, /:secret:jenkins-ecs-admin\/dev\//);
      assert.strictEqual(await asDeployDev({ action: "secretsmanager:CreateSecret", resource: secret, context: taggingFor("dev") }), "Allowed");
      assert.strictEqual(await asDeployDev({ action: "secretsmanager:GetSecretValue", resource: secret, context: taggedFor("dev") }), "Allowed");
    });

    it("manages resources tagged for dev, and untagged ones", async () => {
      const efs = `arn:aws:elasticfilesystem:eu-west-1:${MOCK_ACCOUNT}:file-system/fs-0123456789abcdef0`;
      assert.strictEqual(await asDeployDev({ action: "elasticfilesystem:PutFileSystemPolicy", resource: efs, context: taggedFor("dev") }), "Allowed");
      assert.strictEqual(await asDeployDev({ action: "elasticfilesystem:PutFileSystemPolicy", resource: efs }), "Allowed");
      assert.strictEqual(await asDeployDev({ action: "ec2:CreateVpc", resource: `arn:aws:ec2:eu-west-1:${MOCK_ACCOUNT}:vpc/*`, context: taggingFor("dev") }), "Allowed");
    });
  });

  describe("deploy-dev cannot reach prod, nor grant more than it has", () => {
    const denied = (d: Decision) => d !== "Allowed";

    it("no role, policy or secret of prod's", async () => {
      const prodRole = findAll(prod, ROLE)[0].state.arn;
      assert.match(prodRole, /:role\/jenkins-ecs\/prod\//);
      const withProdBoundary = { "iam:PermissionsBoundary": ci.outputs.prodBoundaryArn as string };
      for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole"]) {
        assert.ok(denied(await asDeployDev({ action, resource: prodRole, context: withProdBoundary })), action);
      }
      assert.ok(denied(await asDeployDev({ action: "iam:PassRole", resource: prodRole, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } })));
      assert.ok(denied(await asDeployDev({ action: "iam:CreatePolicyVersion", resource: findAll(prod, "aws:iam/policy:Policy")[0].state.arn })));
      for (const action of ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:PutResourcePolicy"]) {
        assert.ok(denied(await asDeployDev({ action, resource: adminSecret(prod).state.arn })), action);
      }
    });

    it("nothing that carries prod's tag, and cannot tag anything as prod's", async () => {
      const efs = `arn:aws:elasticfilesystem:eu-west-1:${MOCK_ACCOUNT}:file-system/fs-0123456789abcdef0`;
      assert.strictEqual(await asDeployDev({ action: "elasticfilesystem:PutFileSystemPolicy", resource: efs, context: taggedFor("prod") }), "ExplicitlyDenied");
      assert.strictEqual(await asDeployDev({ action: "elasticfilesystem:DeleteFileSystem", resource: efs, context: taggedFor("prod") }), "ExplicitlyDenied");
      assert.strictEqual(await asDeployDev({ action: "ecs:UpdateService", resource: `arn:aws:ecs:eu-west-1:${MOCK_ACCOUNT}:service/c/s`, context: taggedFor("prod") }), "ExplicitlyDenied");
      assert.strictEqual(await asDeployDev({ action: "ec2:CreateTags", resource: `arn:aws:ec2:eu-west-1:${MOCK_ACCOUNT}:security-group/sg-0123`, context: taggingFor("prod") }), "ExplicitlyDenied");
    });

    it("no shell in any task, dev's or prod's", async () => {
      for (const stack of ["dev", "prod"]) {
        assert.strictEqual(await asDeployDev({ action: "ecs:ExecuteCommand", resource: controllerTask(stack) }), "ExplicitlyDenied", stack);
      }
    });

    it("no role without dev's boundary: none unbounded, none with prod's or an AWS managed policy as boundary", async () => {
      const role = iamArn("role/jenkins-ecs/dev/anything");
      for (const boundary of [undefined, ci.outputs.prodBoundaryArn as string, "arn:aws:iam::aws:policy/AdministratorAccess", iamArn("policy/jenkins-ecs/dev/mine")]) {
        const context: Record<string, string> = boundary ? { "iam:PermissionsBoundary": boundary } : {};
        for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]) {
          assert.ok(denied(await asDeployDev({ action, resource: role, context })), `${action} with boundary ${boundary}`);
        }
      }
      assert.strictEqual(await asDeployDev({ action: "iam:DeleteRolePermissionsBoundary", resource: role }), "ExplicitlyDenied");
    });

    it("cannot change or delete a boundary", async () => {
      for (const stack of ["dev", "prod"]) {
        for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion"]) {
          assert.strictEqual(await asDeployDev({ action, resource: boundaryOf(stack).state.arn }), "ExplicitlyDenied", `${action} ${stack}`);
        }
      }
    });
  });

  describe("a role deploy-dev could create, holding `*:*`, is held by dev's boundary", () => {
    const everything = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
    const asBounded = (request: Request) => decide(request, [everything], undefined, iamArn("role/jenkins-ecs/dev/escalate"), JSON.parse(boundaryOf("dev").inputs.policy));

    it("changes no IAM and assumes no role of the account", async () => {
      const requests: Request[] = [
        ...["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary"].map((action) => ({ action, resource: iamArn("role/jenkins-ecs/dev/anything") })),
        ...["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"].map((action) => ({ action, resource: iamArn("user/anyone") })),
        { action: "iam:CreatePolicyVersion", resource: iamArn("policy/jenkins-ecs/dev/anything") },
      ];
      for (const request of requests) assert.ok((await asBounded(request)) !== "Allowed", request.action);
      assert.ok((await asBounded({ action: "sts:AssumeRole", resource: iamArn("role/OrganizationAdmin") })) !== "Allowed");
      assert.strictEqual(await asBounded({ action: "sts:AssumeRole", resource: "arn:aws:iam::210987654321:role/deploy" }), "Allowed", "other accounts' roles decide on their own");
    });

    it("opens no shell, touches nothing of prod's, passes only dev's roles", async () => {
      assert.ok((await asBounded({ action: "ecs:ExecuteCommand", resource: controllerTask("dev") })) !== "Allowed");
      assert.ok((await asBounded({ action: "secretsmanager:GetSecretValue", resource: adminSecret(prod).state.arn, context: taggedFor("prod") })) !== "Allowed");
      assert.ok((await asBounded({ action: "iam:PassRole", resource: findAll(prod, ROLE)[0].state.arn })) !== "Allowed");
      assert.strictEqual(await asBounded({ action: "iam:PassRole", resource: findAll(dev, ROLE)[0].state.arn }), "Allowed");
    });

    it("reads no task, so no agent's secret; only dev's controller may", async () => {
      const task = `arn:aws:ecs:eu-west-1:${MOCK_ACCOUNT}:task/jenkins-ecs-dev-agents/0123456789abcdef`;
      assert.ok((await asBounded({ action: "ecs:DescribeTasks", resource: task })) !== "Allowed");
      const controller = findAll(dev, ROLE).find((r) => r.name === "controller-task")!;
      assert.ok(controller.state.name.startsWith(CONTROLLER_TASK_ROLE_PREFIX), controller.state.name);
      const asController = await decide({ action: "ecs:DescribeTasks", resource: task }, [everything], undefined, controller.state.arn, JSON.parse(boundaryOf("dev").inputs.policy));
      assert.strictEqual(asController, "Allowed");
      for (const agent of findAll(dev, ROLE).filter((r) => r.name.startsWith("agents-") && r.name.endsWith("-task"))) {
        assert.ok((await decide({ action: "ecs:DescribeTasks", resource: task }, [everything], undefined, agent.state.arn, JSON.parse(boundaryOf("dev").inputs.policy))) !== "Allowed", agent.name);
      }
    });

    it("leaves what dev's own roles are granted as it was", async () => {
      // Every allowed action of dev's roles on a concrete resource: the same decision with and
      // without the boundary (the boundary must not break the controller or the agents).
      let checked = 0;
      for (const role of findAll(dev, ROLE)) {
        const policies = policiesOfRole(dev, role);
        const requests: Request[] = policies
          .flatMap((p: any) => p.Statement)
          .filter((s: any) => s.Effect === "Allow" && !Object.keys(s.Condition ?? {}).some((op) => op.startsWith("Null") || op.includes("Not")))
          .flatMap((s: any) =>
            [s.Action].flat().flatMap((action: string) => [s.Resource].flat().map((resource: string) => ({ action, resource, context: contextMeeting(s.Condition) }))),
          )
          .filter((r: Request) => !r.action.includes("*") && r.resource !== "*")
          .map((r: Request) => ({ ...r, resource: concrete(r.resource) }));
        for (const request of requests) {
          const unbounded = await decide(request, policies, undefined, role.state.arn);
          const bounded = await decide(request, policies, undefined, role.state.arn, JSON.parse(boundaryOf("dev").inputs.policy));
          assert.strictEqual(bounded, unbounded, `${role.name}: ${request.action} on ${request.resource}`);
          if (bounded === "Allowed") checked++;
        }
      }
      assert.ok(checked >= 10, `only ${checked} allowed requests checked`);
    });
  });
});

describe("the mocks refuse a permissions boundary as CreateRole does", () => {
  it("takes a managed policy's ARN of the partition, the account's or AWS's, and nothing else", () => {
    for (const ok of [`arn:aws:iam::${MOCK_ACCOUNT}:policy/jenkins-ecs-boundary/dev`, "arn:aws:iam::aws:policy/PowerUserAccess", undefined]) enforceBoundaryArn(ok, "aws");
    for (const bad of ["jenkins-ecs-boundary/dev", `arn:aws:iam::${MOCK_ACCOUNT}:role/x`, `arn:aws-cn:iam::${MOCK_ACCOUNT}:policy/b`, 42]) {
      assert.throws(() => enforceBoundaryArn(bad, "aws"), /managed policy/, String(bad));
    }
  });
});

describe("a stack that names a boundary the account lacks", () => {
  it("stops before any resource, naming the key, the ARN, and deploying ci/ first", async () => {
    const error = await errorOf(() => runWithConfig("dev", stackConfig("dev"), undefined, { hasPolicy: () => false }));
    assert.ok(error instanceof ConfigError, String(error));
    const [problem] = error.problems;
    assert.match(problem, /^jenkins-ecs:permissionsBoundary: arn:aws:iam::\d{12}:policy\/jenkins-ecs-boundary\/dev is not a policy of this account/);
    assert.match(problem, /deploy ci\/ first/);
  });

  it("an ARN given in full is looked up as given", async () => {
    const arn = `arn:aws:iam::${MOCK_ACCOUNT}:policy/org/our-boundary`;
    const config = { ...stackConfig("dev"), "jenkins-ecs:permissionsBoundary": arn };
    const graph = await runWithConfig("dev", config, undefined, { hasPolicy: (a) => a === arn });
    for (const role of findAll(graph, ROLE)) assert.strictEqual(role.inputs.permissionsBoundary, arn, role.name);
  });
});

describe("the mocks refuse IAM policies beyond IAM's size quotas", () => {
  const statement = (i: number) => ({ Sid: `S${i}`, Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::bucket-${"x".repeat(20)}/${i}` });
  const document = (statements: number) => JSON.stringify({ Version: "2012-10-17", Statement: Array.from({ length: statements }, (_, i) => statement(i)) });
  const mocks = createMocks("eu-west-1");
  const create = (type: string, name: string, inputs: Record<string, unknown>) => mocks.newResource({ type, name, inputs, custom: true } as any);

  it("a managed policy over 6,144 characters (white space not counted)", () => {
    const fits = document(50);
    assert.ok(policyChars(fits) <= MANAGED_POLICY_MAX_CHARS);
    create("aws:iam/policy:Policy", "fits", { policy: JSON.stringify(JSON.parse(fits), null, 8) });
    assert.throws(() => create("aws:iam/policy:Policy", "big", { policy: document(80) }), /IAM allows 6144/);
  });

  it("a role's inline policies over 10,240 characters together", () => {
    create("aws:iam/rolePolicy:RolePolicy", "a", { role: "r", policy: document(60) });
    assert.throws(() => create("aws:iam/rolePolicy:RolePolicy", "b", { role: "r", policy: document(60) }), /IAM allows 10240/);
    create("aws:iam/rolePolicy:RolePolicy", "c", { role: "other", policy: document(60) });
  });
});
