import * as assert from "assert";
import { Graph, byId, containersOf, expectOne, findAll, ingressRulesOf, runStack } from "./helpers";
import { CAPACITY_PROVIDER_ENV, AgentCloudSettings } from "../lib/jenkins/cloud";

const T = {
  cluster: "aws:ecs/cluster:Cluster",
  capacity: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  service: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  namespace: "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
  discoveryService: "aws:servicediscovery/service:Service",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policy: "aws:iam/policy:Policy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
} as const;

const controllerTask = (graph: Graph) => expectOne(graph, T.taskDefinition, { family: `jenkins-ecs-${graph.stack}-controller` });
const controllerService = (graph: Graph) => expectOne(graph, T.service);
const controllerGroupId = (graph: Graph): string => controllerService(graph).inputs.networkConfiguration.securityGroups[0];
/** The stack's ECR repository for agent images (the AgentImages component's). */
const agentRepository = (graph: Graph) => {
  const found = findAll(graph, "aws:ecr/repository:Repository").filter((r) => r.parent?.endsWith("::agent-images"));
  assert.strictEqual(found.length, 1, "one agent image repository");
  return found[0];
};
const agentsOf = (graph: Graph) => expectOne(graph, "jenkins-ecs:agents:Agents").state;
const cloudOf = (graph: Graph): AgentCloudSettings => agentsOf(graph).cloud;
const agentTasks = (graph: Graph) => findAll(graph, T.taskDefinition).filter((t) => t.inputs.family.includes("-agent-"));

const templatesPerStack = {
  dev: [
    { label: "ecs", cpu: "1024", memory: "2048", architecture: "X86_64", spot: false, maxAgents: 10, reuse: true, build: "inbound-agent" },
    { label: "ecs-spot", cpu: "1024", memory: "2048", architecture: "X86_64", spot: true, maxAgents: 10, reuse: false, build: "inbound-agent" },
  ],
  prod: [
    { label: "ecs", cpu: "2048", memory: "4096", architecture: "X86_64", spot: false, maxAgents: 10, reuse: true, build: "inbound-agent", storage: 50 },
    { label: "ecs-spot", cpu: "2048", memory: "4096", architecture: "X86_64", spot: true, maxAgents: 20, reuse: false, build: "inbound-agent" },
    { label: "ecs-arm64", cpu: "2048", memory: "4096", architecture: "ARM64", spot: false, maxAgents: 10, reuse: false, build: "inbound-agent" },
    { label: "node", cpu: "2048", memory: "4096", architecture: "X86_64", spot: false, maxAgents: 10, reuse: false, build: "node" },
  ],
};

