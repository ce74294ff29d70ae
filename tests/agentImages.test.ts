import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { validate } from "dockerfile-utils";
import { AGENT_IMAGES_DIR, BASE_IMAGE_ARG, MIRROR_BUILD, buildFolderProblem, folderHash, lifecyclePolicy, plannedBuilds } from "../lib/jenkins/agentImages";
import { DEFAULT_AGENT_IMAGE } from "../lib/jenkins/cloud";
import { AgentTemplate } from "../lib/settings";
import { ConfigError } from "../lib/config/reader";
import { isPinnedImage } from "../lib/config/controller";
import { parseSettings } from "../lib/config/parse";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { createMocks } from "../offline/mocks";
import { dockerBuildArgs, imageBuildsOf, lintDockerfile } from "../commands/buildImages";
import { Graph, containersOf, expectOne, findAll, named, runStack, stackConfig } from "./helpers";
import { decide, policiesOfRole, roleByArn } from "./iam";

const IMAGE = "awsx:ecr:Image";
const REPOSITORY = "aws:ecr/repository:Repository";

const template = (overrides: Partial<AgentTemplate>): AgentTemplate => ({
  permissions: { policyArns: [], ecrPush: [] },
  environment: {},
  secrets: {},
  kaniko: false,
  label: "t",
  cpu: 1024,
  memory: 2048,
  spot: false,
  architecture: "X86_64",
  maxAgents: 10,
  reuse: false,
  build: MIRROR_BUILD,
  ...overrides,
});

/** The Dockerfile of a build folder, as text. */
const dockerfile = (build: string) => fs.readFileSync(path.join(PROJECT_ROOT, AGENT_IMAGES_DIR, build, "Dockerfile"), "utf8");

describe("agent image builds (planned from templates)", () => {
  it("builds the mirror once per architecture a template needs, before the custom builds that start from it", () => {
    const builds = plannedBuilds([
      template({ label: "a" }),
      template({ label: "b", spot: true }),
      template({ label: "node-arm", build: "node", architecture: "ARM64" }),
    ]);
    assert.deepStrictEqual(
      builds.map((b) => [b.key, b.platform, b.base]),
      [
        ["inbound-agent.amd64", "linux/amd64", undefined],
        ["inbound-agent.arm64", "linux/arm64", undefined],
        ["node.arm64", "linux/arm64", "inbound-agent.arm64"],
      ],
    );
    for (const b of builds) assert.match(b.tag, new RegExp(`^${b.key.replace(".", "\\.")}\\.[0-9a-f]{12}$`));
  });

  it("builds nothing for templates with a prebuilt image", () => {
    assert.deepStrictEqual(plannedBuilds([template({ build: undefined, image: "jenkins/inbound-agent:3386.v353e57a_1b_ea_0-3-jdk21" })]), []);
  });

  it("tags a build by its folder's content: any changed file gives a new tag", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "agent-images-"));
    fs.mkdirSync(path.join(root, AGENT_IMAGES_DIR, "x", "files"), { recursive: true });
    fs.writeFileSync(path.join(root, AGENT_IMAGES_DIR, "x", "Dockerfile"), "FROM scratch\n");
    fs.writeFileSync(path.join(root, AGENT_IMAGES_DIR, "x", "files", "a.sh"), "echo a\n");
    const before = folderHash("x", root);
    assert.strictEqual(folderHash("x", root), before, "stable");
    fs.writeFileSync(path.join(root, AGENT_IMAGES_DIR, "x", "files", "a.sh"), "echo b\n");
    assert.notStrictEqual(folderHash("x", root), before);
  });

  it("refuses a build folder that does not exist or has no Dockerfile", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "agent-images-"));
    fs.mkdirSync(path.join(root, AGENT_IMAGES_DIR, "empty"), { recursive: true });
    assert.strictEqual(buildFolderProblem("none", root), "there is no folder agent-images/none");
    assert.strictEqual(buildFolderProblem("empty", root), "agent-images/empty has no Dockerfile");
    assert.strictEqual(buildFolderProblem("node"), undefined);
  });

  it("the lifecycle policy keeps the last images of each build and architecture, as ECR requires its rules", () => {
    const builds = plannedBuilds([template({ label: "a" }), template({ label: "n", build: "node" }), template({ label: "r", architecture: "ARM64" })]);
    const { rules } = lifecyclePolicy(builds) as { rules: any[] };
    // ECR lifecycle policy properties: unique rulePriority; tagPrefixList only with tagStatus
    // "tagged"; countUnit only with sinceImagePushed; a tagStatus "any" rule must come last.
    assert.strictEqual(new Set(rules.map((r) => r.rulePriority)).size, rules.length);
    for (const rule of rules) {
      if (rule.selection.tagPrefixList) assert.strictEqual(rule.selection.tagStatus, "tagged");
      assert.strictEqual(rule.selection.countUnit !== undefined, rule.selection.countType === "sinceImagePushed");
      assert.deepStrictEqual(rule.action, { type: "expire" });
    }
    const prefixes = rules.flatMap((r) => r.selection.tagPrefixList ?? []);
    assert.deepStrictEqual(prefixes, builds.map((b) => `${b.key}.`));
    for (const b of builds) assert.deepStrictEqual(prefixes.filter((p) => b.tag.startsWith(p)), [`${b.key}.`], `${b.tag} matches one prefix only`);
  });
});

