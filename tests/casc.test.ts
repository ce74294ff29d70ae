import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CascInput, SMOKE_TEST_JOB, renderCasc } from "../lib/casc";
import { AgentCloudSettings } from "../lib/cloud";
import { ADMIN_PASSWORD_ENV, CASC_ENV, CASC_PATH } from "../lib/controllerTask";
import { MOCK_PASSWORD_PREFIX } from "../offline/mocks";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { Graph, containersOf, expectOne, findAll, runStack } from "./helpers";

const cloud: AgentCloudSettings = {
  name: "ecs-jenkins-ecs-test",
  clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/agents",
  region: "eu-west-1",
  jenkinsUrl: "http://jenkins.test.internal:8080/",
  tunnel: "jenkins.test.internal:50000",
  subnetIds: ["subnet-aaaaaaaa", "subnet-bbbbbbbb", "subnet-cccccccc"],
  securityGroupId: "sg-0123456789abcdef0",
  executionRoleArn: "arn:aws:iam::123456789012:role/agents-exec",
  taskRoleArn: "arn:aws:iam::123456789012:role/agents-task",
  logGroupName: "agents-logs",
  maxAgents: 10,
  idleMinutes: 5,
  templates: [
    { label: "linux", templateName: "agent-linux", family: "fam-linux", spot: false, architecture: "X86_64", cpu: 1024, memory: 2048 },
    { label: "cheap", templateName: "agent-cheap", family: "fam-cheap", spot: true, architecture: "ARM64", cpu: 2048, memory: 4096 },
  ],
};
const input: CascInput = { project: "jenkins-ecs", stack: "test", publicUrl: "https://jenkins.example.com/", jnlpPort: 50000, adminUser: "admin", cloud };

/** The parsed document and its one ecs cloud. */
function parse(text: string) {
  const doc = YAML.parse(text);
  assert.strictEqual(doc.jenkins.clouds.length, 1);
  return { doc, ecs: doc.jenkins.clouds[0].ecs };
}

describe("JCasC renderer", () => {
  const { doc, ecs } = parse(renderCasc(input));

  it("sets the controller's own executors to 0 and the agent port to the JNLP port", () => {
    assert.strictEqual(doc.jenkins.numExecutors, 0);
    assert.strictEqual(doc.jenkins.slaveAgentPort, 50000);
  });

  it("names the stack in the system message and sets the public location URL", () => {
    assert.match(doc.jenkins.systemMessage, /\btest\b/);
    assert.strictEqual(doc.unclassified.location.url, "https://jenkins.example.com/");
    assert.strictEqual(doc.unclassified.location.adminAddress, undefined);
    const withEmail = YAML.parse(renderCasc({ ...input, adminEmail: "ci@example.com" }));
    assert.strictEqual(withEmail.unclassified.location.adminAddress, "ci@example.com");
  });

  it("has a local user database without sign-up, the admin's password by reference only", () => {
    assert.deepStrictEqual(doc.jenkins.securityRealm, {
      local: { allowsSignup: false, users: [{ id: "admin", password: `\${${ADMIN_PASSWORD_ENV}}` }] },
    });
    assert.deepStrictEqual(doc.jenkins.authorizationStrategy, { loggedInUsersCanDoAnything: { allowAnonymousRead: false } });
  });

  it("contains no ${...} other than the password reference (JCasC would substitute it)", () => {
    const text = renderCasc(input);
    assert.deepStrictEqual(text.match(/\$\{[^}]*\}/g), [`\${${ADMIN_PASSWORD_ENV}}`]);
  });

  it("never emits agentProtocols (Jenkins 2.492.1+ refuses to start with it)", () => {
    assert.doesNotMatch(renderCasc(input), /agentProtocols/);
  });

  it("configures the cloud with the controller's role, the cluster ARN, region, private URL and tunnel", () => {
    assert.deepStrictEqual(
      { credentialsId: ecs.credentialsId, cluster: ecs.cluster, regionName: ecs.regionName, jenkinsUrl: ecs.jenkinsUrl, tunnel: ecs.tunnel, numExecutors: ecs.numExecutors },
      { credentialsId: "", cluster: cloud.clusterArn, regionName: "eu-west-1", jenkinsUrl: cloud.jenkinsUrl, tunnel: cloud.tunnel, numExecutors: 1 },
    );
    assert.deepStrictEqual([ecs.maxAgents, ecs.retainAgents, ecs.retentionTimeout], [10, true, 5]);
    assert.ok(ecs.slaveTimeoutInSeconds >= 300, "a Fargate start needs minutes, not the seconds of a VM pool");
  });

  it("runs on-demand templates with launchType FARGATE and no strategy", () => {
    const linux = ecs.templates.find((t: any) => t.label === "linux");
    assert.strictEqual(linux.launchType, "FARGATE");
    assert.strictEqual(linux.capacityProviderStrategies, undefined);
  });

  it("runs Spot templates with a FARGATE_SPOT strategy and no launch type", () => {
    const cheap = ecs.templates.find((t: any) => t.label === "cheap");
    assert.strictEqual(cheap.launchType, undefined);
    assert.deepStrictEqual(cheap.capacityProviderStrategies, [{ provider: "FARGATE_SPOT", base: 0, weight: 1 }]);
    assert.strictEqual(cheap.cpuArchitecture, "ARM64");
  });

  it("points every template at its Pulumi task definition, joins subnets without spaces", () => {
    for (const [i, t] of ecs.templates.entries()) {
      assert.strictEqual(t.taskDefinitionOverride, cloud.templates[i].family);
      assert.strictEqual(t.templateName, cloud.templates[i].templateName);
      assert.strictEqual(t.subnets, "subnet-aaaaaaaa,subnet-bbbbbbbb,subnet-cccccccc");
      assert.strictEqual(t.securityGroups, cloud.securityGroupId);
      assert.strictEqual(t.assignPublicIp, false);
      assert.strictEqual(t.remoteFSRoot, "/home/jenkins");
      assert.strictEqual(t.agentContainerName, "agent");
    }
  });

  it("creates the smoke-test pipeline on the first template's label, printing host, architecture and Java", () => {
    assert.strictEqual(doc.jobs.length, 1);
    const script: string = doc.jobs[0].script;
    assert.match(script, new RegExp(`pipelineJob\\('${SMOKE_TEST_JOB}'\\)`));
    assert.match(script, /agent \{ label 'linux' \}/);
    for (const command of ["hostname", "uname -m", "java -version"]) assert.ok(script.includes(command), command);
  });
});

