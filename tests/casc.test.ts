import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { CascInput, TEMPLATE_KEYS_READ_WITH_OVERRIDE, renderCasc } from "../lib/jenkins/casc";
import { AGENT_HOME, AgentCloudSettings } from "../lib/jenkins/cloud";
import { ADMIN_PASSWORD_ENV, CASC_ENV, CASC_PATH, CASC_SOURCES_ENV, CASC_STRICT_ENV } from "../lib/aws/controllerTask";
import { SMOKE_REPORT_SCRIPT, SMOKE_TEST_JOB, SMOKE_TEST_PARAMETER } from "../lib/jenkins/smokeTest";
import { MOCK_PASSWORD_PREFIX } from "../offline/mocks";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { Graph, cascSourcesOf, cascVariables, containersOf, expectOne, runStack, unresolvedCascVariables } from "./helpers";

const cloud: AgentCloudSettings = {
  clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/agents",
  region: "eu-west-1",
  jenkinsUrl: "http://jenkins.test.internal:8080/",
  tunnel: "jenkins.test.internal:50000",
  subnetIds: ["subnet-aaaaaaaa", "subnet-bbbbbbbb", "subnet-cccccccc"],
  securityGroupId: "sg-0123456789abcdef0",
  idleMinutes: 7,
  templates: [
    { label: "linux", cloudName: "ecs-test-linux", family: "fam-linux", spot: false, maxAgents: 3, reuse: true },
    { label: "cheap", cloudName: "ecs-test-cheap", family: "fam-cheap", spot: true, maxAgents: 40, reuse: false },
  ],
};
const input: CascInput = { project: "jenkins-ecs", stack: "test", publicUrl: "https://jenkins.example.com/", jnlpPort: 50000, adminUser: "admin", cloud, credentialsPrefix: "jenkins-ecs/test/" };

/**
 * Keys amazon-ecs 1.49 ignores when a template has a taskDefinitionOverride (the task
 * definition decides them): ECSTaskTemplate constructor and ECSService.registerTemplate.
 */
const IGNORED_WITH_OVERRIDE = ["templateName", "cpu", "memory", "memoryReservation", "cpuArchitecture", "operatingSystemFamily", "networkMode", "executionRole", "taskrole", "image"];

/** The parsed document, its clouds (one `ecs` entry each) and their templates. */
function parse(text: string) {
  const doc = YAML.parse(text);
  const clouds: any[] = doc.jenkins.clouds.map((c: any) => c.ecs);
  for (const ecs of clouds) assert.strictEqual(ecs.templates.length, 1, `${ecs.name} has more than one template`);
  return { doc, clouds, templates: clouds.map((c) => c.templates[0]) };
}

/** The choices of the smoke job's LABEL parameter, read from its Job DSL script. */
function smokeChoices(doc: any): string[] {
  const script: string = doc.jobs[0].script;
  const match = new RegExp(`choiceParam\\('${SMOKE_TEST_PARAMETER}', \\[([^\\]]*)\\]`).exec(script);
  assert.ok(match, "the smoke job has no LABEL choice parameter");
  return [...match[1].matchAll(/'([^']*)'/g)].map((m) => m[1]);
}

