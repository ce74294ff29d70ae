import * as assert from "assert";
import YAML from "yaml";
import { Graph, expectOne, runStack } from "./helpers";
import { decide, policiesOfRole, roleByArn } from "./iam";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { credentialsPrefix } from "../lib/aws/naming";
import { pipelineCredentialsPolicy } from "../lib/aws/policies";

const REGION = "eu-west-1";
const secret = (name: string, region = REGION, account = MOCK_ACCOUNT) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;

describe("pipeline credentials from Secrets Manager", () => {
  let graph: Graph;
  let task: object[];
  let casc: any;
  before(async () => {
    graph = await runStack("dev");
    const taskDefinition = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" });
    task = policiesOfRole(graph, roleByArn(graph, taskDefinition.inputs.taskRoleArn));
    casc = YAML.parse(expectOne(graph, "jenkins-ecs:controller:Controller").state.casc);
  });

  it("the prefix is the project and the stack, ending in a slash", () => {
    assert.strictEqual(credentialsPrefix("jenkins-ecs", "dev"), "jenkins-ecs/dev/");
  });

  it("the controller's task role may read a secret under jenkins-ecs/dev/ (simulated)", async () => {
    assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: secret("jenkins-ecs/dev/npm-token") }, task), "Allowed");
    assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: secret("jenkins-ecs/dev/team/deploy-key") }, task), "Allowed");
  });

  for (const [what, arn] of [
    ["another stack's secret", secret("jenkins-ecs/prod/npm-token")],
    ["a stack whose name starts like this one's", secret("jenkins-ecs/dev2/npm-token")],
    ["a secret outside the prefix", secret("database/password")],
    ["the prefix's name without its slash", secret("jenkins-ecs/dev")],
    ["the same name in another region", secret("jenkins-ecs/dev/npm-token", "us-east-1")],
    ["the same name in another account", secret("jenkins-ecs/dev/npm-token", REGION, "999999999999")],
  ] as const) {
    it(`…and cannot read ${what} (simulated)`, async () => {
      assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: arn }, task), "ImplicitlyDenied");
    });
  }

  it("may list secrets (ListSecrets has no resource-level permissions), and may not change or delete its own", async () => {
    assert.strictEqual(await decide({ action: "secretsmanager:ListSecrets", resource: "*" }, task), "Allowed");
    for (const action of ["secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret", "secretsmanager:TagResource"]) {
      assert.strictEqual(await decide({ action, resource: secret("jenkins-ecs/dev/npm-token") }, task), "ImplicitlyDenied", action);
    }
  });

  it("the credentials provider lists only the stack's prefix in the stack's region and takes the prefix off the credential ids", () => {
    assert.deepStrictEqual(casc.unclassified.awsCredentialsProvider.client, { region: REGION });
    assert.deepStrictEqual(casc.unclassified.awsCredentialsProvider.listSecrets.filters, [{ key: "name", values: ["jenkins-ecs/dev/"] }]);
    assert.deepStrictEqual(casc.unclassified.awsCredentialsProvider.transformations, { name: { removePrefix: { prefix: "jenkins-ecs/dev/" } } });
  });

  it("refuses a prefix without its trailing slash (dev would read dev2's secrets)", () => {
    assert.throws(() => pipelineCredentialsPolicy({ partition: "aws", region: REGION, accountId: MOCK_ACCOUNT, prefix: "jenkins-ecs/dev" }), /ends in "\/"/);
  });
});
