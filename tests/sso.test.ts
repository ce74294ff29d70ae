import * as assert from "assert";
import YAML from "yaml";
import { ConfigError } from "../lib/config/reader";
import { parseSettings } from "../lib/config/parse";
import { CascInput, USER_PERMISSIONS, renderCasc, wellKnownUrl } from "../lib/jenkins/casc";
import { ADMIN_PASSWORD_ENV, OIDC_CLIENT_SECRET_ENV } from "../lib/aws/controllerTask";
import { Graph, containersOf, expectOne, runStack, stackConfig, unresolvedCascVariables } from "./helpers";
import { decide, policiesOfRole, roleByArn } from "./iam";
import { MOCK_ACCOUNT } from "../offline/mocks";

const CLIENT_SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT}:secret:jenkins-oidc-client-AbCdEf`;
const SSO = {
  issuer: "https://login.example.com/realms/acme",
  clientId: "jenkins",
  clientSecretArn: CLIENT_SECRET_ARN,
  adminGroups: ["jenkins-admins"],
  userGroups: ["developers", "qa"],
};
const withSso = (sso: object) => ({ "jenkins-ecs:sso": JSON.stringify(sso) });

function problemsOf(sso: unknown): string[] {
  try {
    parseSettings(stackConfig("dev", { "jenkins-ecs:sso": typeof sso === "string" ? sso : JSON.stringify(sso) }), "dev");
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return [...err.problems];
  }
  assert.fail(`expected ${JSON.stringify(sso)} to be refused`);
}

describe("single sign-on: stack config", () => {
  it("reads the section, the groups claim defaulting to \"groups\"", () => {
    const settings = parseSettings(stackConfig("dev", withSso(SSO)), "dev");
    assert.deepStrictEqual(settings.sso, { ...SSO, groupsClaim: "groups" });
    assert.strictEqual(parseSettings(stackConfig("dev"), "dev").sso, undefined);
  });

  for (const [what, issuer] of [
    ["plain http", "http://login.example.com/"],
    ["a query", "https://login.example.com/?tenant=1"],
    ["a fragment", "https://login.example.com/#x"],
    ["no URL at all", "login.example.com"],
  ] as const) {
    it(`refuses an issuer with ${what}, naming the key and the value`, () => {
      const [problem, ...rest] = problemsOf({ ...SSO, issuer });
      assert.deepStrictEqual(rest, []);
      assert.ok(problem.startsWith(`jenkins-ecs:sso.issuer: ${JSON.stringify(issuer)} is not allowed; expected the https URL of your OpenID Connect provider`), problem);
    });
  }

  for (const [what, arn, reason] of [
    ["an ARN of another service", "arn:aws:ssm:eu-west-1:123456789012:parameter/jenkins-oidc", /expected the full ARN of a Secrets Manager secret/],
    ["a secret ARN without its 6-character suffix", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jenkins-oidc", /with its 6-character suffix/],
    ["a secret in another region", "arn:aws:secretsmanager:us-east-1:123456789012:secret:jenkins-oidc-AbCdEf", /create it in the stack's region, eu-west-1/],
    ["a secret under the pipelines' credentials prefix", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jenkins-ecs/dev/oidc-AbCdEf", /handed to every pipeline as Jenkins credentials/],
  ] as const) {
    it(`refuses ${what} as the client secret`, () => {
      const [problem, ...rest] = problemsOf({ ...SSO, clientSecretArn: arn });
      assert.deepStrictEqual(rest, []);
      assert.ok(problem.startsWith(`jenkins-ecs:sso.clientSecretArn: ${JSON.stringify(arn)} is not allowed; `), problem);
      assert.match(problem, reason);
    });
  }

  for (const field of ["adminGroups", "userGroups"] as const) {
    it(`refuses empty ${field}, a blank group and a missing list`, () => {
      assert.match(problemsOf({ ...SSO, [field]: [] })[0], new RegExp(`^jenkins-ecs:sso\\.${field}: \\[\\] is not allowed; expected a non-empty list of group names`));
      assert.match(problemsOf({ ...SSO, [field]: ["ok", " "] })[0], new RegExp(`^jenkins-ecs:sso\\.${field}: `));
      const { [field]: _, ...without } = SSO;
      assert.match(problemsOf(without)[0], new RegExp(`^jenkins-ecs:sso\\.${field}: is required; expected a non-empty list`));
    });
  }

  it("refuses a missing issuer, client id and secret together, and an unknown field", () => {
    const problems = problemsOf({ adminGroups: ["a"], userGroups: ["b"], clientSecert: "x" });
    assert.deepStrictEqual(
      problems.map((p) => p.split(":").slice(0, 2).join(":")),
      ["jenkins-ecs:sso.clientSecert", "jenkins-ecs:sso.issuer", "jenkins-ecs:sso.clientId", "jenkins-ecs:sso.clientSecretArn"],
    );
    assert.match(problems[0], /unknown field; the fields of jenkins-ecs:sso are issuer, clientId, clientSecretArn, adminGroups, userGroups, groupsClaim/);
  });

  it("refuses a section that is not a mapping", () => {
    assert.match(problemsOf("[1]")[0], /^jenkins-ecs:sso: \[1\] is not allowed; expected a mapping/);
  });
});

const cascInput: CascInput = {
  project: "jenkins-ecs",
  stack: "dev",
  publicUrl: "https://jenkins.example.com/",
  jnlpPort: 50000,
  adminUser: "admin",
  credentialsPrefix: "jenkins-ecs/dev/",
  cloud: {
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/agents",
    region: "eu-west-1",
    jenkinsUrl: "http://jenkins.dev.internal:8080/",
    tunnel: "jenkins.dev.internal:50000",
    subnetIds: ["subnet-aaaaaaaa"],
    securityGroupId: "sg-0123456789abcdef0",
    idleMinutes: 5,
    templates: [{ label: "ecs", cloudName: "ecs-dev-ecs", family: "fam-ecs", spot: false, maxAgents: 3, reuse: false }],
  },
};

describe("single sign-on: the rendered document", () => {
  const { clientSecretArn: _, ...login } = { ...SSO, groupsClaim: "roles" };
  const doc = YAML.parse(renderCasc({ ...cascInput, sso: login }));
  const realm = doc.jenkins.securityRealm;
  const entries: any[] = doc.jenkins.authorizationStrategy.globalMatrix.entries;

  it("the security realm is OpenID Connect, from the issuer's discovery document, with the groups claim configured", () => {
    assert.deepStrictEqual(Object.keys(realm), ["oic"]);
    assert.strictEqual(realm.oic.clientId, "jenkins");
    assert.strictEqual(realm.oic.serverConfiguration.wellKnown.wellKnownOpenIDConfigurationUrl, "https://login.example.com/realms/acme/.well-known/openid-configuration");
    assert.strictEqual(realm.oic.groupsFieldName, "roles");
    assert.strictEqual(wellKnownUrl("https://login.example.com/"), "https://login.example.com/.well-known/openid-configuration");
  });

  it("the authorization is a global matrix with exactly the configured groups, and nothing for anonymous or authenticated", () => {
    const groups = entries.filter((e) => e.group).map((e) => e.group);
    assert.deepStrictEqual(groups.map((g) => g.name).sort(), ["developers", "jenkins-admins", "qa"]);
    assert.deepStrictEqual(groups.find((g) => g.name === "jenkins-admins").permissions, ["Overall/Administer"]);
    for (const name of ["developers", "qa"]) assert.deepStrictEqual(groups.find((g) => g.name === name).permissions, [...USER_PERMISSIONS]);
    assert.ok(USER_PERMISSIONS.includes("Job/Build") && USER_PERMISSIONS.includes("Job/Cancel") && USER_PERMISSIONS.includes("Overall/Read"));
    assert.ok(!USER_PERMISSIONS.some((p) => /Administer|RunScripts|Configure|Credentials/.test(p)), "users get no admin, script or credential rights");
    const names = entries.map((e) => (e.group ?? e.user).name);
    assert.ok(!names.includes("anonymous") && !names.includes("authenticated"));
    assert.ok(!entries.some((e) => e.user && e.user.name !== "admin"), "the only user entry is the break-glass admin");
  });

  it("keeps the local admin as a break-glass login with the generated password, given Overall/Administer", () => {
    const hatch = realm.oic.properties.find((p: any) => p.escapeHatch).escapeHatch;
    assert.deepStrictEqual(hatch, { username: "admin", secret: `\${${ADMIN_PASSWORD_ENV}}` });
    assert.ok(realm.oic.properties.includes("pkce"), "the authorization code flow uses PKCE");
    for (const deprecated of ["escapeHatchEnabled", "escapeHatchUsername", "escapeHatchSecret", "pkceEnabled"]) assert.ok(!(deprecated in realm.oic), deprecated);
    assert.deepStrictEqual(entries.find((e) => e.user?.name === "admin").user.permissions, ["Overall/Administer"]);
  });

  it("names the client secret only by its environment variable", () => {
    assert.strictEqual(realm.oic.clientSecret, `\${${OIDC_CLIENT_SECRET_ENV}}`);
  });

  it("without sso: today's document, a local admin and loggedInUsersCanDoAnything", () => {
    const plain = YAML.parse(renderCasc(cascInput));
    assert.deepStrictEqual(plain.jenkins.securityRealm, { local: { allowsSignup: false, users: [{ id: "admin", password: `\${${ADMIN_PASSWORD_ENV}}` }] } });
    assert.deepStrictEqual(plain.jenkins.authorizationStrategy, { loggedInUsersCanDoAnything: { allowAnonymousRead: false } });
  });
});

describe("single sign-on: what is deployed", () => {
  let graph: Graph;
  let container: any;
  before(async () => {
    graph = await runStack("dev", withSso(SSO));
    container = containersOf(expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" }))[0];
  });

  it("the client secret reaches the container only as an ECS secret reference", () => {
    assert.deepStrictEqual(container.secrets.find((s: any) => s.name === OIDC_CLIENT_SECRET_ENV), { name: OIDC_CLIENT_SECRET_ENV, valueFrom: CLIENT_SECRET_ARN });
    assert.ok(!container.environment.some((e: any) => e.name === OIDC_CLIENT_SECRET_ENV));
  });

  it("the ARN of the client secret appears nowhere in the JCasC sources or the plan's outputs", () => {
    const controller = expectOne(graph, "jenkins-ecs:controller:Controller");
    for (const file of controller.state.cascFiles) assert.ok(!file.yaml.includes(CLIENT_SECRET_ARN) && !file.yaml.includes("jenkins-oidc-client"), file.path);
    assert.ok(!JSON.stringify(graph.outputs).includes(CLIENT_SECRET_ARN));
  });

  it("the controller's execution role may read the client secret; its task role may not (simulated)", async () => {
    const task = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" });
    const execution = policiesOfRole(graph, roleByArn(graph, task.inputs.executionRoleArn));
    const taskRole = policiesOfRole(graph, roleByArn(graph, task.inputs.taskRoleArn));
    assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: CLIENT_SECRET_ARN }, execution), "Allowed");
    assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: CLIENT_SECRET_ARN }, taskRole), "ImplicitlyDenied");
  });

  it("every JCasC variable, the client secret's included, is one the container has", () => {
    assert.deepStrictEqual(unresolvedCascVariables(container), []);
  });

  it("the deployed document logs in through OpenID Connect", () => {
    const doc = YAML.parse(expectOne(graph, "jenkins-ecs:controller:Controller").state.casc);
    assert.ok(doc.jenkins.securityRealm.oic);
    assert.ok(doc.jenkins.authorizationStrategy.globalMatrix);
  });
});