describe("JCasC renderer", () => {
  const { doc, clouds, templates } = parse(renderCasc(input));

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
    assert.deepStrictEqual(renderCasc(input).match(/\$\{[^}]*\}/g), [`\${${ADMIN_PASSWORD_ENV}}`]);
  });

  it("never emits agentProtocols (Jenkins 2.492.1+ refuses to start with it)", () => {
    assert.doesNotMatch(renderCasc(input), /agentProtocols/);
  });

  it("has one cloud per template, each with that template's own limit, reuse and idle timeout", () => {
    assert.deepStrictEqual(
      clouds.map((c) => [c.name, c.templates[0].label, c.maxAgents, c.retainAgents, c.retentionTimeout]),
      [
        ["ecs-test-linux", "linux", 3, true, 7],
        ["ecs-test-cheap", "cheap", 40, false, 7],
      ],
    );
  });

  it("gives every cloud the controller's role, the cluster ARN, region, private URL and tunnel", () => {
    for (const ecs of clouds) {
      assert.deepStrictEqual(
        { credentialsId: ecs.credentialsId, cluster: ecs.cluster, regionName: ecs.regionName, jenkinsUrl: ecs.jenkinsUrl, tunnel: ecs.tunnel, numExecutors: ecs.numExecutors },
        { credentialsId: "", cluster: cloud.clusterArn, regionName: "eu-west-1", jenkinsUrl: cloud.jenkinsUrl, tunnel: cloud.tunnel, numExecutors: 1 },
      );
      assert.ok(ecs.slaveTimeoutInSeconds >= 300, "a Fargate start needs minutes, not the seconds of a VM pool");
    }
  });

  it("runs on-demand templates with launchType FARGATE and no strategy", () => {
    const linux = templates.find((t) => t.label === "linux");
    assert.strictEqual(linux.launchType, "FARGATE");
    assert.strictEqual(linux.capacityProviderStrategies, undefined);
  });

  it("runs Spot templates with a FARGATE_SPOT strategy and no launch type", () => {
    const cheap = templates.find((t) => t.label === "cheap");
    assert.strictEqual(cheap.launchType, undefined);
    assert.deepStrictEqual(cheap.capacityProviderStrategies, [{ provider: "FARGATE_SPOT", base: 0, weight: 1 }]);
    assert.strictEqual(cheap.defaultCapacityProvider, false);
  });

  it("points every template at its Pulumi task definition, joins subnets without spaces", () => {
    for (const [i, t] of templates.entries()) {
      assert.strictEqual(t.taskDefinitionOverride, cloud.templates[i].family);
      assert.strictEqual(t.subnets, "subnet-aaaaaaaa,subnet-bbbbbbbb,subnet-cccccccc");
      assert.strictEqual(t.securityGroups, cloud.securityGroupId);
      assert.strictEqual(t.assignPublicIp, false);
      assert.strictEqual(t.remoteFSRoot, AGENT_HOME);
      assert.strictEqual(t.agentContainerName, "agent");
    }
  });

  it("emits only keys the plugin reads with an override, and none it ignores", () => {
    for (const t of templates) {
      for (const key of Object.keys(t)) assert.ok(TEMPLATE_KEYS_READ_WITH_OVERRIDE.includes(key), `${t.label}: the plugin never reads ${key}`);
      for (const key of IGNORED_WITH_OVERRIDE) assert.strictEqual(t[key], undefined, `${t.label}: ${key} would be ignored`);
    }
  });

  it("creates the smoke-test job with a LABEL choice of every template, the first one the default", () => {
    assert.strictEqual(doc.jobs.length, 1);
    const script: string = doc.jobs[0].script;
    assert.match(script, new RegExp(`pipelineJob\\('${SMOKE_TEST_JOB}'\\)`));
    assert.deepStrictEqual(smokeChoices(doc), ["linux", "cheap"]);
    assert.match(script, new RegExp(`node\\(params\\.${SMOKE_TEST_PARAMETER}\\)`));
  });

  it("the smoke pipeline runs exactly the report script, intact through every quoting layer", () => {
    const encoded = /echo ([A-Za-z0-9+/=]+) \| base64 -d \| sh/.exec(doc.jobs[0].script);
    assert.ok(encoded, "no encoded report script");
    assert.strictEqual(Buffer.from(encoded[1], "base64").toString("utf8"), SMOKE_REPORT_SCRIPT);
  });
});