describe("agent-images/ Dockerfiles", () => {
  it("the mirror is FROM exactly the pinned default agent image", () => {
    assert.deepStrictEqual(dockerfile(MIRROR_BUILD).match(/^FROM .*$/gm), [`FROM ${DEFAULT_AGENT_IMAGE}`]);
    assert.ok(isPinnedImage(DEFAULT_AGENT_IMAGE) && DEFAULT_AGENT_IMAGE.endsWith("-jdk21"));
  });

  it("the node example starts from BASE_IMAGE, installs only a pinned, checksummed Node.js and runs as jenkins", () => {
    const text = dockerfile("node");
    assert.deepStrictEqual(text.match(/^FROM .*$/gm), [`FROM \${${BASE_IMAGE_ARG}}`]);
    assert.match(text, new RegExp(`^ARG ${BASE_IMAGE_ARG}=${DEFAULT_AGENT_IMAGE.replace(/\./g, "\\.")}$`, "m"));
    assert.match(text, /^ARG NODE_VERSION=24\.\d+\.\d+$/m);
    for (const arch of ["AMD64", "ARM64"]) assert.match(text, new RegExp(`^ARG NODE_SHA256_${arch}=[0-9a-f]{64}$`, "m"));
    assert.match(text, /sha256sum -c -/);
    assert.doesNotMatch(text, /apt-get install|npm install -g|:latest/);
    const users = text.match(/^USER .*$/gm) ?? [];
    assert.strictEqual(users[users.length - 1], "USER jenkins");
  });

  for (const build of fs.readdirSync(path.join(PROJECT_ROOT, AGENT_IMAGES_DIR))) {
    it(`${build}: passes the Dockerfile linter (dockerfile-utils)`, () => {
      assert.deepStrictEqual(validate(dockerfile(build)).map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
    });
  }

  it("the linter is a real one: it flags a broken Dockerfile", () => {
    assert.ok(validate("FROM\nRUNN echo\nEXPOSE abc\n").length >= 2);
  });
});

for (const stack of ["dev", "prod"]) {
  describe(`agent images of ${stack}`, () => {
    let graph: Graph;
    before(async () => (graph = await runStack(stack)));

    const repository = () => {
      const found = findAll(graph, REPOSITORY).filter((r) => r.parent?.endsWith("::agent-images"));
      assert.strictEqual(found.length, 1);
      return found[0];
    };

    it("one ECR repository: scan on push, deleted with the stack, a lifecycle policy per build", () => {
      const repo = repository();
      assert.deepStrictEqual([repo.inputs.imageScanningConfiguration, repo.inputs.forceDelete], [{ scanOnPush: true }, true]);
      const policy = JSON.parse(expectOne(graph, "aws:ecr/lifecyclePolicy:LifecyclePolicy", { repository: repo.state.name }).inputs.policy);
      const images = findAll(graph, IMAGE).filter((i) => i.inputs.repositoryUrl === repo.state.repositoryUrl);
      assert.deepStrictEqual(
        policy.rules.flatMap((r: any) => r.selection.tagPrefixList ?? []).sort(),
        images.map((i) => i.inputs.imageTag.split(".").slice(0, 2).join(".") + ".").sort(),
      );
    });

    it("every agent task runs an image of that repository by digest: no task pulls from Docker Hub", () => {
      const url = repository().state.repositoryUrl;
      const agentTasks = findAll(graph, "aws:ecs/taskDefinition:TaskDefinition").filter((t) => t.inputs.family.includes("-agent-"));
      assert.ok(agentTasks.length >= 2);
      for (const task of agentTasks) assert.match(containersOf(task)[0].image, new RegExp(`^${url}@sha256:[0-9a-f]{64}$`), task.inputs.family);
    });

    it("every image is built for its template's architecture, ARM64 as linux/arm64", () => {
      const settings = parseSettings(stackConfig(stack), stack);
      for (const t of settings.agents.templates) {
        const platform = t.architecture === "ARM64" ? "linux/arm64" : "linux/amd64";
        expectOne(graph, IMAGE, { context: `./agent-images/${t.build}`, platform });
      }
    });
  });
}

describe("custom and prebuilt agent images", () => {
  it("prod's node template builds from agent-images/node, FROM the stack's amd64 mirror by tag and digest", async () => {
    const graph = await runStack("prod");
    const mirror = expectOne(graph, IMAGE, { context: "./agent-images/inbound-agent", platform: "linux/amd64" });
    const node = expectOne(graph, IMAGE, { context: "./agent-images/node", platform: "linux/amd64" });
    const [repositoryUrl, digest] = mirror.state.imageUri.split("@");
    assert.strictEqual(node.inputs.args[BASE_IMAGE_ARG], `${repositoryUrl}:${mirror.inputs.imageTag}@${digest}`);
    const task = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-prod-agent-node" });
    assert.strictEqual(containersOf(task)[0].image, node.state.imageUri);
  });

  it("GIVEN controllerImage and a prebuilt image on every template THEN nothing is built: no Docker needed", async () => {
    const prebuilt = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/build-agent:2.1";
    const graph = await runStack("dev", {
      "jenkins-ecs:controllerImage": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-jenkins:2.580.2-1",
      "jenkins-ecs:agents": JSON.stringify([
        { label: "ecs", image: prebuilt },
        { label: "hub", image: "jenkins/inbound-agent:3386.v353e57a_1b_ea_0-3-jdk21" },
      ]),
    });
    assert.deepStrictEqual(findAll(graph, IMAGE), []);
    assert.deepStrictEqual(findAll(graph, REPOSITORY), []);
    const images = findAll(graph, "aws:ecs/taskDefinition:TaskDefinition").filter((t) => t.inputs.family.includes("-agent-")).map((t) => containersOf(t)[0].image);
    assert.deepStrictEqual(images.sort(), [prebuilt, "jenkins/inbound-agent:3386.v353e57a_1b_ea_0-3-jdk21"].sort());
  });

  it("refuses a template whose build folder has no Dockerfile, before any resource", () => {
    const folder = `test-empty-${process.pid}`;
    const dir = path.join(PROJECT_ROOT, AGENT_IMAGES_DIR, folder);
    fs.mkdirSync(dir, { recursive: true });
    try {
      assert.throws(
        () => parseSettings({ ...stackConfig("dev"), "jenkins-ecs:agents": JSON.stringify([{ label: "x", build: folder }]) }, "dev"),
        (err: ConfigError) => err.problems.some((p) => p.startsWith("jenkins-ecs:agents[0].build:") && p.includes(`agent-images/${folder} has no Dockerfile`)),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the agents' execution role and the image repositories (simulated)", () => {
  it("each template's execution role may pull its own image's repository, and no other", async () => {
    const prebuilt = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/build-agent:2.1";
    const graph = await runStack("dev", {
      "jenkins-ecs:agents": JSON.stringify([{ label: "ecs" }, { label: "java", image: prebuilt }]),
    });
    const roles: { label: string; executionRoleArn: string }[] = expectOne(graph, "jenkins-ecs:agents:Agents").state.roles;
    const execution = (label: string) => policiesOfRole(graph, roleByArn(graph, roles.find((r) => r.label === label)!.executionRoleArn));
    const ours = findAll(graph, REPOSITORY).find((r) => r.parent?.endsWith("::agent-images"))!.state.arn;
    const theirs = "arn:aws:ecr:eu-west-1:123456789012:repository/build-agent";
    const pull = (label: string, resource: string) => decide({ action: "ecr:BatchGetImage", resource }, execution(label));
    assert.strictEqual(await pull("ecs", ours), "Allowed");
    assert.strictEqual(await decide({ action: "ecr:GetDownloadUrlForLayer", resource: ours }, execution("ecs")), "Allowed");
    assert.strictEqual(await pull("ecs", theirs), "ImplicitlyDenied");
    assert.strictEqual(await pull("java", theirs), "Allowed");
    assert.strictEqual(await pull("java", ours), "ImplicitlyDenied");
    for (const label of ["ecs", "java"]) {
      assert.strictEqual(await pull(label, "arn:aws:ecr:eu-west-1:123456789012:repository/someone-elses"), "ImplicitlyDenied");
      assert.strictEqual(await pull(label, named(graph, REPOSITORY, "controller-image").state.arn), "ImplicitlyDenied");
    }
  });
});


describe("awsx image names (enforced by the offline mocks)", () => {
  it("two images that awsx would build under one name are refused, as the engine would refuse their children's URNs", () => {
    const mocks = createMocks("eu-west-1");
    const image = (name: string, inputs: object) => () => mocks.newResource({ type: IMAGE, name, inputs: { repositoryUrl: "r", ...inputs }, custom: false } as any);
    assert.doesNotThrow(image("a", { context: "./agent-images/node", imageTag: "node.amd64.1" }));
    assert.doesNotThrow(image("b", { context: "./agent-images/node", imageTag: "node.arm64.1" }));
    assert.throws(image("c", { context: "./agent-images/other", imageTag: "node.amd64.1" }), /already builds as "node\.amd64\.1"/);
    assert.doesNotThrow(image("d", { context: "./controller-image" }));
    assert.throws(image("e", { context: "./controller-image" }), /already builds as/);
  });
});

describe("npm run build-images (pull requests build what pulumi up would)", () => {
  it("lists every image the stack builds, by context and platform, and builds each without pushing", async () => {
    const builds = imageBuildsOf(await runStack("prod"));
    assert.deepStrictEqual(
      builds.map((b) => `${b.context} ${b.platform}`).sort(),
      ["./agent-images/inbound-agent linux/amd64", "./agent-images/inbound-agent linux/arm64", "./agent-images/node linux/amd64", "./controller-image linux/amd64"],
    );
    for (const build of builds) {
      const args = dockerBuildArgs(build);
      assert.deepStrictEqual(args.slice(0, 4), ["buildx", "build", "--platform", build.platform]);
      assert.ok(!args.includes("--push") && !args.includes("--load"));
      assert.strictEqual(args[args.length - 1], build.context);
    }
  });

  it("lints every Dockerfile it builds, the controller's too", () => {
    for (const file of ["controller-image/Dockerfile", "agent-images/node/Dockerfile"]) assert.deepStrictEqual(lintDockerfile(path.join(PROJECT_ROOT, file)), []);
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lint-")), "Dockerfile");
    fs.writeFileSync(broken, "FROM\nRUNN echo\n");
    assert.ok(lintDockerfile(broken).every((line) => line.startsWith(`${broken}:`)) && lintDockerfile(broken).length > 0);
  });
});
