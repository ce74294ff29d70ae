import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { Graph, adoptMode, assertOnlyLoadBalancerFacesOutside, expectOne, findAll, ingressRulesOf, runStack, stackConfig } from "./helpers";
import { MAX_CONCURRENT_AGENTS } from "../lib/config/keys";
import { parseSettings } from "../lib/config/parse";
import { runbookSection } from "../commands/verify";
import { ALARM_THRESHOLDS } from "../lib/aws/alarms";
import { DEFAULTS } from "../lib/config/keys";
import { downAlarmWindow } from "../lib/aws/controllerWaits";
import { INTERFACE_ENDPOINT_SERVICES } from "../components/network";
import { MOCK_VPCS, mockRouteTableId } from "../offline/mocks";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { natGatewaySaving } from "../lib/cost/cost";
import { PRICES } from "../lib/cost/prices";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";

/** The alarm watching `metricName` (exactly one). */
const alarmOn = (graph: Graph, metricName: string) => expectOne(graph, ALARM, { metricName });

for (const stack of ["dev", "prod"]) {
  describe(`alarms (${stack})`, () => {
    let graph: Graph;
    let topicArn: string;
    let lb: { arnSuffix: string };
    let tg: { arnSuffix: string };
    let service: { cluster: string; name: string };
    before(async () => {
      graph = await runStack(stack);
      topicArn = expectOne(graph, "aws:sns/topic:Topic").state.arn;
      lb = expectOne(graph, "aws:lb/loadBalancer:LoadBalancer").state as any;
      tg = expectOne(graph, "aws:lb/targetGroup:TargetGroup").state as any;
      const ecsService = expectOne(graph, "aws:ecs/service:Service");
      const cluster = graph.resources.find((r) => r.type === "aws:ecs/cluster:Cluster" && r.state.arn === ecsService.inputs.cluster)!;
      service = { cluster: cluster.state.name, name: ecsService.state.name };
    });

    it("every alarm notifies the topic on alarm and on recovery", () => {
      const alarms = findAll(graph, ALARM);
      assert.ok(alarms.length >= 6);
      for (const a of alarms) {
        assert.deepStrictEqual(a.inputs.alarmActions, [topicArn], a.name);
        assert.deepStrictEqual(a.inputs.okActions, [topicArn], a.name);
      }
    });

    it("fires when no healthy target is behind our load balancer's target group", () => {
      const a = alarmOn(graph, "HealthyHostCount");
      assert.deepStrictEqual(a.inputs.dimensions, { LoadBalancer: lb.arnSuffix, TargetGroup: tg.arnSuffix });
      assert.deepStrictEqual([a.inputs.namespace, a.inputs.comparisonOperator, a.inputs.threshold, a.inputs.treatMissingData], ["AWS/ApplicationELB", "LessThanThreshold", 1, "breaching"]);
    });

    it(`fires when the controller service runs fewer than 1 task (${stack === "prod" ? "Container Insights task count" : "no CPU samples"})`, () => {
      const a = stack === "prod" ? alarmOn(graph, "RunningTaskCount") : expectOne(graph, ALARM, { metricName: "CPUUtilization", statistic: "SampleCount" });
      assert.deepStrictEqual(a.inputs.dimensions, { ClusterName: service.cluster, ServiceName: service.name });
      assert.deepStrictEqual([a.inputs.comparisonOperator, a.inputs.threshold, a.inputs.treatMissingData], ["LessThanThreshold", 1, "breaching"]);
    });

    it("fires on load balancer 5xx above the threshold", () => {
      const a = alarmOn(graph, "HTTPCode_ELB_5XX_Count");
      assert.deepStrictEqual(a.inputs.dimensions, { LoadBalancer: lb.arnSuffix });
      assert.deepStrictEqual([a.inputs.comparisonOperator, a.inputs.threshold], ["GreaterThanThreshold", ALARM_THRESHOLDS.loadBalancer5xx.above]);
      assert.strictEqual(alarmOn(graph, "HTTPCode_Target_5XX_Count").inputs.dimensions.TargetGroup, tg.arnSuffix);
    });

    it("fires on high controller CPU and memory", () => {
      const cpu = expectOne(graph, ALARM, { metricName: "CPUUtilization", statistic: "Average" });
      const memory = alarmOn(graph, "MemoryUtilization");
      for (const a of [cpu, memory]) assert.deepStrictEqual(a.inputs.dimensions, { ClusterName: service.cluster, ServiceName: service.name });
      assert.strictEqual(cpu.inputs.threshold, ALARM_THRESHOLDS.cpuPercent.above);
      assert.strictEqual(memory.inputs.threshold, ALARM_THRESHOLDS.memoryPercent.above);
    });

    it("has no burst-credit alarm with elastic throughput, and no e-mail subscription unless configured", () => {
      assert.deepStrictEqual(findAll(graph, ALARM, { metricName: "BurstCreditBalance" }), []);
      assert.deepStrictEqual(findAll(graph, "aws:sns/topicSubscription:TopicSubscription"), []);
    });

    it("has a free S3 gateway endpoint on the private route tables", () => {
      const vpc = expectOne(graph, "awsx:ec2:Vpc").state;
      const endpoint = expectOne(graph, ENDPOINT, { vpcEndpointType: "Gateway", serviceName: "com.amazonaws.eu-west-1.s3", vpcId: vpc.vpcId });
      assert.deepStrictEqual(endpoint.inputs.routeTableIds, vpc.privateSubnetIds.map(mockRouteTableId).sort());
    });

    it("has no interface endpoint by default", () => {
      assert.deepStrictEqual(findAll(graph, ENDPOINT, { vpcEndpointType: "Interface" }), []);
    });
  });
}