for (const stack of ["dev", "prod"]) {
  describe(`JCasC document deployed by ${stack}`, () => {
    let graph: Graph;
    let text: string;
    let doc: any;
    let clouds: any[];
    let templates: any[];
    before(async () => {
      graph = await runStack(stack);
      text = expectOne(graph, "jenkins-ecs:controller:Controller").state.casc;
      ({ doc, clouds, templates } = parse(text));
    });

    const controllerTask = () => expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: `jenkins-ecs-${stack}-controller` });
    const env = () => Object.fromEntries(containersOf(controllerTask())[0].environment.map((e: any) => [e.name, e.value]));
    const agentTask = (family: string) => expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family });
    const stackTemplates = () => expectOne(graph, "jenkins-ecs:agents:Agents").state.cloud.templates as any[];

    it("one cloud per template, named uniquely per stack and template, with its maxAgents, retainAgents and retentionTimeout", () => {
      const expected =
        stack === "prod"
          ? [["ecs", 10, true], ["ecs-spot", 20, false], ["ecs-arm64", 10, false], ["node", 10, false]]
          : [["ecs", 10, true], ["ecs-spot", 10, false]];
      assert.deepStrictEqual(clouds.map((c) => [c.templates[0].label, c.maxAgents, c.retainAgents]), expected);
      assert.deepStrictEqual(clouds.map((c) => c.name), expected.map(([label]) => `ecs-jenkins-ecs-${stack}-${label}`));
      for (const c of clouds) assert.strictEqual(c.retentionTimeout, 5);
      if (stack === "dev") assert.deepStrictEqual([...new Set(clouds.map((c) => c.retainAgents))].sort(), [false, true], "dev shows both reuse settings");
    });

    it("every cloud's cluster is the agents' cluster (by ARN), not the controller's", () => {
      for (const ecs of clouds) {
        const agentCluster = graph.resources.find((r) => r.type === "aws:ecs/cluster:Cluster" && r.state.arn === ecs.cluster);
        assert.ok(agentCluster && agentCluster.name.startsWith("agents"), ecs.cluster);
        assert.notStrictEqual(ecs.cluster, expectOne(graph, "aws:ecs/service:Service").inputs.cluster);
      }
    });

    it("every template's subnets are the private subnets and its security group the agents' group", () => {
      const vpc = expectOne(graph, "awsx:ec2:Vpc").state;
      const agents = expectOne(graph, "jenkins-ecs:agents:Agents").state;
      for (const t of templates) {
        assert.doesNotMatch(`${t.subnets}${t.securityGroups}`, /, /);
        assert.deepStrictEqual(t.subnets.split(","), vpc.privateSubnetIds);
        assert.strictEqual(t.securityGroups, agents.securityGroupId);
      }
    });

    it("what the plugin reads agrees with the task definition it runs", () => {
      const agentCluster = graph.resources.find((r) => r.type === "aws:ecs/cluster:Cluster" && r.state.arn === clouds[0].cluster)!;
      const capacity = expectOne(graph, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", { clusterName: agentCluster.state.name });
      for (const t of templates) {
        const task = agentTask(t.taskDefinitionOverride);
        // The plugin runs the container named here; awsvpc is what makes it send subnets and groups.
        assert.deepStrictEqual(containersOf(task).map((c) => c.name), [t.agentContainerName]);
        assert.strictEqual(task.inputs.networkMode, "awsvpc");
        assert.deepStrictEqual(task.inputs.requiresCompatibilities, ["FARGATE"]);
        const provider = t.launchType ?? t.capacityProviderStrategies[0].provider;
        assert.ok(capacity.inputs.capacityProviders.includes(provider), `${t.label}: ${provider} is not on the agents' cluster`);
        assert.deepStrictEqual(containersOf(task)[0].environment, [{ name: "JENKINS_AGENT_CAPACITY_PROVIDER", value: provider }]);
        assert.strictEqual(t.platformVersion, "LATEST");
        assert.strictEqual(t.remoteFSRoot, AGENT_HOME);
      }
    });

    it("no template carries a key the plugin ignores with an override", () => {
      for (const t of templates) {
        for (const key of Object.keys(t)) assert.ok(TEMPLATE_KEYS_READ_WITH_OVERRIDE.includes(key), `${t.label}: ${key}`);
        for (const key of IGNORED_WITH_OVERRIDE) assert.strictEqual(t[key], undefined, `${t.label}: ${key}`);
      }
    });

    it("the smoke job's LABEL choices are exactly the template labels", () => {
      assert.deepStrictEqual(smokeChoices(doc), stackTemplates().map((t) => t.label));
    });

    it("the tunnel is the Cloud Map name and the configured JNLP port; slaveAgentPort is the mapped port", () => {
      const namespace = expectOne(graph, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").inputs.name;
      const service = expectOne(graph, "aws:servicediscovery/service:Service").inputs.name;
      const jnlpMapping = containersOf(controllerTask())[0].portMappings.find((p: any) => p.name === "jnlp").containerPort;
      for (const ecs of clouds) assert.strictEqual(ecs.tunnel, `${service}.${namespace}:50000`);
      assert.strictEqual(doc.jenkins.slaveAgentPort, jnlpMapping);
      assert.strictEqual(doc.jenkins.slaveAgentPort, 50000);
    });

    it("jenkinsUrl is the controller's private URL, never the public one", () => {
      const namespace = expectOne(graph, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").inputs.name;
      for (const ecs of clouds) {
        assert.strictEqual(ecs.jenkinsUrl, `http://jenkins.${namespace}:8080/`);
        assert.ok(!ecs.jenkinsUrl.includes(graph.outputs.loadBalancerDnsName));
      }
      assert.strictEqual(doc.unclassified.location.url, graph.outputs.url);
    });

    it("jenkinsUrl, securityGroups, subnets and regionName are present on every cloud and template", () => {
      for (const ecs of clouds) {
        for (const key of ["jenkinsUrl", "regionName", "name", "cluster"]) assert.ok(ecs[key], key);
        assert.strictEqual(ecs.numExecutors, 1);
      }
      for (const t of templates) for (const key of ["securityGroups", "subnets", "label", "taskDefinitionOverride"]) assert.ok(t[key], `${t.label}: ${key}`);
    });

    it("holds no secret value, and neither does the task definition's environment", () => {
      const password: string = expectOne(graph, "random:index/randomPassword:RandomPassword").state.result;
      assert.ok(!text.includes(password) && !text.includes(MOCK_PASSWORD_PREFIX));
      const environment = JSON.stringify(containersOf(controllerTask())[0].environment);
      assert.ok(!environment.includes(password) && !environment.includes(MOCK_PASSWORD_PREFIX));
      assert.ok(!Buffer.from(env()[CASC_ENV], "base64").toString("utf8").includes(password));
    });

    it("an unresolved variable stops JCasC, and every variable of every source is one the container has", () => {
      const [container] = containersOf(controllerTask());
      assert.strictEqual(env()[CASC_STRICT_ENV], "true");
      const sources = cascSourcesOf(container);
      assert.ok(sources.length >= 2, "the generated document and the team's file");
      assert.ok(cascVariables(sources[0].yaml).includes(ADMIN_PASSWORD_ENV), "the admin password is a variable");
      assert.deepStrictEqual(unresolvedCascVariables(container), []);
    });

    it("reaches the container through the task definition and is written outside JENKINS_HOME at every start", () => {
      assert.strictEqual(Buffer.from(env()[CASC_ENV], "base64").toString("utf8"), text);
      assert.strictEqual(env().CASC_JENKINS_CONFIG.split(",")[0], CASC_PATH, "the generated document is the first source");
      assert.ok(!CASC_PATH.startsWith("/var/jenkins_home"));
      // The image's start script writes each source (tests/controllerLock.test.ts runs it).
      assert.strictEqual(env()[CASC_SOURCES_ENV].split(" ")[0], `${CASC_ENV}=${CASC_PATH}`);
    });
  });
}