for (const [stack, templates] of Object.entries(templatesPerStack)) {
  describe(`discovery and agents (${stack})`, () => {
    let graph: Graph;
    before(async () => (graph = await runStack(stack)));

    describe("Cloud Map", () => {
      it("has a private DNS namespace named after the stack, in the VPC", () => {
        const vpcId = expectOne(graph, "awsx:ec2:Vpc").state.vpcId;
        expectOne(graph, T.namespace, { name: `${stack}.jenkins-ecs.internal`, vpc: vpcId });
      });

      it("has a service jenkins with A and SRV records (TTL 60, multivalue) and a custom health check", () => {
        const namespace = expectOne(graph, T.namespace);
        const service = expectOne(graph, T.discoveryService, {
          name: "jenkins",
          dnsConfig: { namespaceId: namespace.id, routingPolicy: "MULTIVALUE", dnsRecords: [{ type: "A", ttl: 60 }, { type: "SRV", ttl: 60 }] },
        });
        assert.ok(service.inputs.healthCheckCustomConfig, "no custom health check config");
      });

      it("the controller's service registers in it with the JNLP port", () => {
        const registry = expectOne(graph, T.discoveryService);
        assert.deepStrictEqual(controllerService(graph).inputs.serviceRegistries, { registryArn: registry.state.arn, containerName: "jenkins", containerPort: 50000 });
      });
    });

    describe("agents' cluster", () => {
      it("is not the controller's cluster, and has FARGATE and FARGATE_SPOT", () => {
        const cloud = cloudOf(graph);
        assert.notStrictEqual(cloud.clusterArn, controllerService(graph).inputs.cluster);
        const agentCluster = byId(graph, cloud.clusterArn);
        assert.strictEqual(agentCluster.type, T.cluster);
        const capacity = expectOne(graph, T.capacity, { clusterName: agentCluster.state.name });
        assert.deepStrictEqual([...capacity.inputs.capacityProviders].sort(), ["FARGATE", "FARGATE_SPOT"]);
      });
    });

    describe("network", () => {
      it("agents' security group has no ingress and allows all egress", () => {
        const groupId = cloudOf(graph).securityGroupId;
        assert.deepStrictEqual(ingressRulesOf(graph, groupId), []);
        const egress = findAll(graph, T.egress, { securityGroupId: groupId });
        assert.deepStrictEqual(egress.map((r) => [r.inputs.ipProtocol, r.inputs.cidrIpv4]), [["-1", "0.0.0.0/0"]]);
      });

      it("the controller admits the agents on exactly two ports: JNLP and 8080", () => {
        const fromAgents = ingressRulesOf(graph, controllerGroupId(graph)).filter((r) => r.inputs.referencedSecurityGroupId === cloudOf(graph).securityGroupId);
        assert.deepStrictEqual(
          fromAgents.map((r) => [r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort]).sort(),
          [["tcp", 50000, 50000], ["tcp", 8080, 8080]],
        );
      });

      it("agents reach the controller by its private name, never the load balancer", () => {
        const cloud = cloudOf(graph);
        assert.strictEqual(cloud.jenkinsUrl, `http://jenkins.${stack}.jenkins-ecs.internal:8080/`);
        assert.strictEqual(cloud.tunnel, `jenkins.${stack}.jenkins-ecs.internal:50000`);
        assert.ok(!cloud.jenkinsUrl.includes(graph.outputs.loadBalancerDnsName));
      });

      it("agents run in the private subnets", () => {
        assert.deepStrictEqual(cloudOf(graph).subnetIds, expectOne(graph, "awsx:ec2:Vpc").state.privateSubnetIds);
      });
    });

    describe("roles and logs", () => {
      it("each template has its own execution and task roles, shared with no other template and not the controller's", () => {
        const roles: { label: string; executionRoleArn: string; taskRoleArn: string }[] = agentsOf(graph).roles;
        assert.deepStrictEqual(roles.map((r) => r.label), templates.map((t) => t.label));
        const controller = controllerTask(graph).inputs;
        const arns = roles.flatMap((r) => [r.executionRoleArn, r.taskRoleArn]);
        assert.strictEqual(new Set(arns).size, arns.length, "no role is shared");
        assert.ok(!arns.includes(controller.executionRoleArn) && !arns.includes(controller.taskRoleArn));
      });

      it("a template that names no permissions has a task role with no policy at all", () => {
        for (const { taskRoleArn } of agentsOf(graph).roles) {
          const taskRole = graph.resources.find((r) => r.type === T.role && r.state.arn === taskRoleArn)!;
          assert.deepStrictEqual(findAll(graph, T.attachment, { role: taskRole.state.name }), []);
          assert.deepStrictEqual(findAll(graph, "aws:iam/rolePolicy:RolePolicy", { role: taskRole.id }), []);
        }
      });

      it(`agents log to their own log group, kept ${stack === "prod" ? 90 : 30} days`, () => {
        const { logGroupName } = agentsOf(graph);
        const logGroup = graph.resources.find((r) => r.type === T.logGroup && r.state.name === logGroupName)!;
        assert.strictEqual(logGroup.inputs.retentionInDays, stack === "prod" ? 90 : 30);
        for (const task of agentTasks(graph)) {
          const [container] = containersOf(task);
          assert.deepStrictEqual(container.logConfiguration, {
            logDriver: "awslogs",
            options: { "awslogs-group": logGroupName, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "jenkins-agent" },
          });
        }
      });

      it("the controller's task role holds the policy that runs agents", () => {
        const taskRole = graph.resources.find((r) => r.type === T.role && r.state.arn === controllerTask(graph).inputs.taskRoleArn)!;
        const runAgents = expectOne(graph, "jenkins-ecs:agents:Agents").state.runAgentsPolicyArn;
        expectOne(graph, T.attachment, { role: taskRole.state.name, policyArn: runAgents });
      });
    });

    describe("task definitions", () => {
      it(`has one Pulumi-owned task definition per template (${templates.map((t) => t.label).join(", ")})`, () => {
        assert.deepStrictEqual(agentTasks(graph).map((t) => t.inputs.family).sort(), templates.map((t) => `jenkins-ecs-${stack}-agent-${t.label}`).sort());
      });

      for (const template of templates) {
        it(`${template.label}: ${template.cpu} CPU / ${template.memory} MiB on ${template.architecture}, image built from agent-images/${template.build}, by digest`, () => {
          const task = expectOne(graph, T.taskDefinition, { family: `jenkins-ecs-${stack}-agent-${template.label}` });
          assert.deepStrictEqual([task.inputs.cpu, task.inputs.memory], [template.cpu, template.memory]);
          assert.deepStrictEqual(task.inputs.runtimePlatform, { operatingSystemFamily: "LINUX", cpuArchitecture: template.architecture });
          assert.deepStrictEqual(task.inputs.requiresCompatibilities, ["FARGATE"]);
          assert.strictEqual(task.inputs.networkMode, "awsvpc");
          const roles = agentsOf(graph).roles.find((r: { label: string }) => r.label === template.label);
          assert.deepStrictEqual([task.inputs.executionRoleArn, task.inputs.taskRoleArn], [roles.executionRoleArn, roles.taskRoleArn]);
          const [container] = containersOf(task);
          assert.deepStrictEqual(container.environment, [{ name: CAPACITY_PROVIDER_ENV, value: template.spot ? "FARGATE_SPOT" : "FARGATE" }]);
          // The stack's own ECR repository, by digest, built for the template's architecture.
          const repository = agentRepository(graph);
          const platform = template.architecture === "ARM64" ? "linux/arm64" : "linux/amd64";
          const image = expectOne(graph, "awsx:ecr:Image", { context: `./agent-images/${template.build}`, platform, repositoryUrl: repository.state.repositoryUrl });
          assert.strictEqual(container.image, image.state.imageUri);
          assert.match(container.image, new RegExp(`^${repository.state.repositoryUrl}@sha256:[0-9a-f]{64}$`));
          if ("storage" in template) assert.deepStrictEqual(task.inputs.ephemeralStorage, { sizeInGib: template.storage });
          else assert.strictEqual(task.inputs.ephemeralStorage, undefined);
        });
      }

      it("the cloud settings name each template's family, label, Spot choice, limit and reuse", () => {
        const cloud = cloudOf(graph);
        assert.deepStrictEqual(
          cloud.templates.map((t) => [t.label, t.family, t.spot, t.maxAgents, t.reuse]),
          templates.map((t) => [t.label, `jenkins-ecs-${stack}-agent-${t.label}`, t.spot, t.maxAgents, t.reuse]),
        );
        assert.strictEqual(cloud.idleMinutes, 5);
        assert.strictEqual(cloud.region, "eu-west-1");
      });
    });
  });
}