for (const stack of ["dev", "prod"]) {
  describe(`JCasC document deployed by ${stack}`, () => {
    let graph: Graph;
    let text: string;
    let doc: any;
    let ecs: any;
    before(async () => {
      graph = await runStack(stack);
      text = expectOne(graph, "jenkins-ecs:controller:Controller").state.casc;
      ({ doc, ecs } = parse(text));
    });

    const controllerTask = () => expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: `jenkins-ecs-${stack}-controller` });
    const env = () => Object.fromEntries(containersOf(controllerTask())[0].environment.map((e: any) => [e.name, e.value]));

    it("the cloud's cluster is the agents' cluster (by ARN), not the controller's", () => {
      const agentCluster = graph.resources.find((r) => r.type === "aws:ecs/cluster:Cluster" && r.state.arn === ecs.cluster);
      assert.ok(agentCluster && agentCluster.name.startsWith("agents"), ecs.cluster);
      assert.notStrictEqual(ecs.cluster, expectOne(graph, "aws:ecs/service:Service").inputs.cluster);
    });

    it("every template's subnets are the private subnets and its security group the agents' group", () => {
      const vpc = expectOne(graph, "awsx:ec2:Vpc").state;
      const agents = expectOne(graph, "jenkins-ecs:agents:Agents").state;
      for (const t of ecs.templates) {
        assert.doesNotMatch(`${t.subnets}${t.securityGroups}`, /, /);
        assert.deepStrictEqual(t.subnets.split(","), vpc.privateSubnetIds);
        assert.strictEqual(t.securityGroups, agents.securityGroupId);
      }
    });

    it("every template's override is a registered agent task definition's family", () => {
      const families = findAll(graph, "aws:ecs/taskDefinition:TaskDefinition").map((t) => t.inputs.family);
      assert.strictEqual(ecs.templates.length, stack === "prod" ? 3 : 2);
      for (const t of ecs.templates) assert.ok(families.includes(t.taskDefinitionOverride), t.taskDefinitionOverride);
    });

    it("the tunnel is the Cloud Map name and the configured JNLP port; slaveAgentPort is the mapped port", () => {
      const namespace = expectOne(graph, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").inputs.name;
      const service = expectOne(graph, "aws:servicediscovery/service:Service").inputs.name;
      const jnlpMapping = containersOf(controllerTask())[0].portMappings.find((p: any) => p.name === "jnlp").containerPort;
      assert.strictEqual(ecs.tunnel, `${service}.${namespace}:50000`);
      assert.strictEqual(doc.jenkins.slaveAgentPort, jnlpMapping);
      assert.strictEqual(doc.jenkins.slaveAgentPort, 50000);
    });

    it("jenkinsUrl is the controller's private URL, never the public one", () => {
      const namespace = expectOne(graph, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").inputs.name;
      assert.strictEqual(ecs.jenkinsUrl, `http://jenkins.${namespace}:8080/`);
      assert.notStrictEqual(ecs.jenkinsUrl, graph.outputs.url);
      assert.ok(!ecs.jenkinsUrl.includes(graph.outputs.loadBalancerDnsName));
      assert.strictEqual(doc.unclassified.location.url, graph.outputs.url);
    });

    it("jenkinsUrl, templateName, securityGroups and regionName are present on every cloud and template", () => {
      for (const key of ["jenkinsUrl", "regionName", "name", "cluster"]) assert.ok(ecs[key], key);
      for (const t of ecs.templates) for (const key of ["templateName", "securityGroups", "subnets", "label"]) assert.ok(t[key], `${t.label}: ${key}`);
      assert.strictEqual(ecs.numExecutors, 1);
    });

    it("holds no secret value, and neither does the task definition's environment", () => {
      const password: string = expectOne(graph, "random:index/randomPassword:RandomPassword").state.result;
      assert.ok(!text.includes(password) && !text.includes(MOCK_PASSWORD_PREFIX));
      const environment = JSON.stringify(containersOf(controllerTask())[0].environment);
      assert.ok(!environment.includes(password) && !environment.includes(MOCK_PASSWORD_PREFIX));
      assert.ok(!Buffer.from(env()[CASC_ENV], "base64").toString("utf8").includes(password));
    });

    it("reaches the container through the task definition and is written outside JENKINS_HOME at every start", () => {
      assert.strictEqual(Buffer.from(env()[CASC_ENV], "base64").toString("utf8"), text);
      assert.strictEqual(env().CASC_JENKINS_CONFIG, CASC_PATH);
      assert.ok(!CASC_PATH.startsWith("/var/jenkins_home"));
      const [container] = containersOf(controllerTask());
      assert.deepStrictEqual(container.entryPoint, ["/bin/sh", "-c"]);
      const [script] = container.command;
      assert.match(script, new RegExp(`"\\$${CASC_ENV}" \\| base64 -d > "\\$CASC_JENKINS_CONFIG"`));
      assert.match(script, /exec \/usr\/bin\/tini -- \/usr\/local\/bin\/jenkins\.sh$/);
    });
  });
}