describe("JCasC follows stack config", () => {
  it("GIVEN a resized template THEN the agent task definition changes, and a new limit changes the document and rolls the controller", async () => {
    const before = await runStack("dev");
    const after = await runStack("dev", {
      "jenkins-ecs:agents": JSON.stringify([
        { label: "ecs", cpu: 2048, memory: 8192, reuse: true, maxAgents: 4 },
        { label: "ecs-spot", cpu: 1024, memory: 2048, spot: true },
      ]),
    });
    const casc = (g: Graph) => expectOne(g, "jenkins-ecs:controller:Controller").state.casc;
    assert.notStrictEqual(casc(after), casc(before));
    assert.strictEqual(parse(casc(after)).clouds[0].maxAgents, 4);
    expectOne(after, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-agent-ecs", cpu: "2048", memory: "8192" });
    const controllerDefinitions = (g: Graph) => expectOne(g, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" }).inputs.containerDefinitions;
    assert.notStrictEqual(controllerDefinitions(after), controllerDefinitions(before), "the controller would not roll");
  });

  it("GIVEN prod's Spot template THEN it has a FARGATE_SPOT strategy and no launch type", async () => {
    const { templates } = parse(expectOne(await runStack("prod"), "jenkins-ecs:controller:Controller").state.casc);
    const spot = templates.find((t) => t.label === "ecs-spot");
    assert.strictEqual(spot.launchType, undefined);
    assert.deepStrictEqual(spot.capacityProviderStrategies.map((s: any) => s.provider), ["FARGATE_SPOT"]);
  });

  it("GIVEN prod's ARM64 template THEN its task definition says ARM64 (the template leaves it to the task definition)", async () => {
    const graph = await runStack("prod");
    const task = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-prod-agent-ecs-arm64" });
    assert.strictEqual(task.inputs.runtimePlatform.cpuArchitecture, "ARM64");
    const { templates } = parse(expectOne(graph, "jenkins-ecs:controller:Controller").state.casc);
    assert.strictEqual(templates.find((t) => t.label === "ecs-arm64").taskDefinitionOverride, "jenkins-ecs-prod-agent-ecs-arm64");
  });

  it("GIVEN another JNLP port THEN slaveAgentPort and every tunnel follow it", async () => {
    const { doc, clouds } = parse(expectOne(await runStack("dev", { "jenkins-ecs:jnlpPort": "50001" }), "jenkins-ecs:controller:Controller").state.casc);
    assert.strictEqual(doc.jenkins.slaveAgentPort, 50001);
    for (const ecs of clouds) assert.match(ecs.tunnel, /:50001$/);
  });
});

describe("controller image and JCasC agree", () => {
  const dockerfile = fs.readFileSync(path.join(PROJECT_ROOT, "controller-image", "Dockerfile"), "utf8");

  it("the image makes the JCasC directory for the jenkins user and points CASC_JENKINS_CONFIG at it", () => {
    assert.ok(dockerfile.includes(`ENV CASC_JENKINS_CONFIG=${CASC_PATH}`));
    assert.ok(dockerfile.includes(`mkdir -p ${path.dirname(CASC_PATH)}`));
  });
});