describe("agent options", () => {
  it("GIVEN per-template permissions, variables and secrets THEN each template's roles and container get exactly its own", async () => {
    const policyArns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::123456789012:policy/ci-artifacts"];
    const npm = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:npm-token-AbCdEf";
    const db = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf";
    const graph = await runStack("dev", {
      "jenkins-ecs:agents": JSON.stringify([
        { label: "pr", spot: true },
        { label: "build", permissions: { policyArns }, environment: { NODE_ENV: "ci" }, secrets: { NPM_TOKEN: npm, DB_USER: `${db}:username::` } },
        { label: "image", permissions: { ecrPush: ["team/app"] } },
      ]),
    });
    const roles: { label: string; executionRoleArn: string; taskRoleArn: string }[] = agentsOf(graph).roles;
    const role = (label: string, kind: "executionRoleArn" | "taskRoleArn") => graph.resources.find((r) => r.type === T.role && r.state.arn === roles.find((x) => x.label === label)![kind])!;
    const attached = (label: string) => findAll(graph, T.attachment, { role: role(label, "taskRoleArn").state.name }).map((a) => a.inputs.policyArn).sort();
    assert.deepStrictEqual(attached("build"), [...policyArns].sort());
    assert.deepStrictEqual([attached("pr"), attached("image")], [[], []]);
    assert.deepStrictEqual(findAll(graph, "aws:iam/rolePolicy:RolePolicy", { role: role("pr", "taskRoleArn").id }), [], "pr: nothing");
    assert.strictEqual(findAll(graph, "aws:iam/rolePolicy:RolePolicy", { role: role("image", "taskRoleArn").id }).length, 1, "image: its push policy");

    const container = (label: string) => containersOf(expectOne(graph, T.taskDefinition, { family: `jenkins-ecs-dev-agent-${label}` }))[0];
    assert.deepStrictEqual(container("build").environment, [{ name: CAPACITY_PROVIDER_ENV, value: "FARGATE" }, { name: "NODE_ENV", value: "ci" }]);
    assert.deepStrictEqual(container("build").secrets, [{ name: "NPM_TOKEN", valueFrom: npm }, { name: "DB_USER", valueFrom: `${db}:username::` }]);
    assert.strictEqual(container("pr").secrets, undefined);
    assert.deepStrictEqual(container("pr").environment, [{ name: CAPACITY_PROVIDER_ENV, value: "FARGATE_SPOT" }]);
  });

  it("GIVEN maxAgents, agentIdleMinutes and a custom image THEN the template's cloud and task definition use them", async () => {
    const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/build-agent:2.1";
    const graph = await runStack("dev", {
      "jenkins-ecs:maxAgents": "50",
      "jenkins-ecs:agentIdleMinutes": "15",
      "jenkins-ecs:agents": JSON.stringify([{ label: "java", cpu: 4096, memory: 16384, image }]),
    });
    const cloud = cloudOf(graph);
    assert.deepStrictEqual([cloud.templates[0].maxAgents, cloud.idleMinutes], [50, 15]);
    const [container] = containersOf(expectOne(graph, T.taskDefinition, { family: "jenkins-ecs-dev-agent-java", cpu: "4096", memory: "16384" }));
    assert.strictEqual(container.image, image);
    // An ECR image is pulled by the agents' execution role: allowed on that repository only.
    const execPolicy = findAll(graph, "aws:iam/rolePolicy:RolePolicy").map((p) => p.inputs.policy).find((p: string) => p.includes("build-agent"));
    assert.ok(execPolicy && execPolicy.includes("arn:aws:ecr:eu-west-1:123456789012:repository/build-agent"));
  });

  it("GIVEN a discoveryNamespace THEN agents use jenkins.<that namespace>", async () => {
    const graph = await runStack("dev", { "jenkins-ecs:discoveryNamespace": "ci.example.internal" });
    expectOne(graph, T.namespace, { name: "ci.example.internal" });
    assert.strictEqual(cloudOf(graph).tunnel, "jenkins.ci.example.internal:50000");
  });

  describe("GIVEN jnlpPort 50001", () => {
    let graph: Graph;
    before(async () => (graph = await runStack("dev", { "jenkins-ecs:jnlpPort": "50001" })));

    it("the agents' ingress rule, the port mapping, the service registry and the tunnel all use 50001", () => {
      const jnlpRule = ingressRulesOf(graph, controllerGroupId(graph)).filter((r) => r.inputs.referencedSecurityGroupId === cloudOf(graph).securityGroupId && r.inputs.fromPort !== 8080);
      assert.deepStrictEqual(jnlpRule.map((r) => [r.inputs.fromPort, r.inputs.toPort]), [[50001, 50001]]);
      assert.ok(containersOf(controllerTask(graph))[0].portMappings.some((p: any) => p.containerPort === 50001));
      assert.strictEqual(controllerService(graph).inputs.serviceRegistries.containerPort, 50001);
      assert.match(cloudOf(graph).tunnel, /:50001$/);
    });

    it("50000 appears nowhere in what is deployed", () => {
      const everything = JSON.stringify(graph.resources.map((r) => [r.inputs, r.state]));
      assert.doesNotMatch(everything, /\b50000\b/);
    });
  });
});