describe("JCasC follows stack config", () => {
  it("GIVEN a resized template THEN the document, the agent task definition and the controller task definition change", async () => {
    const before = await runStack("dev");
    const after = await runStack("dev", {
      "jenkins-ecs:agents": JSON.stringify([
        { label: "ecs", cpu: 2048, memory: 8192 },
        { label: "ecs-spot", cpu: 1024, memory: 2048, spot: true },
      ]),
    });
    const casc = (g: Graph) => expectOne(g, "jenkins-ecs:controller:Controller").state.casc;
    assert.notStrictEqual(casc(after), casc(before));
    assert.strictEqual(parse(casc(after)).ecs.templates[0].memory, 8192);
    expectOne(after, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-agent-ecs", cpu: "2048", memory: "8192" });
    const controllerDefinitions = (g: Graph) => expectOne(g, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" }).inputs.containerDefinitions;
    assert.notStrictEqual(controllerDefinitions(after), controllerDefinitions(before), "the controller would not roll");
  });

  it("GIVEN prod's Spot template THEN it has a FARGATE_SPOT strategy and no launch type", async () => {
    const { ecs } = parse(expectOne(await runStack("prod"), "jenkins-ecs:controller:Controller").state.casc);
    const spot = ecs.templates.find((t: any) => t.label === "ecs-spot");
    assert.strictEqual(spot.launchType, undefined);
    assert.deepStrictEqual(spot.capacityProviderStrategies.map((s: any) => s.provider), ["FARGATE_SPOT"]);
  });

  it("GIVEN prod's ARM64 template THEN its task definition and template say ARM64", async () => {
    const graph = await runStack("prod");
    const task = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-prod-agent-ecs-arm64" });
    assert.strictEqual(task.inputs.runtimePlatform.cpuArchitecture, "ARM64");
    const { ecs } = parse(expectOne(graph, "jenkins-ecs:controller:Controller").state.casc);
    assert.strictEqual(ecs.templates.find((t: any) => t.label === "ecs-arm64").cpuArchitecture, "ARM64");
  });

  it("GIVEN another JNLP port THEN slaveAgentPort and the tunnel follow it", async () => {
    const { doc, ecs } = parse(expectOne(await runStack("dev", { "jenkins-ecs:jnlpPort": "50001" }), "jenkins-ecs:controller:Controller").state.casc);
    assert.strictEqual(doc.jenkins.slaveAgentPort, 50001);
    assert.match(ecs.tunnel, /:50001$/);
  });
});

describe("controller image and JCasC agree", () => {
  const dockerfile = fs.readFileSync(path.join(PROJECT_ROOT, "controller-image", "Dockerfile"), "utf8");

  it("the image makes the JCasC directory for the jenkins user and points CASC_JENKINS_CONFIG at it", () => {
    assert.ok(dockerfile.includes(`ENV CASC_JENKINS_CONFIG=${CASC_PATH}`));
    assert.ok(dockerfile.includes(`mkdir -p ${path.dirname(CASC_PATH)}`));
  });
});
