import * as assert from "assert";
import { Graph, runStack } from "./helpers";
import { decide, policiesOfRole, roleByArn } from "./iam";
import { MOCK_ACCOUNT } from "../offline/mocks";

const REGION = "eu-west-1";
const secret = (name: string) => `arn:aws:secretsmanager:${REGION}:${MOCK_ACCOUNT}:secret:${name}-AbCdEf`;
const repository = (name: string) => `arn:aws:ecr:${REGION}:${MOCK_ACCOUNT}:repository/${name}`;

describe("per-template permissions (simulated)", () => {
  let graph: Graph;
  let policies: (label: string, kind: "executionRoleArn" | "taskRoleArn") => object[];
  before(async () => {
    graph = await runStack("dev", {
      "jenkins-ecs:agents": JSON.stringify([
        { label: "pr", spot: true },
        { label: "build", secrets: { NPM_TOKEN: secret("npm-token"), DB_USER: `${secret("db")}:username::` } },
        { label: "image", permissions: { ecrPush: ["team/app"] }, secrets: { REGISTRY: secret("registry") }, kaniko: true },
      ]),
    });
    const roles: { label: string; executionRoleArn: string; taskRoleArn: string }[] = graph.resources.find((r) => r.type === "jenkins-ecs:agents:Agents")!.state.roles;
    policies = (label, kind) => policiesOfRole(graph, roleByArn(graph, roles.find((r) => r.label === label)![kind]));
  });

  it("pr: its builds can call nothing in AWS", async () => {
    const pr = policies("pr", "taskRoleArn");
    assert.deepStrictEqual(pr, []);
    for (const [action, resource] of [
      ["s3:GetObject", "arn:aws:s3:::any/key"],
      ["ecr:PutImage", repository("team/app")],
      ["secretsmanager:GetSecretValue", secret("npm-token")],
      ["sts:AssumeRole", `arn:aws:iam::${MOCK_ACCOUNT}:role/any`],
    ]) {
      assert.strictEqual(await decide({ action, resource }, pr), "ImplicitlyDenied", action);
    }
  });

  it("image: may push to its repository and to no other", async () => {
    const image = policies("image", "taskRoleArn");
    for (const action of ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchCheckLayerAvailability"]) {
      assert.strictEqual(await decide({ action, resource: repository("team/app") }, image), "Allowed", action);
      assert.strictEqual(await decide({ action, resource: repository("team/other") }, image), "ImplicitlyDenied", action);
      assert.strictEqual(await decide({ action, resource: `arn:aws:ecr:us-east-1:${MOCK_ACCOUNT}:repository/team/app` }, image), "ImplicitlyDenied", `${action} in another region`);
    }
    assert.strictEqual(await decide({ action: "ecr:GetAuthorizationToken", resource: "*" }, image), "Allowed");
    assert.strictEqual(await decide({ action: "ecr:DeleteRepository", resource: repository("team/app") }, image), "ImplicitlyDenied");
    assert.strictEqual(await decide({ action: "ecr:PutImage", resource: repository("team/app") }, policies("build", "taskRoleArn")), "ImplicitlyDenied", "build may not push");
  });

  it("each execution role can read its own template's secrets only, a JSON key's secret included", async () => {
    const read = (label: string, name: string) => decide({ action: "secretsmanager:GetSecretValue", resource: secret(name) }, policies(label, "executionRoleArn"));
    assert.strictEqual(await read("build", "npm-token"), "Allowed");
    assert.strictEqual(await read("build", "db"), "Allowed");
    assert.strictEqual(await read("build", "registry"), "ImplicitlyDenied");
    assert.strictEqual(await read("image", "registry"), "Allowed");
    assert.strictEqual(await read("image", "npm-token"), "ImplicitlyDenied");
    for (const name of ["npm-token", "db", "registry"]) assert.strictEqual(await read("pr", name), "ImplicitlyDenied", `pr: ${name}`);
  });

  it("each execution role can pull its tasks' images (the agent's, and kaniko's) from the stack's repository, and push nowhere", async () => {
    const stackRepository = graph.resources.find((r) => r.type === "aws:ecr/repository:Repository" && r.parent?.endsWith("::agent-images"))!.state.arn as string;
    for (const label of ["pr", "build", "image"]) {
      const execution = policies(label, "executionRoleArn");
      for (const action of ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]) {
        assert.strictEqual(await decide({ action, resource: stackRepository }, execution), "Allowed", `${label}: ${action}`);
        assert.strictEqual(await decide({ action, resource: repository("team/app") }, execution), "ImplicitlyDenied", `${label}: ${action} of another repository`);
      }
      assert.strictEqual(await decide({ action: "ecr:PutImage", resource: stackRepository }, execution), "ImplicitlyDenied", `${label} pushes nothing`);
    }
  });

  it("no task role may read a secret: only ECS, through the execution role, injects them", async () => {
    for (const label of ["pr", "build", "image"]) {
      assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: secret("npm-token") }, policies(label, "taskRoleArn")), "ImplicitlyDenied", label);
    }
  });
});
