import * as assert from "assert";
import { ConfigError, RawConfig } from "../lib/config/reader";
import { DEFAULTS } from "../lib/config/keys";
import { LATEST_LOCK_SECONDS, MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS } from "../lib/aws/controllerWaits";
import { parseSettings } from "../lib/config/parse";
import { Settings } from "../lib/settings";
import { errorOf, stackConfig } from "./helpers";

const VALID: RawConfig = {
  "aws:region": "eu-west-1",
  "jenkins-ecs:certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
};

function parse(overrides: Record<string, string | undefined>): Settings {
  return parseSettings({ ...VALID, ...overrides }, "test");
}

function problemsOf(overrides: Record<string, string | undefined>): string[] {
  try {
    parse(overrides);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return [...err.problems];
  }
  assert.fail(`expected ${JSON.stringify(overrides)} to be rejected`);
}

const agents = (...templates: object[]) => ({ "jenkins-ecs:agents": JSON.stringify(templates) });

describe("stack config validation", () => {
  describe("GIVEN the checked-in stacks", () => {
    for (const stack of ["dev", "prod"]) {
      it(`accepts Pulumi.${stack}.yaml`, () => {
        const settings = parseSettings(stackConfig(stack), stack);
        assert.strictEqual(settings.stack, stack);
      });
    }

    it("a stack without a boundary needs no stack tag; with one, accepts its own tag and an ARN", () => {
      assert.strictEqual(parse({}).permissionsBoundary, undefined);
      const tagged = { "aws:defaultTags": '{"tags":{"jenkins-ecs-stack":"test","team":"ci"}}' };
      assert.strictEqual(parse({ ...tagged, "jenkins-ecs:permissionsBoundary": "jenkins-ecs-boundary/test" }).permissionsBoundary, "jenkins-ecs-boundary/test");
      const arn = "arn:aws:iam::123456789012:policy/org/boundary";
      assert.strictEqual(parse({ ...tagged, "jenkins-ecs:permissionsBoundary": arn }).permissionsBoundary, arn);
    });

    it("dev is smaller than prod: fewer AZs, a single NAT, a smaller controller", () => {
      const dev = parseSettings(stackConfig("dev"), "dev");
      const prod = parseSettings(stackConfig("prod"), "prod");
      assert.ok(dev.network.mode === "create" && prod.network.mode === "create");
      assert.deepStrictEqual([dev.network.availabilityZones, dev.network.natGateways], [2, "single"]);
      assert.deepStrictEqual([prod.network.availabilityZones, prod.network.natGateways], [3, "onePerAz"]);
      assert.ok(prod.controller.cpu > dev.controller.cpu && prod.controller.memory > dev.controller.memory);
    });
  });

  describe("GIVEN only a region and a certificate", () => {
    it("fills every default", () => {
      const s = parse({});
      assert.strictEqual(s.jnlpPort, 50000);
      assert.deepStrictEqual(s.network, { mode: "create", cidr: "10.0.0.0/16", availabilityZones: 2, natGateways: "onePerAz" });
      assert.deepStrictEqual(s.controller, {
        cpu: DEFAULTS.controllerCpu,
        memory: DEFAULTS.controllerMemory,
        image: undefined,
        adminUser: "admin",
        adminEmail: undefined,
        healthCheckGracePeriodSeconds: 360,
        fileSystemThroughputMode: "elastic",
        jenkinsHomePath: "/jenkins-home",
        existingFileSystemId: undefined,
        ecsExec: true,
      });
      assert.deepStrictEqual([s.vpcEndpoints, s.alarmEmail], [false, undefined]);
      assert.deepStrictEqual(s.loadBalancer, { internal: false, allowedCidrs: ["0.0.0.0/0"], keepAccessLogs: true }, "access logs kept on destroy unless a stack opts out");
      assert.strictEqual(s.partition, "aws");
      assert.strictEqual(s.containerInsights, false, "Insights costs per metric: on only when a stack asks");
      assert.strictEqual(s.logRetentionDays, 30);
      assert.strictEqual(s.deletionProtection, true, "secure by default: data and entry point protected unless a stack opts out");
      assert.strictEqual(s.agents.idleMinutes, 5);
      assert.strictEqual(s.discoveryNamespace, "test.jenkins-ecs.internal");
      assert.deepStrictEqual(s.agents.templates, [
        { label: "ecs", cpu: 1024, memory: 2048, build: "inbound-agent", spot: false, architecture: "X86_64", maxAgents: 10, reuse: false, permissions: { policyArns: [], ecrPush: [] }, environment: {}, secrets: {}, kaniko: false },
      ]);
    });
  });

  // Each row: a bad value, the key the message must name, and a fragment of what is allowed.
  const rejected: [string, Record<string, string | undefined>, string, string][] = [
    ["a missing region", { "aws:region": undefined }, "aws:region", "required"],
    ["a malformed region", { "aws:region": "Ireland" }, "aws:region", "AWS region"],
    ["a missing certificate", { "jenkins-ecs:certificateArn": undefined }, "jenkins-ecs:certificateArn", "required"],
    ["a malformed certificate ARN", { "jenkins-ecs:certificateArn": "arn:aws:acm:eu-west-1:1234:cert/x" }, "jenkins-ecs:certificateArn", "ACM certificate ARN"],
    [
      "a certificate from another region",
      { "jenkins-ecs:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000" },
      "jenkins-ecs:certificateArn",
      "can only use a certificate from eu-west-1",
    ],
    [
      "a domain with neither a certificate nor a hosted zone",
      { "jenkins-ecs:certificateArn": undefined, "jenkins-ecs:domainName": "jenkins.example.com" },
      "jenkins-ecs:certificateArn",
      "its DNS is yours: give the ARN of a certificate of yours",
    ],
    ["a hosted zone without a domain", { "jenkins-ecs:hostedZoneId": "Z0123456789ABCDEFGHIJ" }, "jenkins-ecs:domainName", "alias record needs the name users type"],
    ["a region of the China partition", { "aws:region": "cn-north-1", "jenkins-ecs:certificateArn": "arn:aws-cn:acm:cn-north-1:123456789012:certificate/00000000-0000-0000-0000-000000000000" }, "aws:region", "aws-cn partition, which this stack does not support"],
    ["an isolated region", { "aws:region": "us-iso-east-1" }, "aws:region", "AWS region"],
    [
      "a certificate of the aws partition in GovCloud",
      { "aws:region": "us-gov-west-1", "jenkins-ecs:certificateArn": "arn:aws:acm:us-gov-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000" },
      "jenkins-ecs:certificateArn",
      "can only use a certificate from us-gov-west-1",
    ],
    [
      "a policy of the aws partition in GovCloud",
      {
        "aws:region": "us-gov-west-1",
        "jenkins-ecs:certificateArn": "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
        ...agents({ label: "ecs", permissions: { policyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] } }),
      },
      "jenkins-ecs:agents[0].permissions.policyArns",
      "in the aws partition, but us-gov-west-1 is in aws-us-gov",
    ],
    ["one of our keys under a misspelt namespace", { "jenkins_ecs:jnlpPort": "50001" }, "jenkins_ecs:jnlpPort", "write it as jenkins-ecs:jnlpPort"],
    ["one of our keys under the stack's name", { "jenkins-ecs-dev:agents": '[{"label": "ecs"}]' }, "jenkins-ecs-dev:agents", "write it as jenkins-ecs:agents"],
    ["an unknown key under a misspelt namespace", { "jenkinsecs:colour": "blue" }, "jenkinsecs:colour", "not this project's namespace"],
    ["a key of ours under a provider's namespace", { "aws:vpcId": "vpc-0123456789abcdef0" }, "aws:vpcId", "write it as jenkins-ecs:vpcId"],
    ["a key in the wrong case", { "jenkins-ecs:jnlpport": "50001" }, "jenkins-ecs:jnlpport", "did you mean jenkins-ecs:jnlpPort"],
    ["a quoted agent cpu", agents({ label: "ecs", cpu: "1024", memory: 2048 }), "jenkins-ecs:agents[0].cpu", "expected a number, not a string: write 1024 without quotes"],
    ["a quoted agent memory", agents({ label: "ecs", cpu: 1024, memory: "2048" }), "jenkins-ecs:agents[0].memory", "expected a number, not a string"],
    ["quoted ephemeral storage", agents({ label: "ecs", ephemeralStorageGiB: "50" }), "jenkins-ecs:agents[0].ephemeralStorageGiB", "expected a number, not a string"],
    ["a quoted spot flag", agents({ label: "ecs", spot: "true" }), "jenkins-ecs:agents[0].spot", "expected true or false, not a string"],
    ["an IPv6 range for the IPv4-only load balancer", { "jenkins-ecs:allowedCidrs": '["203.0.113.0/24", "::/0"]' }, "jenkins-ecs:allowedCidrs", "IPv4-only, so an IPv6 range would admit nobody"],
    ["a malformed domain", { "jenkins-ecs:domainName": "not a domain", "jenkins-ecs:hostedZoneId": "Z0123456789ABC" }, "jenkins-ecs:domainName", "DNS name"],
    ["the HTTP port as JNLP port", { "jenkins-ecs:jnlpPort": "8080" }, "jenkins-ecs:jnlpPort", "HTTP port"],
    ["a privileged JNLP port", { "jenkins-ecs:jnlpPort": "80" }, "jenkins-ecs:jnlpPort", "1024 to 65535"],
    ["a JNLP port beyond 65535", { "jenkins-ecs:jnlpPort": "70000" }, "jenkins-ecs:jnlpPort", "1024 to 65535"],
    ["a JNLP port that is not a number", { "jenkins-ecs:jnlpPort": "fifty" }, "jenkins-ecs:jnlpPort", "whole number"],
    ["a boundary given by a role ARN", { "jenkins-ecs:permissionsBoundary": "arn:aws:iam::123456789012:role/x", "aws:defaultTags": '{"tags":{"jenkins-ecs-stack":"test"}}' }, "jenkins-ecs:permissionsBoundary", "ARN of a managed policy"],
    ["a boundary of another partition", { "jenkins-ecs:permissionsBoundary": "arn:aws-cn:iam::123456789012:policy/b", "aws:defaultTags": '{"tags":{"jenkins-ecs-stack":"test"}}' }, "jenkins-ecs:permissionsBoundary", "of this partition"],
    ["a boundary without the stack tag", { "jenkins-ecs:permissionsBoundary": "jenkins-ecs-boundary/test" }, "aws:defaultTags", "tags.jenkins-ecs-stack is not set"],
    ["a boundary with another stack's tag", { "jenkins-ecs:permissionsBoundary": "jenkins-ecs-boundary/test", "aws:defaultTags": '{"tags":{"jenkins-ecs-stack":"prod"}}' }, "aws:defaultTags", 'its own name, "test"'],
    ["a malformed VPC CIDR", { "jenkins-ecs:vpcCidr": "10.0.0/16" }, "jenkins-ecs:vpcCidr", "IPv4 network address"],
    ["a VPC CIDR with host bits", { "jenkins-ecs:vpcCidr": "10.0.0.1/16" }, "jenkins-ecs:vpcCidr", "IPv4 network address"],
    ["a VPC CIDR larger than AWS allows", { "jenkins-ecs:vpcCidr": "10.0.0.0/8" }, "jenkins-ecs:vpcCidr", "/16 to /28"],
    ["a VPC too small for 2,000 agents", { "jenkins-ecs:vpcCidr": "10.0.0.0/20" }, "jenkins-ecs:vpcCidr", "2000 concurrent agents"],
    ["one availability zone", { "jenkins-ecs:availabilityZones": "1" }, "jenkins-ecs:availabilityZones", "2 to 3"],
    ["four availability zones", { "jenkins-ecs:availabilityZones": "4" }, "jenkins-ecs:availabilityZones", "2 to 3"],
    ["an unknown NAT strategy", { "jenkins-ecs:natGateways": "none" }, "jenkins-ecs:natGateways", '"single", "onePerAz"'],
    [
      "create and adopt keys mixed",
      { "jenkins-ecs:vpcCidr": "10.1.0.0/16", "jenkins-ecs:vpcId": "vpc-0123456789abcdef0", "jenkins-ecs:publicSubnetIds": "subnet-01234567,subnet-89abcdef", "jenkins-ecs:privateSubnetIds": "subnet-11111111,subnet-22222222" },
      "jenkins-ecs:vpcCidr",
      "not both",
    ],
    ["an adopted VPC without subnets", { "jenkins-ecs:vpcId": "vpc-0123456789abcdef0" }, "jenkins-ecs:privateSubnetIds", "together"],
    ["subnets without a VPC", { "jenkins-ecs:publicSubnetIds": "subnet-01234567,subnet-89abcdef", "jenkins-ecs:privateSubnetIds": "subnet-11111111,subnet-22222222" }, "jenkins-ecs:vpcId", "together"],
    ["a malformed VPC id", { "jenkins-ecs:vpcId": "my-vpc", "jenkins-ecs:publicSubnetIds": "subnet-01234567,subnet-89abcdef", "jenkins-ecs:privateSubnetIds": "subnet-11111111,subnet-22222222" }, "jenkins-ecs:vpcId", "VPC id"],
    ["a single private subnet", { "jenkins-ecs:vpcId": "vpc-0123456789abcdef0", "jenkins-ecs:publicSubnetIds": "subnet-01234567,subnet-89abcdef", "jenkins-ecs:privateSubnetIds": '["subnet-11111111"]' }, "jenkins-ecs:privateSubnetIds", "at least two"],
    ["a malformed subnet id", { "jenkins-ecs:vpcId": "vpc-0123456789abcdef0", "jenkins-ecs:publicSubnetIds": "subnet-01234567,public-b", "jenkins-ecs:privateSubnetIds": "subnet-11111111,subnet-22222222" }, "jenkins-ecs:publicSubnetIds", "subnet ids"],
    ["a subnet both public and private", { "jenkins-ecs:vpcId": "vpc-0123456789abcdef0", "jenkins-ecs:publicSubnetIds": "subnet-01234567,subnet-89abcdef", "jenkins-ecs:privateSubnetIds": "subnet-01234567,subnet-22222222" }, "jenkins-ecs:privateSubnetIds", "distinct"],
    ["a controller size Fargate does not offer", { "jenkins-ecs:controllerCpu": "1024", "jenkins-ecs:controllerMemory": "1024" }, "jenkins-ecs:controllerMemory", "2048 to 8192"],
    ["a controller cpu that is not a number", { "jenkins-ecs:controllerCpu": "2 vCPU" }, "jenkins-ecs:controllerCpu", "whole number"],
    ["agents that are not a list", { "jenkins-ecs:agents": '{"label": "ecs"}' }, "jenkins-ecs:agents", "list of agent templates"],
    ["an empty agents list", { "jenkins-ecs:agents": "[]" }, "jenkins-ecs:agents", "list of agent templates"],
    ["duplicate agent labels", agents({ label: "ecs" }, { label: "ecs", cpu: 2048, memory: 4096 }), "jenkins-ecs:agents[1].label", "unique"],
    ["an agent label with a space", agents({ label: "big builds" }), "jenkins-ecs:agents[0].label", "letters, digits"],
    ["an agent without a label", agents({ cpu: 1024, memory: 2048 }), "jenkins-ecs:agents[0].label", "letters, digits"],
    ["an agent size Fargate does not offer", agents({ label: "ecs", cpu: 1024, memory: 512 }), "jenkins-ecs:agents[0].cpu", "2048 to 8192"],
    ["an agent cpu Fargate does not offer", agents({ label: "ecs", cpu: 3000, memory: 4096 }), "jenkins-ecs:agents[0].cpu", "cpu must be one of 256, 512"],
    ["an unknown architecture", agents({ label: "ecs", architecture: "arm64" }), "jenkins-ecs:agents[0].architecture", '"X86_64", "ARM64"'],
    ["ephemeral storage below 21 GiB", agents({ label: "ecs", ephemeralStorageGiB: 20 }), "jenkins-ecs:agents[0].ephemeralStorageGiB", "21 to 200"],
    ["ephemeral storage above 200 GiB", agents({ label: "ecs", ephemeralStorageGiB: 201 }), "jenkins-ecs:agents[0].ephemeralStorageGiB", "21 to 200"],
    ["spot that is not a boolean", agents({ label: "ecs", spot: "yes" }), "jenkins-ecs:agents[0].spot", "true or false"],
    ["an image with a space", agents({ label: "ecs", image: "jenkins agent" }), "jenkins-ecs:agents[0].image", "pinned image reference"],
    ["an agent image without a tag", agents({ label: "ecs", image: "jenkins/inbound-agent" }), "jenkins-ecs:agents[0].image", "pinned image reference"],
    ["an agent image tagged latest", agents({ label: "ecs", image: "jenkins/inbound-agent:latest" }), "jenkins-ecs:agents[0].image", "other than \"latest\""],
    ["a controller image tagged latest", { "jenkins-ecs:controllerImage": "jenkins/jenkins:latest" }, "jenkins-ecs:controllerImage", "pinned image reference"],
    ["a malformed admin e-mail", { "jenkins-ecs:adminEmail": "jenkins at example" }, "jenkins-ecs:adminEmail", "e-mail address"],
    ["an admin e-mail JCasC would try to substitute", { "jenkins-ecs:adminEmail": "${USER}@example.com" }, "jenkins-ecs:adminEmail", "e-mail address"],
    ["an admin user with a space", { "jenkins-ecs:adminUser": "jenkins admin" }, "jenkins-ecs:adminUser", "Jenkins user id"],
    ["containerInsights that is not a boolean", { "jenkins-ecs:containerInsights": "yes" }, "jenkins-ecs:containerInsights", "true or false"],
    ["internalLoadBalancer that is not a boolean", { "jenkins-ecs:internalLoadBalancer": "1" }, "jenkins-ecs:internalLoadBalancer", "true or false"],
    ["deletionProtection that is not a boolean", { "jenkins-ecs:deletionProtection": "on" }, "jenkins-ecs:deletionProtection", "true or false"],
    ["a negative health check grace period", { "jenkins-ecs:healthCheckGracePeriodSeconds": "-1" }, "jenkins-ecs:healthCheckGracePeriodSeconds", "0 to 7200"],
    [
      "a health check grace period shorter than the lock wait and Jenkins' start",
      { "jenkins-ecs:healthCheckGracePeriodSeconds": String(MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS - 1) },
      "jenkins-ecs:healthCheckGracePeriodSeconds",
      `expected at least ${MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS} (up to 7200): a new controller may wait up to ${LATEST_LOCK_SECONDS} s for the old one's lock`,
    ],
    ["an unknown EFS throughput mode", { "jenkins-ecs:fileSystemThroughputMode": "provisioned" }, "jenkins-ecs:fileSystemThroughputMode", '"elastic", "bursting"'],
    ["a log retention CloudWatch does not offer", { "jenkins-ecs:logRetentionDays": "10" }, "jenkins-ecs:logRetentionDays", "one of 1, 3, 5, 7, 14, 30"],
    ["an allowed CIDR that is a bare address", { "jenkins-ecs:allowedCidrs": '["203.0.113.7"]' }, "jenkins-ecs:allowedCidrs", "IPv4 network CIDR"],
    ["an allowed CIDR with host bits", { "jenkins-ecs:allowedCidrs": "203.0.113.7/24" }, "jenkins-ecs:allowedCidrs", "no host bits"],
    ["an empty allowed CIDR list", { "jenkins-ecs:allowedCidrs": "[]" }, "jenkins-ecs:allowedCidrs", "non-empty list"],
    ["a misspelt template field", agents({ label: "ecs", Spot: true }), "jenkins-ecs:agents[0].Spot", "unknown field"],
    ["zero maxAgents", { "jenkins-ecs:maxAgents": "0" }, "jenkins-ecs:maxAgents", "1 to 1000"],
    [
      "build and image together",
      agents({ label: "ecs", build: "node", image: "jenkins/inbound-agent:3386.v353e57a_1b_ea_0-3-jdk21" }),
      "jenkins-ecs:agents[0].build",
      "either a prebuilt image (jenkins-ecs:agents[0].image) or one built from agent-images/<build>, not both",
    ],
    ["a build folder that does not exist", agents({ label: "ecs", build: "rust" }), "jenkins-ecs:agents[0].build", "there is no folder agent-images/rust"],
    ["a build name that is not a folder name", agents({ label: "ecs", build: "../controller-image" }), "jenkins-ecs:agents[0].build", "the name of a folder of agent-images/"],
    ["reuse that is not a boolean", agents({ label: "ecs", reuse: "yes" }), "jenkins-ecs:agents[0].reuse", "true or false"],
    ["a quoted reuse flag", agents({ label: "ecs", reuse: "false" }), "jenkins-ecs:agents[0].reuse", "not a string"],
    ["a template maxAgents below 1", agents({ label: "ecs", maxAgents: 0 }), "jenkins-ecs:agents[0].maxAgents", "from 1 to 1000"],
    ["a template maxAgents above 1000", agents({ label: "ecs", maxAgents: 1001 }), "jenkins-ecs:agents[0].maxAgents", "from 1 to 1000"],
    ["a fractional template maxAgents", agents({ label: "ecs", maxAgents: 2.5 }), "jenkins-ecs:agents[0].maxAgents", "whole number"],
    [
      "templates whose maxAgents add up to more than 2,000",
      agents({ label: "a", maxAgents: 1000 }, { label: "b", maxAgents: 1000 }, { label: "c", maxAgents: 1 }),
      "jenkins-ecs:agents",
      "add up to 2001, more than the 2000 agent tasks a stack may run at once",
    ],
    ["a stack default that pushes the total over 2,000", { "jenkins-ecs:maxAgents": "700", ...agents({ label: "a" }, { label: "b" }, { label: "c" }) }, "jenkins-ecs:agents", "add up to 2100"],
    ["negative maxAgents", { "jenkins-ecs:maxAgents": "-3" }, "jenkins-ecs:maxAgents", "1 to 1000"],
    ["zero idle minutes", { "jenkins-ecs:agentIdleMinutes": "0" }, "jenkins-ecs:agentIdleMinutes", "1 to 1440"],
    ["a template policy that is not a policy ARN", agents({ label: "ecs", permissions: { policyArns: ["AmazonS3ReadOnlyAccess"] } }), "jenkins-ecs:agents[0].permissions.policyArns", "IAM policy ARNs"],
    ["the retired stack-wide agent policies", { "jenkins-ecs:agentTaskPolicyArns": '["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]' }, "jenkins-ecs:agentTaskPolicyArns", "move these ARNs to jenkins-ecs:agents[<i>].permissions.policyArns"],
    ["an ECR repository given as a URI", agents({ label: "img", permissions: { ecrPush: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"] } }), "jenkins-ecs:agents[0].permissions.ecrPush", "not a URI or an ARN"],
    ["an unknown permissions field", agents({ label: "ecs", permissions: { s3: ["bucket"] } }), "jenkins-ecs:agents[0].permissions.s3", "policyArns and ecrPush"],
    ["a variable the agent sets", agents({ label: "ecs", environment: { JENKINS_URL: "http://x" } }), "jenkins-ecs:agents[0].environment.JENKINS_URL", "the agent or ECS sets it"],
    ["a secret named like an ECS variable", agents({ label: "ecs", secrets: { AWS_ACCESS_KEY_ID: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf" } }), "jenkins-ecs:agents[0].secrets.AWS_ACCESS_KEY_ID", "the agent or ECS sets it"],
    ["a bad variable name", agents({ label: "ecs", environment: { "1X": "a" } }), "jenkins-ecs:agents[0].environment.1X", "expected a variable name"],
    ["a secret that is not a Secrets Manager ARN", agents({ label: "ecs", secrets: { NPM_TOKEN: "arn:aws:ssm:eu-west-1:123456789012:parameter/npm" } }), "jenkins-ecs:agents[0].secrets.NPM_TOKEN", "full ARN of a Secrets Manager secret"],
    ["the kaniko container's folder as an agent build", agents({ label: "img", build: "kaniko" }), "jenkins-ecs:agents[0].build", 'set jenkins-ecs:agents[0].kaniko to true'],
    ["kaniko as a string", agents({ label: "img", kaniko: "true" }), "jenkins-ecs:agents[0].kaniko", "write true without quotes"],
    ["a cache on kaniko's queue", agents({ label: "img", kaniko: true, cache: { path: "/home/jenkins/.kaniko" } }), "jenkins-ecs:agents[0].cache", "are not caches"],
    ["a variable kaniko's client reads", agents({ label: "img", environment: { KANIKO_BUILD: "/bin/true" } }), "jenkins-ecs:agents[0].environment.KANIKO_BUILD", "the agent or ECS sets it"],
    ["a secret named like the registry variable", agents({ label: "img", secrets: { ECR_REGISTRY: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf" } }), "jenkins-ecs:agents[0].secrets.ECR_REGISTRY", "the agent or ECS sets it"],
    ["a label too long for the template's role names", agents({ label: "a".repeat(41) }), "jenkins-ecs:agents[0].label", "at most 40 characters"],
    ["a namespace that is not a DNS name", { "jenkins-ecs:discoveryNamespace": "Jenkins Internal" }, "jenkins-ecs:discoveryNamespace", "DNS name"],
    ["a relative JENKINS_HOME path", { "jenkins-ecs:jenkinsHomePath": "jenkins-home" }, "jenkins-ecs:jenkinsHomePath", "absolute directory"],
    ["a JENKINS_HOME path climbing up", { "jenkins-ecs:jenkinsHomePath": "/restore/../etc" }, "jenkins-ecs:jenkinsHomePath", "absolute directory"],
    ["a JENKINS_HOME path with a trailing slash", { "jenkins-ecs:jenkinsHomePath": "/jenkins-home/" }, "jenkins-ecs:jenkinsHomePath", "absolute directory"],
    ["ecsExec that is not a boolean", { "jenkins-ecs:ecsExec": "yes" }, "jenkins-ecs:ecsExec", "true or false"],
    ["an existing file system that is not a file system id", { "jenkins-ecs:existingFileSystemId": "jenkins-home" }, "jenkins-ecs:existingFileSystemId", "id of an EFS file system"],
    [
      "a throughput mode for an adopted file system",
      { "jenkins-ecs:existingFileSystemId": "fs-0123456789abcdef0", "jenkins-ecs:fileSystemThroughputMode": "bursting" },
      "jenkins-ecs:fileSystemThroughputMode",
      "applies to a file system this stack creates",
    ],
    ["vpcEndpoints that is not a boolean", { "jenkins-ecs:vpcEndpoints": "yes" }, "jenkins-ecs:vpcEndpoints", "true or false"],
    ["a malformed alarm e-mail", { "jenkins-ecs:alarmEmail": "oncall" }, "jenkins-ecs:alarmEmail", "e-mail address"],
    ["a misspelt key", { "jenkins-ecs:jnlpPrt": "50001" }, "jenkins-ecs:jnlpPrt", "unknown key"],
  ];

  for (const [what, overrides, key, allowed] of rejected) {
    it(`rejects ${what}, naming ${key}`, () => {
      const problems = problemsOf(overrides);
      const problem = problems.find((p) => p.startsWith(`${key}:`));
      assert.ok(problem, `no problem names ${key}: ${JSON.stringify(problems)}`);
      assert.ok(problem.includes(allowed), `"${problem}" does not say "${allowed}"`);
    });
  }

  it("derives a DNS-safe namespace from any stack name", () => {
    const s = parseSettings(VALID, "Team_A.prod");
    assert.strictEqual(s.discoveryNamespace, "team-a-prod.jenkins-ecs.internal");
  });

  it("accepts AWS-managed and customer-managed policies, ECR repositories, variables and secrets per template", () => {
    const policyArns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::123456789012:policy/ci/deploy-artifacts"];
    const secrets = { NPM_TOKEN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:npm-AbCdEf", DB_USER: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:username::" };
    const [t] = parse(agents({ label: "build", permissions: { policyArns, ecrPush: ["team/app"] }, environment: { NODE_ENV: "ci", RETRIES: 3 }, secrets })).agents.templates;
    assert.deepStrictEqual(t.permissions, { policyArns, ecrPush: ["team/app"] });
    assert.deepStrictEqual(t.environment, { NODE_ENV: "ci", RETRIES: "3" });
    assert.deepStrictEqual(t.secrets, secrets);
  });

  it("warns, without refusing, of an environment value that looks like a secret", () => {
    const { readSettings } = require("../lib/config/parse");
    const { warnings } = readSettings({ ...VALID, ...agents({ label: "ecs", environment: { NPM_TOKEN: "abc", MODE: "ghp_0123456789abcdefghijABCDEFGHIJ" } }) }, "test");
    assert.deepStrictEqual(warnings.map((w: string) => w.split(" ")[0]), ["jenkins-ecs:agents[0].environment.NPM_TOKEN", "jenkins-ecs:agents[0].environment.MODE"]);
    assert.match(warnings[0], /put it in Secrets Manager and name it under jenkins-ecs:agents\[0\]\.secrets instead/);
    assert.deepStrictEqual(readSettings({ ...VALID, ...agents({ label: "ecs", environment: { NODE_ENV: "ci" } }) }, "test").warnings, []);
    const kaniko = readSettings({ ...VALID, ...agents({ label: "img", kaniko: true }) }, "test").warnings;
    assert.deepStrictEqual(kaniko.map((w: string) => w.split(" ")[0]), ["jenkins-ecs:agents[0].kaniko"]);
    assert.match(kaniko[0], /permissions\.ecrPush names no repository/);
    assert.deepStrictEqual(readSettings({ ...VALID, ...agents({ label: "img", kaniko: true, permissions: { ecrPush: ["app"] } }) }, "test").warnings, []);
  });

  it("quotes the bad value in the message", () => {
    const [problem] = problemsOf({ "jenkins-ecs:jnlpPort": "8080" });
    assert.ok(problem.includes('"8080"'), problem);
  });

  it("lists every problem at once, not only the first", async () => {
    const error = (await errorOf(() => parse({ "aws:region": "Ireland", "jenkins-ecs:jnlpPort": "8080", ...agents({ label: "a b" }) }))) as ConfigError;
    assert.strictEqual(error.problems.length, 3);
    for (const key of ["aws:region", "jenkins-ecs:jnlpPort", "jenkins-ecs:agents[0].label"]) {
      assert.ok(error.message.includes(key), `message does not name ${key}`);
    }
  });

  it("adopts an existing VPC from lists given as YAML lists or comma-separated", () => {
    const s = parse({
      "jenkins-ecs:vpcId": "vpc-0123456789abcdef0",
      "jenkins-ecs:publicSubnetIds": '["subnet-01234567", "subnet-89abcdef"]',
      "jenkins-ecs:privateSubnetIds": "subnet-11111111, subnet-22222222",
    });
    assert.deepStrictEqual(s.network, {
      mode: "adopt",
      vpcId: "vpc-0123456789abcdef0",
      publicSubnetIds: ["subnet-01234567", "subnet-89abcdef"],
      privateSubnetIds: ["subnet-11111111", "subnet-22222222"],
    });
  });

  it("passes the namespaces of providers and of Pulumi itself", () => {
    const s = parse({ "aws:profile": "ci", "aws:defaultTags": '{"tags":{"team":"ci"}}', "pulumi:disable-default-providers": '["kubernetes"]' });
    assert.strictEqual(s.region, "eu-west-1");
  });

  it("derives the partition from the region: GovCloud ARNs are aws-us-gov", () => {
    const s = parse({
      "aws:region": "us-gov-west-1",
      "jenkins-ecs:certificateArn": "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    });
    assert.strictEqual(s.partition, "aws-us-gov");
  });

  it("needs no certificate ARN when a domain and hosted zone are given", () => {
    const s = parse({ "jenkins-ecs:certificateArn": undefined, "jenkins-ecs:domainName": "jenkins.example.com", "jenkins-ecs:hostedZoneId": "Z0123456789ABCDEFGHIJ" });
    assert.strictEqual(s.certificateArn, undefined);
    assert.strictEqual(s.domainName, "jenkins.example.com");
  });

  it("accepts Spot and ARM64 together (Fargate Spot runs ARM64 on platform 1.4.0)", () => {
    const s = parse(agents({ label: "arm", cpu: 2048, memory: 4096, spot: true, architecture: "ARM64", ephemeralStorageGiB: 50 }));
    assert.deepStrictEqual(s.agents.templates[0], { label: "arm", cpu: 2048, memory: 4096, image: undefined, build: "inbound-agent", spot: true, architecture: "ARM64", ephemeralStorageGiB: 50, maxAgents: 10, reuse: false, permissions: { policyArns: [], ecrPush: [] }, environment: {}, secrets: {}, kaniko: false });
  });

  it("gives each template the stack's maxAgents unless it sets its own, and single use unless reuse is true", () => {
    const s = parse({ "jenkins-ecs:maxAgents": "4", ...agents({ label: "a" }, { label: "b", maxAgents: 1000, reuse: true }) });
    assert.deepStrictEqual(s.agents.templates.map((t) => [t.label, t.maxAgents, t.reuse]), [["a", 4, false], ["b", 1000, true]]);
  });

  it("is a RunError, so the Pulumi CLI prints the message without a stack trace", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const err = await errorOf(() => parse({ "aws:region": undefined }));
    assert.ok(pulumi.RunError.isInstance(err));
  });
});
