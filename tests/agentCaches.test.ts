import * as assert from "assert";
import { Graph, containersOf, expectOne, findAll, runStack, stackConfig } from "./helpers";
import { decide, policiesOfRole, roleByArn } from "./iam";
import { parseSettings } from "../lib/config/parse";
import { stackShape } from "../lib/cost/cost";
import { ConfigError } from "../lib/config/reader";

const AGENTS = [
  { label: "pr", spot: true },
  { label: "maven", cache: { path: "/home/jenkins/.m2" } },
  { label: "npm", cache: { path: "/home/jenkins/.npm" } },
];
const overrides = { "jenkins-ecs:agents": JSON.stringify(AGENTS) };

describe("dependency caches", () => {
  let graph: Graph;
  const task = (label: string) => expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: `jenkins-ecs-dev-agent-${label}` });
  before(async () => (graph = await runStack("dev", overrides)));

  it("live on one file system of their own, not JENKINS_HOME's: elastic throughput, encrypted", () => {
    const systems = findAll(graph, "aws:efs/fileSystem:FileSystem");
    assert.strictEqual(systems.length, 2, "JENKINS_HOME and the caches");
    const caches = expectOne(graph, "jenkins-ecs:agentCaches:AgentCaches");
    const fs = systems.find((f) => f.parent === caches.urn)!;
    assert.deepStrictEqual([fs.inputs.throughputMode, fs.inputs.encrypted], ["elastic", true]);
    assert.strictEqual(findAll(graph, "aws:efs/mountTarget:MountTarget", { fileSystemId: fs.id }).length, 2, "a mount target per private subnet");
  });

  it("a cache template mounts its own access point at its path, over TLS with IAM; the others mount nothing", () => {
    const accessPoints = findAll(graph, "aws:efs/accessPoint:AccessPoint").filter((a) => /^\/(maven|npm)$/.test(a.inputs.rootDirectory?.path));
    assert.strictEqual(accessPoints.length, 2);
    for (const [label, path] of [["maven", "/home/jenkins/.m2"], ["npm", "/home/jenkins/.npm"]]) {
      const [volume, ...more] = task(label).inputs.volumes;
      assert.deepStrictEqual(more, []);
      const own = accessPoints.find((a) => a.inputs.rootDirectory.path === `/${label}`)!;
      assert.deepStrictEqual(volume.efsVolumeConfiguration.authorizationConfig, { accessPointId: own.id, iam: "ENABLED" });
      assert.strictEqual(volume.efsVolumeConfiguration.transitEncryption, "ENABLED");
      assert.deepStrictEqual(containersOf(task(label))[0].mountPoints, [{ sourceVolume: volume.name, containerPath: path, readOnly: false }]);
      assert.deepStrictEqual(own.inputs.posixUser, { uid: 1000, gid: 1000 }, "as the agent's user");
    }
    assert.strictEqual(task("pr").inputs.volumes, undefined);
    assert.strictEqual(containersOf(task("pr"))[0].mountPoints, undefined);
  });

  it("each template's task role may mount only its own cache; no other template and not the controller (simulated)", async () => {
    const caches = expectOne(graph, "jenkins-ecs:agentCaches:AgentCaches");
    const fs = findAll(graph, "aws:efs/fileSystem:FileSystem").find((f) => f.parent === caches.urn)!;
    const policy = JSON.parse(expectOne(graph, "aws:efs/fileSystemPolicy:FileSystemPolicy", { fileSystemId: fs.id }).inputs.policy);
    const ap = (label: string) => findAll(graph, "aws:efs/accessPoint:AccessPoint").find((a) => a.inputs.rootDirectory?.path === `/${label}`)!.state.arn;
    const roleOf = (family: string) => task(family).inputs.taskRoleArn;
    const mount = (label: string, secure = "true") => ({ action: "elasticfilesystem:ClientWrite", resource: fs.state.arn, context: { "elasticfilesystem:AccessPointArn": ap(label), "aws:SecureTransport": secure } });
    const as = (roleArn: string, request: ReturnType<typeof mount>) => decide(request, policiesOfRole(graph, roleByArn(graph, roleArn)), policy, roleArn);
    assert.strictEqual(await as(roleOf("maven"), mount("maven")), "Allowed");
    assert.strictEqual(await as(roleOf("maven"), mount("npm")), "ImplicitlyDenied");
    assert.strictEqual(await as(roleOf("maven"), mount("maven", "false")), "ExplicitlyDenied", "never without TLS");
    assert.strictEqual(await as(roleOf("pr"), mount("maven")), "ImplicitlyDenied");
    const controllerRole = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" }).inputs.taskRoleArn;
    assert.strictEqual(await as(controllerRole, mount("maven")), "ImplicitlyDenied");
  });

  it("the agentTemplates output names each template's cache, permissions and secret variables (never an ARN of a secret)", () => {
    const out: { label: string; cache: string | null; permissions: object; secrets: string[] }[] = graph.outputs.agentTemplates as any;
    assert.deepStrictEqual(out.map((t) => [t.label, t.cache]), [["pr", null], ["maven", "/home/jenkins/.m2"], ["npm", "/home/jenkins/.npm"]]);
    assert.deepStrictEqual(out[0].permissions, { policyArns: [], ecrPush: [] });
    assert.deepStrictEqual(out[0].secrets, []);
  });

  it("without a cache template there is no cache file system", async () => {
    assert.strictEqual(findAll(await runStack("dev"), "jenkins-ecs:agentCaches:AgentCaches").length, 0);
  });

  it("plan --cost counts the caches", () => {
    assert.strictEqual(stackShape(parseSettings(stackConfig("dev", overrides), "dev")).caches, 2);
    assert.strictEqual(stackShape(parseSettings(stackConfig("dev"), "dev")).caches, 0);
  });

  for (const [what, cache] of [
    ["outside the agent's home", { path: "/var/cache/maven" }],
    ["the workspace itself", { path: "/home/jenkins/workspace" }],
    ["climbing out of the home", { path: "/home/jenkins/../etc" }],
    ["the home itself", { path: "/home/jenkins" }],
    ["a relative path", { path: ".m2" }],
    ["an unknown field", { path: "/home/jenkins/.m2", size: 5 }],
  ] as const) {
    it(`refuses a cache ${what}, naming the key`, () => {
      try {
        parseSettings(stackConfig("dev", { "jenkins-ecs:agents": JSON.stringify([{ label: "m", cache }]) }), "dev");
        assert.fail("accepted");
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        assert.match(err.problems[0], /^jenkins-ecs:agents\[0\]\.cache: .* is not allowed; expected \{"path": "\/home\/jenkins\/<directory>"\}/);
      }
    });
  }
});