describe("operations options", () => {
  it("GIVEN alarmEmail THEN the address is subscribed to the topic", async () => {
    const graph = await runStack("dev", { "jenkins-ecs:alarmEmail": "oncall@example.com" });
    const topic = expectOne(graph, "aws:sns/topic:Topic");
    expectOne(graph, "aws:sns/topicSubscription:TopicSubscription", { topic: topic.state.arn, protocol: "email", endpoint: "oncall@example.com" });
  });

  it("GIVEN bursting EFS throughput THEN burst credits of our file system are watched", async () => {
    const graph = await runStack("dev", { "jenkins-ecs:fileSystemThroughputMode": "bursting" });
    const a = alarmOn(graph, "BurstCreditBalance");
    assert.deepStrictEqual(a.inputs.dimensions, { FileSystemId: expectOne(graph, "aws:efs/fileSystem:FileSystem").id });
    assert.deepStrictEqual([a.inputs.comparisonOperator, a.inputs.threshold], ["LessThanThreshold", ALARM_THRESHOLDS.burstCreditBytes.below]);
  });

  describe("GIVEN vpcEndpoints", () => {
    let graph: Graph;
    before(async () => (graph = await runStack("prod", { "jenkins-ecs:vpcEndpoints": "true" })));

    it("every listed interface endpoint exists in the private subnets with private DNS", () => {
      const vpc = expectOne(graph, "awsx:ec2:Vpc").state;
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        expectOne(graph, ENDPOINT, {
          serviceName: `com.amazonaws.eu-west-1.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: vpc.privateSubnetIds,
          vpcId: vpc.vpcId,
        });
      }
      assert.deepStrictEqual([...INTERFACE_ENDPOINT_SERVICES].sort(), ["ecr.api", "ecr.dkr", "ecs", "logs", "secretsmanager"]);
    });

    it("their security group admits 443 from the VPC CIDR only", () => {
      const groups = new Set(findAll(graph, ENDPOINT, { vpcEndpointType: "Interface" }).flatMap((e) => e.inputs.securityGroupIds));
      assert.strictEqual(groups.size, 1);
      const rules = ingressRulesOf(graph, [...groups][0]);
      assert.deepStrictEqual(
        rules.map((r) => [r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4, r.inputs.cidrIpv6, r.inputs.referencedSecurityGroupId]),
        [["tcp", 443, 443, "10.0.0.0/16", undefined, undefined]],
      );
      assertOnlyLoadBalancerFacesOutside(graph);
    });
  });

  it("GIVEN an adopted VPC THEN the S3 endpoint goes on each private subnet's route table, the main one where a subnet has no association of its own", async () => {
    const graph = await runStack("dev", adoptMode(["subnet-0cccccccccccccccc", "subnet-0dddddddddddddddd"]));
    const endpoint = expectOne(graph, ENDPOINT, { vpcEndpointType: "Gateway", vpcId: "vpc-0123456789abcdef0" });
    const vpc = MOCK_VPCS["vpc-0123456789abcdef0"];
    // 0ccc... has its own route table; 0ddd... has none, so the main table routes it.
    assert.strictEqual(vpc.subnets["subnet-0dddddddddddddddd"].routeTable, undefined);
    assert.deepStrictEqual(endpoint.inputs.routeTableIds, [vpc.subnets["subnet-0cccccccccccccccc"].routeTable, vpc.mainRouteTable].sort());
  });
});

describe("CI workflows for users", () => {
  const dir = path.join(PROJECT_ROOT, ".github", "workflows");
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  const texts = Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
  const workflows = Object.fromEntries(files.map((f) => [f, YAML.parse(texts[f])]));
  const jobs = Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([name, job]) => ({ file, name, job: job as any })));
  const steps = (job: any): any[] => job.steps ?? [];
  const uses = (job: any, action: string) => steps(job).filter((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));
  const pulumiStep = (job: any) => uses(job, "pulumi/actions")[0];
  const runs = (job: any): string[] => steps(job).filter((s) => s.run).map((s) => s.run);
  const permissions = (job: any): Record<string, string> => job.permissions ?? {};

  it("are valid YAML with jobs, and grant nothing at workflow level", () => {
    assert.deepStrictEqual(files.sort(), ["deploy.yml", "preview.yml"]);
    for (const [file, wf] of Object.entries(workflows)) {
      assert.ok(wf.jobs && Object.keys(wf.jobs).length > 0, file);
      assert.deepStrictEqual(wf.permissions, {}, `${file}: permissions belong to jobs`);
    }
  });

  it("pin every action to a full commit SHA, with its version in a comment", () => {
    for (const [file, text] of Object.entries(texts)) {
      const lines = text.split("\n").filter((l) => /^\s*-?\s*uses:/.test(l));
      assert.ok(lines.length > 5, file);
      for (const line of lines) assert.match(line, /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file}: ${line.trim()}`);
    }
  });

  it("run Node 22 or later in every job, declared once in .nvmrc, as package.json's engines say", () => {
    const nvmrc = fs.readFileSync(path.join(PROJECT_ROOT, ".nvmrc"), "utf8").trim();
    assert.ok(Number(nvmrc.split(".")[0]) >= 22, `.nvmrc: ${nvmrc}`);
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    assert.strictEqual(pkg.engines.node, `>=${nvmrc}`);
    assert.match(pkg.devDependencies["@types/node"], new RegExp(`^\\^${nvmrc}\\.`));
    for (const { file, name, job } of jobs) {
      for (const setup of uses(job, "actions/setup-node")) {
        assert.deepStrictEqual([setup.with["node-version-file"], setup.with["node-version"]], [".nvmrc", undefined], `${file} ${name}`);
      }
      if (runs(job).some((r) => r.startsWith("npm "))) assert.strictEqual(uses(job, "actions/setup-node").length, 1, `${file} ${name} runs npm without setup-node`);
    }
  });

  it("give every job a timeout", () => {
    for (const { file, name, job } of jobs) assert.ok(Number.isInteger(job["timeout-minutes"]) && job["timeout-minutes"] > 0, `${file} ${name}`);
  });

  it("grant id-token: write only to jobs that assume a role, pull-requests: write only to the preview job", () => {
    for (const { file, name, job } of jobs) {
      const assumes = uses(job, "aws-actions/configure-aws-credentials").length > 0;
      assert.strictEqual(permissions(job)["id-token"] === "write", assumes, `${file} ${name}`);
      assert.strictEqual(permissions(job)["pull-requests"] === "write", file === "preview.yml" && name === "preview", `${file} ${name}`);
      // Where a token can be requested, npm runs no package's install scripts.
      if (assumes) for (const run of runs(job).filter((r) => r.startsWith("npm ci"))) assert.strictEqual(run, "npm ci --ignore-scripts", `${file} ${name}`);
    }
  });

  it("never let a pull-request job's role or token reach a job that runs pulumi up", () => {
    const onPullRequest = jobs.filter(({ file }) => workflows[file].on.pull_request);
    const up = jobs.filter(({ job }) => pulumiStep(job)?.with?.command === "up");
    assert.ok(onPullRequest.length > 0 && up.length === 2);
    const credentialsOf = (job: any) => [
      ...uses(job, "aws-actions/configure-aws-credentials").map((s) => s.with["role-to-assume"]),
      ...uses(job, "pulumi/auth-actions").map((s) => s.with.scope),
      ...steps(job).flatMap((s) => Object.values(s.env ?? {}).filter((v) => typeof v === "string" && v.includes("secrets."))),
    ];
    const prCredentials = new Set(onPullRequest.flatMap(({ job }) => credentialsOf(job)));
    assert.ok(prCredentials.has("${{ vars.AWS_PREVIEW_ROLE_ARN }}"));
    for (const { name, job } of up) {
      for (const credential of credentialsOf(job)) assert.ok(!prCredentials.has(credential), `${name} uses ${credential}, which pull requests use`);
      assert.ok(job.environment, `${name}: deploy jobs read their role from their environment`);
    }
    for (const { job } of onPullRequest) assert.strictEqual(job.environment, undefined, "a pull-request job in an environment would carry its subject");
  });

  it("deploy prod only by hand, only from refs/heads/main, in the prod environment; dev on pushes to main", () => {
    const wf = workflows["deploy.yml"];
    assert.deepStrictEqual(wf.on.push.branches, ["main"]);
    assert.ok("workflow_dispatch" in wf.on);
    const { dev, prod } = wf.jobs;
    assert.deepStrictEqual([dev.environment, pulumiStep(dev).with.command, pulumiStep(dev).with["stack-name"]], ["dev", "up", "${{ vars.PULUMI_ORGANIZATION }}/dev"]);
    assert.match(dev.if, /github\.event_name == 'push'/);
    assert.strictEqual(prod.environment, "prod");
    assert.match(prod.if, /github\.event_name == 'workflow_dispatch'/);
    assert.match(prod.if, /github\.ref == 'refs\/heads\/main'/);
    assert.deepStrictEqual([pulumiStep(prod).with.command, pulumiStep(prod).with["stack-name"]], ["up", "${{ vars.PULUMI_ORGANIZATION }}/prod"]);
  });

  it("pin the Pulumi CLI version in every Pulumi step", () => {
    for (const { file, job } of jobs) {
      const step = pulumiStep(job);
      if (!step) continue;
      assert.match(String(step.with["pulumi-version"]).replace("${{ env.PULUMI_VERSION }}", workflows[file].env.PULUMI_VERSION), /^\d+\.\d+\.\d+$/, file);
    }
  });

  it("skip previews of pull requests from forks, with a notice, and preview same-repository ones", () => {
    const { preview, "fork-notice": notice } = workflows["preview.yml"].jobs;
    assert.strictEqual(preview.if, "github.event.pull_request.head.repo.full_name == github.repository");
    assert.strictEqual(notice.if, "github.event.pull_request.head.repo.full_name != github.repository");
    assert.match(runs(notice)[0], /::notice /);
    assert.deepStrictEqual(preview.strategy.matrix.stack, ["dev", "prod"]);
    assert.deepStrictEqual([pulumiStep(preview).with.command, pulumiStep(preview).with["comment-on-pr"]], ["preview", true]);
  });

  it("a fork's pull request is told what ran and what to review, never to push its branch here", () => {
    const notice = runs(workflows["preview.yml"].jobs["fork-notice"])[0];
    assert.doesNotMatch(notice, /\bpush/i, "pushing a fork's branch runs its workflows with this repository's secrets");
    assert.match(notice, /offline-plan/);
    assert.match(fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8").replace(/\s+/g, " "), /Never push a fork.s branch to this repository/);
  });

  it("plan each stack offline on pull requests, forks included, with no secret and no AWS", () => {
    const plan = workflows["preview.yml"].jobs["offline-plan"];
    assert.deepStrictEqual(plan.strategy.matrix.stack, ["dev", "prod"]);
    assert.ok(runs(plan).some((r) => r.includes("npm run --silent plan -- --stack ${{ matrix.stack }}") && r.includes("$GITHUB_STEP_SUMMARY")));
    assert.strictEqual(plan.if, undefined);
    assert.deepStrictEqual(permissions(plan), { contents: "read" });
    assert.doesNotMatch(JSON.stringify(plan), /secrets\.|aws-actions/);
  });

  it("jobs that can request an OIDC token restore no cache another job wrote", () => {
    const credentialed = jobs.filter(({ job }) => permissions(job)["id-token"] === "write");
    assert.ok(credentialed.length >= 3, "preview, dev and prod");
    for (const { file, name, job } of credentialed) {
      assert.strictEqual(uses(job, "actions/cache").length, 0, `${file} ${name}`);
      for (const step of uses(job, "actions/setup-node")) assert.strictEqual(step.with?.cache, undefined, `${file} ${name}: setup-node restores npm's cache`);
    }
  });

  it("boot each stack's Jenkins on pull requests, forks included, with no secret and no AWS", () => {
    const boot = workflows["preview.yml"].jobs["boot-test"];
    assert.deepStrictEqual(boot.strategy.matrix.stack, ["dev", "prod"]);
    assert.ok(runs(boot).includes("npm run boot-test -- --stack ${{ matrix.stack }}"));
    assert.strictEqual(boot.if, undefined);
    assert.deepStrictEqual(permissions(boot), { contents: "read" });
    assert.doesNotMatch(JSON.stringify(boot), /secrets\.|aws-actions/);
  });

  it("build every image the stacks build on pull requests, pushing nothing", () => {
    const images = workflows["preview.yml"].jobs.images;
    assert.deepStrictEqual(images.strategy.matrix.stack, ["dev", "prod"]);
    assert.ok(runs(images).includes("npm run build-images -- --stack ${{ matrix.stack }}"));
    assert.ok(uses(images, "docker/setup-qemu-action").length === 1 && uses(images, "docker/setup-buildx-action").length === 1);
    assert.deepStrictEqual(permissions(images), { contents: "read" });
  });

  it("store no Pulumi token: each Pulumi step gets a team token for its job by OIDC, from its own team variable", () => {
    for (const [file, text] of Object.entries(texts)) {
      const secrets = [...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
      assert.deepStrictEqual([...new Set(secrets)], secrets.length ? ["GITHUB_TOKEN"] : [], `${file}: the only secret is the job's own GITHUB_TOKEN`);
    }
    const withPulumi = jobs.filter(({ job }) => pulumiStep(job));
    assert.strictEqual(withPulumi.length, 3, "preview, dev, prod");
    for (const { file, name, job } of withPulumi) {
      const auth = uses(job, "pulumi/auth-actions");
      assert.strictEqual(auth.length, 1, `${file} ${name}`);
      assert.ok(steps(job).indexOf(auth[0]) < steps(job).indexOf(pulumiStep(job)), `${file} ${name}: the token comes before pulumi runs`);
      assert.strictEqual(auth[0].with.organization, "${{ vars.PULUMI_ORGANIZATION }}");
      assert.strictEqual(auth[0].with["requested-token-type"], "urn:pulumi:token-type:access_token:team");
      assert.strictEqual(auth[0].with.scope, job.environment ? "team:${{ vars.PULUMI_DEPLOY_TEAM }}" : "team:${{ vars.PULUMI_PREVIEW_TEAM }}", `${file} ${name}`);
      // pulumi/auth-actions v2.1.0 action.yml: token-expiration, in seconds.
      const seconds = Number(auth[0].with["token-expiration"]);
      assert.ok(seconds > 0 && seconds <= job["timeout-minutes"] * 60, `${file} ${name}: the token outlives the job (${seconds} s)`);
      for (const step of steps(job)) assert.strictEqual(step.env?.PULUMI_ACCESS_TOKEN, undefined, `${file} ${name}: auth-actions exports the token`);
    }
  });

  it("emulate ARM64 in credentialed jobs with Ubuntu's signed qemu-user-static, checked for the F flag, never setup-qemu-action's image", () => {
    const credentialed = jobs.filter(({ job }) => permissions(job)["id-token"] === "write");
    for (const { file, name, job } of credentialed) {
      assert.strictEqual(uses(job, "docker/setup-qemu-action").length, 0, `${file} ${name}`);
      const builds = uses(job, "docker/setup-buildx-action").length > 0;
      const qemu = runs(job).find((r) => r.includes("qemu-user-static"));
      assert.strictEqual(qemu !== undefined, builds, `${file} ${name}: jobs that build images register QEMU`);
      if (qemu) {
        assert.match(qemu, /apt-get install -y --no-install-recommends qemu-user-static binfmt-support/);
        assert.match(qemu, /grep -q '\^flags: \.\*F' \/proc\/sys\/fs\/binfmt_misc\/qemu-aarch64/);
        assert.ok(steps(job).findIndex((s) => s.run === qemu) < steps(job).indexOf(pulumiStep(job)));
      }
    }
  });

  it("reach AWS through OIDC role assumption only, never stored keys", () => {
    for (const { file, job } of jobs) assert.doesNotMatch(JSON.stringify(job), /AWS_SECRET_ACCESS_KEY|aws-secret-access-key|aws-access-key-id/, file);
  });
});

describe("README and runbook", () => {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const runbook = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8");

  it("the README links the runbook", () => {
    assert.match(readme, /\(docs\/runbook\.md\)/);
  });

  it("documents every alarm threshold with its value, as in the code", () => {
    for (const [name, spec] of Object.entries(ALARM_THRESHOLDS)) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${name}\``));
      assert.ok(row, `README has no alarm row for ${name}`);
      const value = "below" in spec ? spec.below : "above" in spec ? spec.above : spec.atLeast;
      assert.ok(row.includes(String(value)), `README row for ${name} does not state ${value}: ${row}`);
      assert.ok(row.includes(`${spec.periods} × ${spec.period} s`), `README row for ${name} does not state ${spec.periods} × ${spec.period} s`);
    }
  });

  it("documents the down alarms' window for the default grace period, as the code computes it", () => {
    const { datapointsToAlarm, evaluationPeriods, period } = downAlarmWindow(DEFAULTS.healthCheckGracePeriodSeconds);
    const rows = readme.split("\n").filter((line) => /^\| `(no healthy target|no running task)`/.test(line));
    assert.strictEqual(rows.length, 2);
    for (const row of rows) assert.ok(row.includes(`${datapointsToAlarm} of ${evaluationPeriods} × ${period} s`), row);
  });

  for (const topic of ["First deployment", "admin password", "Upgrading Jenkins", "Restoring JENKINS_HOME", "Rotating the admin password", "pulumi destroy", "Verifying a deployment", "Agents that never connect", "Image pull errors", "Permission errors", "What it costs"]) {
    it(`the runbook has a section on ${topic}`, () => assert.match(runbook, new RegExp(`^#+ .*${topic}`, "mi")));
  }
});

describe("README and runbook say the same", () => {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const runbook = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8");
  const natSaving = (text: string) => [...text.matchAll(/([\d.]+) USD a month per NAT gateway/g)].map((m) => m[1]);

  it("one NAT-saving figure in both, and it is a NAT gateway plus its public IPv4 address", () => {
    const figures = [...natSaving(readme), ...natSaving(runbook)];
    assert.ok(natSaving(readme).length > 0 && natSaving(runbook).length > 0, "each states the saving");
    // eu-west-1, the region of the checked-in stacks: 730 h × (0.048 + 0.005).
    assert.deepStrictEqual([...new Set(figures)], [natGatewaySaving(PRICES["eu-west-1"]).toFixed(2)]);
    assert.strictEqual(natGatewaySaving(PRICES["eu-west-1"]).toFixed(2), "38.69");
    assert.doesNotMatch(readme + runbook, /USD\/month less per AZ|36 USD per extra AZ/);
  });

  it("backups are named by the vault EFS automatic backups use", () => {
    for (const text of [readme, runbook]) assert.match(text, /`aws\/efs\/automatic-backup-vault`/);
    assert.doesNotMatch(readme + runbook, /default vault/);
  });

  it("first use creates the stack (pulumi stack init), and the adopt-mode example removes the create-mode keys first", () => {
    for (const text of [readme, runbook]) assert.match(text, /pulumi stack init /);
    const example = readme.slice(readme.indexOf("pulumi config rm availabilityZones"));
    assert.ok(example.indexOf("pulumi config rm natGateways") < example.indexOf("pulumi config set vpcId"), "config rm comes before the adopt keys");
  });
});

describe("README agrees with the agent limits", () => {
  // Sentences wrap across lines in Markdown.
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8").replace(/\s+/g, " ");

  it("states the stack-wide cap the config enforces and the subnet sizing follows", () => {
    assert.match(readme, new RegExp(`at most ${MAX_CONCURRENT_AGENTS.toLocaleString("en-US")} agent tasks at once`));
    assert.doesNotMatch(readme, /across all templates/);
  });

  for (const stack of ["dev", "prod"]) {
    it(`states ${stack}'s total and per-template limits as its stack file sets them`, () => {
      const templates = parseSettings(stackConfig(stack), stack).agents.templates;
      const total = templates.reduce((sum, t) => sum + t.maxAgents, 0);
      const perTemplate = templates.map((t) => `\`${t.label}\` ${t.maxAgents}`).join(", ");
      assert.ok(readme.includes(`${stack} at most ${total} agent tasks (${perTemplate})`), `README lacks "${stack} at most ${total} agent tasks (${perTemplate})"`);
    });
  }
});

describe("runbook sections verify points at", () => {
  const runbook = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8");
  // GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens.
  const anchors = new Set([...runbook.matchAll(/^#+ (.*)$/gm)].map((m) => m[1].toLowerCase().replace(/[^\w\s-]/g, "").replace(/\s/g, "-")));
  for (const console of ["CannotPullContainerError: toomanyrequests", "User: arn:aws:sts::1:assumed-role/x is not authorized to perform: ecs:RunTask", "Still waiting to schedule task"]) {
    it(`a failure like "${console.slice(0, 40)}..." points at a section that exists`, () => {
      const section = runbookSection(console);
      assert.ok(anchors.has(section.split("#")[1]), section);
    });
  }
  it("verify's wrong-password message points at a section that exists", () => {
    assert.ok(anchors.has("rotating-the-admin-password"));
  });
});

describe("the dev deployment verifies itself", () => {
  const wf = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "deploy.yml"), "utf8"));
  const steps: any[] = wf.jobs.dev.steps;
  const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
  const verifyStep = steps.findIndex((s) => typeof s.run === "string" && /npm run --silent verify -- --stack \$\{\{ vars\.PULUMI_ORGANIZATION \}\}\/dev --json > (\S+)/.test(s.run));

  it("runs npm run verify -- --stack dev --json right after pulumi up, failing the job when it fails", () => {
    assert.ok(up >= 0 && verifyStep === up + 1, "verify comes right after up");
    assert.strictEqual(steps[verifyStep]["continue-on-error"], undefined);
  });

  it("keeps the JSON report as a build artifact, also when verify failed", () => {
    const file = /> (\S+)/.exec(steps[verifyStep].run)![1];
    const upload = steps.slice(verifyStep + 1).find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    assert.ok(upload, "no upload-artifact step");
    assert.strictEqual(upload.if, "always()");
    assert.strictEqual(upload.with.path, file);
  });
});
