import * as assert from "assert";
import * as path from "path";
import { CI_PROJECT, parseCiSettings } from "../ci/settings";
import { CI_IAM_PATH, DEPLOY_SERVICES, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from "../ci/policies";
import { ConfigError } from "../lib/config/reader";
import { EXEC_KEY_TAG, execKeyPolicy } from "../lib/aws/execPolicies";
import { IAM_PATH } from "../lib/aws/naming";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { PROJECT_ROOT, loadStackConfig, projectFileProblems, readProjectFile } from "../offline/stackConfig";
import { CI_REPOSITORY, Graph, RecordedResource, expectOne, findAll, runCi, runStack } from "./helpers";
import { awsManagedPolicy, decide, policiesOfRole } from "./iam";

const CI_ROOT = path.join(PROJECT_ROOT, "ci");
const REPOSITORY = CI_REPOSITORY;
const ROLE = "aws:iam/role:Role";


/** The trust policy of the CI role named `<prefix>-<id>`. */
const trustOf = (role: RecordedResource) => JSON.parse(role.inputs.assumeRolePolicy);
const ciRole = (graph: Graph, id: string) => graph.resources.find((r) => r.type === ROLE && r.name === `github-${id}`)!;

describe("ci/: GitHub Actions' AWS roles", () => {
  let graph: Graph;
  before(async () => (graph = await runCi()));

  it("its Pulumi.yaml and example stack pass the Pulumi CLI's rules", () => {
    assert.deepStrictEqual(projectFileProblems(readProjectFile(CI_ROOT)), []);
    assert.strictEqual(readProjectFile(CI_ROOT).name, CI_PROJECT);
    assert.strictEqual(loadStackConfig("github", { root: CI_ROOT })[`${CI_PROJECT}:devStack`], "dev");
  });

  it("creates GitHub's OIDC provider for the STS audience", () => {
    expectOne(graph, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE] });
  });

  const trusts = { preview: "StringLike", "deploy-dev": "StringEquals", "deploy-prod": "StringEquals" };
  for (const [id, workflowOperator] of Object.entries(trusts)) {
    it(`${id}: trusts exact aud and sub, job_workflow_ref by ${workflowOperator}, from the provider (ciTrust.test.ts simulates which tokens pass)`, () => {
      const provider = expectOne(graph, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
      const trust = trustOf(ciRole(graph, id));
      assert.strictEqual(trust.Statement.length, 1);
      const [statement] = trust.Statement;
      assert.deepStrictEqual([statement.Effect, statement.Action, statement.Principal], ["Allow", "sts:AssumeRoleWithWebIdentity", { Federated: provider.state.arn }]);
      assert.strictEqual(statement.Condition.StringEquals[`${GITHUB_OIDC_HOST}:aud`], GITHUB_OIDC_AUDIENCE);
      assert.match(statement.Condition.StringEquals[`${GITHUB_OIDC_HOST}:sub`], new RegExp(`^repo:${REPOSITORY}:(pull_request|environment:(dev|prod))$`));
      assert.match(statement.Condition[workflowOperator][`${GITHUB_OIDC_HOST}:job_workflow_ref`], new RegExp(`^${REPOSITORY}/\\.github/workflows/`));
      // At most one wildcard, a pull request's number, and only in the preview role's trust.
      assert.strictEqual((JSON.stringify(trust).match(/[*?]/g) ?? []).length, workflowOperator === "StringLike" ? 1 : 0);
    });
  }

  it("the roles live under their own path, outside the one deployments may manage, with a bounded session", () => {
    for (const id of Object.keys(trusts)) {
      const role = ciRole(graph, id);
      assert.strictEqual(role.inputs.path, CI_IAM_PATH);
      assert.notStrictEqual(CI_IAM_PATH, IAM_PATH);
      assert.ok(!CI_IAM_PATH.startsWith(IAM_PATH) && !IAM_PATH.startsWith(CI_IAM_PATH));
      assert.strictEqual(role.inputs.maxSessionDuration, 3600);
    }
  });

  it("outputs the three role ARNs to paste into GitHub", () => {
    for (const [output, id] of [["previewRoleArn", "preview"], ["deployDevRoleArn", "deploy-dev"], ["deployProdRoleArn", "deploy-prod"]]) {
      assert.strictEqual(graph.outputs[output], ciRole(graph, id).state.arn, output);
    }
  });

  describe("permissions (simulated)", () => {
    const readOnly = awsManagedPolicy("ReadOnlyAccess");
    const deployPolicies = () => policiesOfRole(graph, ciRole(graph, "deploy-prod"));
    const iamArn = (resource: string) => `arn:aws:iam::${MOCK_ACCOUNT}:${resource}`;
    const boundaryOf = (stack: string) => graph.outputs[`${stack}BoundaryArn`] as string;

    it("preview: exactly the AWS managed ReadOnlyAccess, and inline nothing but denials", () => {
      const preview = ciRole(graph, "preview");
      assert.deepStrictEqual(findAll(graph, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: preview.state.name }).map((a) => a.inputs.policyArn), ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
      const statements = findAll(graph, "aws:iam/rolePolicy:RolePolicy", { role: preview.id }).flatMap((p) => JSON.parse(p.inputs.policy).Statement);
      assert.ok(statements.length > 0 && statements.every((s: any) => s.Effect === "Deny"), JSON.stringify(statements));
    });

    it("preview and deploy roles may not read any task of the account (agents' secrets are in their overrides)", async () => {
      const task = `arn:aws:ecs:eu-west-1:${MOCK_ACCOUNT}:task/jenkins-ecs-prod-agents/0123456789abcdef`;
      const preview = [...findAll(graph, "aws:iam/rolePolicy:RolePolicy", { role: ciRole(graph, "preview").id }).map((p) => JSON.parse(p.inputs.policy)), readOnly];
      assert.strictEqual(await decide({ action: "ecs:DescribeTasks", resource: task }, [readOnly]), "Allowed", "ReadOnlyAccess alone allows it");
      assert.strictEqual(await decide({ action: "ecs:DescribeTasks", resource: task }, preview), "ExplicitlyDenied");
      assert.strictEqual(await decide({ action: "ecs:DescribeServices", resource: `arn:aws:ecs:eu-west-1:${MOCK_ACCOUNT}:service/c/s` }, preview), "Allowed");
      for (const id of ["deploy-dev", "deploy-prod"]) {
        const policies = policiesOfRole(graph, ciRole(graph, id));
        assert.strictEqual(await decide({ action: "ecs:DescribeTasks", resource: task }, policies), "ExplicitlyDenied", id);
        assert.strictEqual(await decide({ action: "ecs:UpdateService", resource: `arn:aws:ecs:eu-west-1:${MOCK_ACCOUNT}:service/c/s` }, policies), "Allowed", id);
      }
    });

    it("preview: may describe, is denied any write (ecs:CreateCluster, iam:CreateRole) and secret values", async () => {
      const cluster = `arn:aws:ecs:eu-west-1:${MOCK_ACCOUNT}:cluster/anything`;
      assert.strictEqual(await decide({ action: "ecs:DescribeClusters", resource: cluster }, [readOnly]), "Allowed");
      assert.strictEqual(await decide({ action: "ecs:CreateCluster", resource: "*" }, [readOnly]), "ImplicitlyDenied");
      assert.strictEqual(await decide({ action: "iam:CreateRole", resource: iamArn("role/jenkins-ecs/x") }, [readOnly]), "ImplicitlyDenied");
      assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT}:secret:admin-AbCdEf` }, [readOnly]), "ImplicitlyDenied");
    });

    it("deploy: may create a role under its stack's path /jenkins-ecs/prod/ with its boundary, none elsewhere, and cannot touch the CI roles", async () => {
      const policies = deployPolicies();
      const bounded = { "iam:PermissionsBoundary": boundaryOf("prod") };
      assert.strictEqual(await decide({ action: "iam:CreateRole", resource: iamArn("role/jenkins-ecs/prod/agents-task-1a2b3c4"), context: bounded }, policies), "Allowed");
      assert.strictEqual(await decide({ action: "iam:CreateRole", resource: iamArn("role/agents-task-1a2b3c4"), context: bounded }, policies), "ImplicitlyDenied");
      assert.strictEqual(await decide({ action: "iam:UpdateAssumeRolePolicy", resource: ciRole(graph, "deploy-dev").state.arn }, policies), "ImplicitlyDenied");
      assert.strictEqual(await decide({ action: "iam:CreatePolicy", resource: iamArn("policy/jenkins-ecs/prod/agents-run-1a2b3c4") }, policies), "Allowed");
      assert.strictEqual(await decide({ action: "iam:CreatePolicy", resource: iamArn("policy/anything") }, policies), "ImplicitlyDenied");
    });

    it("deploy: passes its roles to ECS tasks only, and never attaches an administrative policy", async () => {
      const policies = deployPolicies();
      const role = iamArn("role/jenkins-ecs/prod/agents-task-1a2b3c4");
      const bounded = { "iam:PermissionsBoundary": boundaryOf("prod") };
      assert.strictEqual(await decide({ action: "iam:PassRole", resource: role, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } }, policies), "Allowed");
      assert.strictEqual(await decide({ action: "iam:PassRole", resource: role, context: { "iam:PassedToService": "lambda.amazonaws.com" } }, policies), "ImplicitlyDenied");
      assert.strictEqual(await decide({ action: "iam:AttachRolePolicy", resource: role, context: { ...bounded, "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" } }, policies), "Allowed");
      assert.strictEqual(await decide({ action: "iam:AttachRolePolicy", resource: role, context: { ...bounded, "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" } }, policies), "ExplicitlyDenied");
    });

    it("deploy: creates and manages the tagged ECS Exec key, and may never use a key or rewrite a key policy", async () => {
      const policies = deployPolicies();
      const key = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
      const tagged = { [`aws:ResourceTag/${EXEC_KEY_TAG.key}`]: EXEC_KEY_TAG.value };
      // KMS needs the key policy to let IAM count: the exec key's root statement does.
      const keyPolicy = execKeyPolicy({ partition: "aws", region: "eu-west-1", accountId: MOCK_ACCOUNT, logGroupArnPattern: "arn:aws:logs:eu-west-1:123456789012:log-group:x-*" });
      const onKey = (action: string, context: Record<string, string> = {}) => decide({ action, resource: key, context }, policies, keyPolicy, ciRole(graph, "deploy-prod").state.arn);
      assert.strictEqual(await decide({ action: "kms:CreateKey", resource: "*", context: { [`aws:RequestTag/${EXEC_KEY_TAG.key}`]: EXEC_KEY_TAG.value, "aws:TagKeys": [EXEC_KEY_TAG.key] } }, policies), "Allowed");
      assert.strictEqual(await decide({ action: "kms:CreateKey", resource: "*" }, policies), "ImplicitlyDenied");
      assert.strictEqual(await onKey("kms:ScheduleKeyDeletion", tagged), "Allowed");
      assert.strictEqual(await onKey("kms:EnableKeyRotation", tagged), "Allowed");
      assert.strictEqual(await onKey("kms:ScheduleKeyDeletion"), "ImplicitlyDenied", "a key without the tag");
      for (const action of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:PutKeyPolicy", "kms:CreateGrant"]) {
        assert.strictEqual(await onKey(action, tagged), "ImplicitlyDenied", action);
      }
    });

    it("deploy: may manage every kind of resource pulumi up of jenkins-ecs registers", async () => {
      // Provider module -> the AWS API it calls.
      const api: Record<string, string> = {
        ec2: "ec2", vpc: "ec2", ecs: "ecs", lb: "elasticloadbalancing", efs: "elasticfilesystem", ecr: "ecr", iam: "iam",
        secretsmanager: "secretsmanager", servicediscovery: "servicediscovery", route53: "route53", acm: "acm", sns: "sns", s3: "s3", kms: "kms",
      };
      const cloudwatch: Record<string, string> = { logGroup: "logs", logMetricFilter: "logs", logResourcePolicy: "logs", metricAlarm: "cloudwatch", dashboard: "cloudwatch", eventRule: "events", eventTarget: "events" };
      // IAM, KMS and Secrets Manager are granted on the stack's own names only (ciBoundary.test.ts).
      const allowed = new Set([...DEPLOY_SERVICES.map(([s]) => s), "iam", "kms", "secretsmanager"]);
      const variants = [
        await runStack("dev"),
        await runStack("prod", { "jenkins-ecs:vpcEndpoints": "true", "jenkins-ecs:alarmEmail": "oncall@example.com" }),
        await runStack("dev", { "jenkins-ecs:certificateArn": undefined, "jenkins-ecs:domainName": "jenkins.example.com", "jenkins-ecs:hostedZoneId": "Z0123456789ABCDEFGHIJ" }),
      ];
      const types = new Set(variants.flatMap((g) => g.resources.filter((r) => r.custom).map((r) => r.type)));
      for (const type of types) {
        const match = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):/.exec(type);
        if (!match) continue; // awsx components (their children are ec2/ecr) and random
        const service = match[1] === "cloudwatch" ? cloudwatch[match[2]] : api[match[1]];
        assert.ok(service, `${type}: which AWS API does it call? add it to this table`);
        assert.ok(allowed.has(service), `${type} needs ${service}:*, which the deploy roles lack`);
      }
      // awsx's VPC creates EIPs, NAT and internet gateways, subnets and routes: all ec2. Its
      // image builds push to ECR.
      for (const service of ["ec2", "ecr"]) assert.ok(allowed.has(service));
    });
  });
});

describe("ci/: adopting an existing OIDC provider", () => {
  it("creates none, and every trust names the given provider", async () => {
    const existing = `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const graph = await runCi({ [`${CI_PROJECT}:oidcProviderArn`]: existing });
    assert.deepStrictEqual(findAll(graph, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"), []);
    for (const id of ["preview", "deploy-dev", "deploy-prod"]) assert.strictEqual(trustOf(ciRole(graph, id)).Statement[0].Principal.Federated, existing);
  });
});

describe("ci/: config", () => {
  const base = { "aws:region": "eu-west-1", [`${CI_PROJECT}:githubRepository`]: REPOSITORY };
  const rejected: [string, Record<string, string>, string, string][] = [
    ["no repository", { [`${CI_PROJECT}:githubRepository`]: "" }, `${CI_PROJECT}:githubRepository`, "is required"],
    ["a repository URL", { [`${CI_PROJECT}:githubRepository`]: "https://github.com/acme/jenkins-ecs" }, `${CI_PROJECT}:githubRepository`, '"<owner>/<repository>"'],
    ["a wildcard repository", { [`${CI_PROJECT}:githubRepository`]: "acme/*" }, `${CI_PROJECT}:githubRepository`, '"<owner>/<repository>"'],
    ["another provider", { [`${CI_PROJECT}:oidcProviderArn`]: "arn:aws:iam::123456789012:oidc-provider/accounts.google.com" }, `${CI_PROJECT}:oidcProviderArn`, "GitHub's OIDC provider"],
    ["one stack for both roles", { [`${CI_PROJECT}:prodStack`]: "dev" }, `${CI_PROJECT}:prodStack`, "one role per environment"],
    ["a session longer than IAM allows", { [`${CI_PROJECT}:maxSessionHours`]: "13" }, `${CI_PROJECT}:maxSessionHours`, "1 to 12"],
    ["a misspelt key", { [`${CI_PROJECT}:githubRepo`]: "acme/x" }, `${CI_PROJECT}:githubRepo`, "unknown key"],
  ];
  for (const [what, overrides, key, allowed] of rejected) {
    it(`refuses ${what}, naming ${key}`, () => {
      assert.throws(
        () => parseCiSettings({ ...base, ...overrides }, "github"),
        (err: ConfigError) => err.problems.some((p) => p.startsWith(`${key}:`) && p.includes(allowed)),
      );
    });
  }
});

describe("the main program's IAM lives under its stack's own path /jenkins-ecs/<stack>/", () => {
  it("every aws.iam.Role and aws.iam.Policy of dev and prod has path /jenkins-ecs/<stack>/, and its ARN shows it", async () => {
    for (const stack of ["dev", "prod"]) {
      const graph = await runStack(stack);
      const iam = graph.resources.filter((r) => r.type === ROLE || r.type === "aws:iam/policy:Policy");
      assert.ok(iam.length >= 5);
      for (const r of iam) {
        assert.strictEqual(r.inputs.path, `${IAM_PATH}${stack}/`, r.name);
        assert.match(r.state.arn, new RegExp(`:(role|policy)${IAM_PATH}${stack}/`), r.name);
      }
    }
  });
});
