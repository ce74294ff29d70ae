import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { Graph, assertOnlyLoadBalancerFacesOutside, byId, containersOf, expectOne, findAll, ingressRulesOf, named, runStack, stackConfig } from "./helpers";
import { MOCK_PASSWORD_PREFIX } from "../offline/mocks";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { TLS_POLICY } from "../components/loadBalancer";
import { parseSettings } from "../lib/config/parse";

const T = {
  cluster: "aws:ecs/cluster:Cluster",
  service: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  fileSystem: "aws:efs/fileSystem:FileSystem",
  mountTarget: "aws:efs/mountTarget:MountTarget",
  accessPoint: "aws:efs/accessPoint:AccessPoint",
  backupPolicy: "aws:efs/backupPolicy:BackupPolicy",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  secret: "aws:secretsmanager/secret:Secret",
  password: "random:index/randomPassword:RandomPassword",
  repository: "aws:ecr/repository:Repository",
  image: "awsx:ecr:Image",
  vpc: "awsx:ec2:Vpc",
} as const;

/** The controller's task definition (agents have their own, added later). */
function controllerTask(graph: Graph) {
  return expectOne(graph, T.taskDefinition, { family: `jenkins-ecs-${graph.stack}-controller` });
}

function controllerService(graph: Graph) {
  return byId(graph, graph.resources.find((r) => r.type === T.service && r.inputs.taskDefinition === controllerTask(graph).state.arn)!.id!);
}

for (const stack of ["dev", "prod"]) {
  describe(`controller (${stack})`, () => {
    let graph: Graph;
    before(async () => (graph = await runStack(stack)));

    const vpcState = () => expectOne(graph, T.vpc).state;

    describe("cluster and service", () => {
      it(`has its own cluster; Container Insights ${stack === "prod" ? "on" : "off"} as configured, on both clusters alike`, () => {
        const service = controllerService(graph);
        const cluster = byId(graph, service.inputs.cluster);
        assert.strictEqual(cluster.type, T.cluster);
        const clusters = findAll(graph, T.cluster);
        assert.strictEqual(clusters.length, 2, "the controller's and the agents'");
        const insights = stack === "prod" ? "enabled" : "disabled";
        assert.strictEqual(String(parseSettings(stackConfig(stack), stack).containerInsights), String(stack === "prod"));
        for (const c of clusters) assert.deepStrictEqual(c.inputs.settings, [{ name: "containerInsights", value: insights }], c.name);
      });

      it("runs exactly one task, stopping the old one first (0/100), with rollback on failure", () => {
        const service = controllerService(graph);
        assert.strictEqual(service.inputs.desiredCount, 1);
        assert.strictEqual(service.inputs.deploymentMinimumHealthyPercent, 0);
        assert.strictEqual(service.inputs.deploymentMaximumPercent, 100);
        assert.deepStrictEqual(service.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
        assert.strictEqual(service.inputs.healthCheckGracePeriodSeconds, 360);
        assert.strictEqual(service.inputs.propagateTags, "SERVICE");
        assert.strictEqual(service.inputs.launchType, "FARGATE");
      });

      it("runs in the private subnets without a public IP", () => {
        const service = controllerService(graph);
        assert.deepStrictEqual(service.inputs.networkConfiguration.subnets, vpcState().privateSubnetIds);
        assert.strictEqual(service.inputs.networkConfiguration.assignPublicIp, false);
      });

      it("starts its first task only once the HTTPS listener, every mount target, the file-system policy and its role policies exist", () => {
        const waitsFor = new Set(controllerService(graph).dependsOn);
        const required = [
          expectOne(graph, T.listener, { port: 443 }),
          ...findAll(graph, T.mountTarget),
          expectOne(graph, "aws:efs/fileSystemPolicy:FileSystemPolicy"),
          ...findAll(graph, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.startsWith("controller-")),
          ...findAll(graph, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((p) => p.name.startsWith("controller-")),
        ];
        assert.ok(required.length >= 6);
        for (const r of required) assert.ok(waitsFor.has(r.urn), `the service does not wait for ${r.name}`);
      });

      it("registers the jenkins container on 8080 with the load balancer's target group", () => {
        const service = controllerService(graph);
        const targetGroup = expectOne(graph, T.targetGroup);
        assert.deepStrictEqual(service.inputs.loadBalancers, [{ targetGroupArn: targetGroup.state.arn, containerName: "jenkins", containerPort: 8080 }]);
      });
    });

    describe("JENKINS_HOME on EFS", () => {
      it("is encrypted at rest, backed up, kept on destroy" + (stack === "prod" ? " and protected from deletion" : ""), () => {
        const fileSystem = expectOne(graph, T.fileSystem, { encrypted: true });
        expectOne(graph, T.backupPolicy, { fileSystemId: fileSystem.id, backupPolicy: { status: "ENABLED" } });
        assert.strictEqual(fileSystem.retainOnDelete, true);
        assert.strictEqual(fileSystem.protect, stack === "prod");
      });

      it("has one mount target per private subnet", () => {
        const targets = findAll(graph, T.mountTarget);
        assert.deepStrictEqual(targets.map((t) => t.inputs.subnetId).sort(), [...vpcState().privateSubnetIds].sort());
      });

      it("accepts exactly one ingress rule: NFS 2049 from the controller's security group", () => {
        const [mountTarget] = findAll(graph, T.mountTarget);
        const [efsGroupId] = mountTarget.inputs.securityGroups;
        const rules = ingressRulesOf(graph, efsGroupId);
        assert.strictEqual(rules.length, 1);
        const controllerGroupId = controllerService(graph).inputs.networkConfiguration.securityGroups[0];
        assert.deepStrictEqual(
          { protocol: rules[0].inputs.ipProtocol, from: rules[0].inputs.fromPort, to: rules[0].inputs.toPort, source: rules[0].inputs.referencedSecurityGroupId },
          { protocol: "tcp", from: 2049, to: 2049, source: controllerGroupId },
        );
      });

      it("is entered through an access point as uid/gid 1000 at /jenkins-home (created 1000:1000, 755)", () => {
        expectOne(graph, T.accessPoint, {
          posixUser: { uid: 1000, gid: 1000 },
          rootDirectory: { path: "/jenkins-home", creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "755" } },
        });
      });

      it("is mounted at /var/jenkins_home with TLS and IAM through the access point", () => {
        const task = controllerTask(graph);
        const accessPoint = expectOne(graph, T.accessPoint, { rootDirectory: { path: "/jenkins-home" } });
        const fileSystem = expectOne(graph, T.fileSystem);
        const [volume] = task.inputs.volumes;
        assert.deepStrictEqual(volume.efsVolumeConfiguration, {
          fileSystemId: fileSystem.id,
          transitEncryption: "ENABLED",
          authorizationConfig: { accessPointId: accessPoint.id, iam: "ENABLED" },
        });
        const [container] = containersOf(task);
        assert.deepStrictEqual(container.mountPoints[0], { sourceVolume: volume.name, containerPath: "/var/jenkins_home", readOnly: false });
        assert.ok(container.mountPoints.slice(1).every((m: { readOnly: boolean }) => m.readOnly), "JENKINS_HOME is the only writable mount");
      });
    });

    describe("load balancer", () => {
      it("is internet-facing in the public subnets, drops invalid headers" + (stack === "prod" ? ", deletion-protected" : ""), () => {
        const alb = expectOne(graph, T.loadBalancer, { internal: false, dropInvalidHeaderFields: true, enableDeletionProtection: stack === "prod" });
        assert.deepStrictEqual(alb.inputs.subnets, vpcState().publicSubnetIds);
      });

      it("serves HTTPS on 443 with the configured certificate and a TLS 1.3 policy", () => {
        const alb = expectOne(graph, T.loadBalancer);
        const https = expectOne(graph, T.listener, { port: 443, protocol: "HTTPS", loadBalancerArn: alb.state.arn });
        assert.strictEqual(https.inputs.sslPolicy, TLS_POLICY);
        assert.match(TLS_POLICY, /TLS13/);
        assert.strictEqual(https.inputs.certificateArn, stackConfig(stack)["jenkins-ecs:certificateArn"]);
        assert.deepStrictEqual(https.inputs.defaultActions, [{ type: "forward", targetGroupArn: expectOne(graph, T.targetGroup).state.arn }]);
      });

      it("answers HTTP on 80 with a permanent (301) redirect to HTTPS", () => {
        const http = expectOne(graph, T.listener, { port: 80, protocol: "HTTP" });
        assert.deepStrictEqual(http.inputs.defaultActions, [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
      });

      it("forwards to the controller on HTTP 8080 by IP, checks /login for 200, drains in 10 s", () => {
        expectOne(graph, T.targetGroup, {
          port: 8080,
          protocol: "HTTP",
          targetType: "ip",
          deregistrationDelay: 10,
          healthCheck: { path: "/login", matcher: "200" },
          vpcId: vpcState().vpcId,
        });
      });

      it("admits 80 and 443 from any IPv4 address by default (the load balancer is IPv4-only), nothing else", () => {
        const alb = expectOne(graph, T.loadBalancer);
        assert.strictEqual(alb.inputs.ipAddressType, undefined, "ipv4 is the ALB default");
        const rules = ingressRulesOf(graph, alb.inputs.securityGroups[0]).map((r) => `${r.inputs.fromPort}-${r.inputs.toPort} ${r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6}`);
        assert.deepStrictEqual(rules.sort(), ["443-443 0.0.0.0/0", "80-80 0.0.0.0/0"]);
      });

      it("may send only to the controller on 8080", () => {
        const alb = expectOne(graph, T.loadBalancer);
        const egress = findAll(graph, T.egress, { securityGroupId: alb.inputs.securityGroups[0] });
        const controllerGroupId = controllerService(graph).inputs.networkConfiguration.securityGroups[0];
        assert.deepStrictEqual(
          egress.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId]),
          [[8080, 8080, controllerGroupId]],
        );
      });
    });

    describe("network exposure", () => {
      it("no security group but the load balancer's accepts traffic from outside the VPC", () => {
        assertOnlyLoadBalancerFacesOutside(graph);
      });

      it("no ECS service gives its tasks a public IP", () => {
        const services = findAll(graph, T.service);
        assert.ok(services.length > 0);
        for (const s of services) assert.strictEqual(s.inputs.networkConfiguration.assignPublicIp, false, s.name);
      });
    });

    describe("image", () => {
      it("is built from controller-image/ into a stack-owned ECR repository that scans on push", () => {
        const repository = named(graph, T.repository, "controller-image");
        assert.deepStrictEqual(repository.inputs.imageScanningConfiguration, { scanOnPush: true });
        const image = expectOne(graph, T.image, { context: "./controller-image", repositoryUrl: repository.state.repositoryUrl });
        assert.strictEqual(containersOf(controllerTask(graph))[0].image, image.state.imageUri);
      });
    });

    describe("admin credentials", () => {
      it("generates a 30-character password and keeps it in Secrets Manager", () => {
        const password = expectOne(graph, T.password, { length: 30 });
        const secret = expectOne(graph, T.secret);
        const version = expectOne(graph, "aws:secretsmanager/secretVersion:SecretVersion", { secretId: secret.id });
        assert.strictEqual(version.inputs.secretString, password.state.result);
      });

      it("injects it as an ECS secret, never as plain environment", () => {
        const [container] = containersOf(controllerTask(graph));
        const secret = expectOne(graph, T.secret);
        assert.deepStrictEqual(container.secrets, [{ name: "JENKINS_ADMIN_PASSWORD", valueFrom: secret.state.arn }]);
        assert.ok(!container.environment.some((e: any) => e.name === "JENKINS_ADMIN_PASSWORD"));
      });

      it("the password appears in no task definition, log setting or stack output", () => {
        const password: string = expectOne(graph, T.password).state.result;
        assert.ok(password.startsWith(MOCK_PASSWORD_PREFIX));
        for (const task of findAll(graph, T.taskDefinition)) assert.ok(!JSON.stringify(task.inputs).includes(password), task.name);
        for (const group of findAll(graph, T.logGroup)) assert.ok(!JSON.stringify(group.inputs).includes(password));
        assert.ok(!JSON.stringify(graph.outputs).includes(password));
        assert.ok(!JSON.stringify(graph.outputs).includes(MOCK_PASSWORD_PREFIX));
      });
    });

    describe("task definition", () => {
      it(`is a Fargate task sized from config`, () => {
        const task = controllerTask(graph);
        const expected = stack === "prod" ? ["2048", "8192"] : ["1024", "2048"];
        assert.deepStrictEqual([task.inputs.cpu, task.inputs.memory], expected);
        assert.deepStrictEqual(task.inputs.requiresCompatibilities, ["FARGATE"]);
        assert.strictEqual(task.inputs.networkMode, "awsvpc");
      });

      it("maps 8080 and the JNLP port", () => {
        const [container] = containersOf(controllerTask(graph));
        assert.strictEqual(container.name, "jenkins");
        assert.deepStrictEqual(container.portMappings.map((p: any) => p.containerPort), [8080, 50000]);
      });

      it("turns the setup wizard off and sizes the heap as a share of container memory", () => {
        const [container] = containersOf(controllerTask(graph));
        const javaOpts: string = container.environment.find((e: any) => e.name === "JAVA_OPTS").value;
        assert.match(javaOpts, /-Djenkins\.install\.runSetupWizard=false/);
        assert.match(javaOpts, /-XX:MaxRAMPercentage=\d+/);
        assert.doesNotMatch(javaOpts, /-Xmx/);
      });

      it("lists only JVM options that take effect: initialDelay=0, no MARGIN (amazon-ecs provisions its labels itself)", () => {
        const javaOpts: string = containersOf(controllerTask(graph))[0].environment.find((e: any) => e.name === "JAVA_OPTS").value;
        assert.match(javaOpts, /-Dhudson\.slaves\.NodeProvisioner\.initialDelay=0\b/);
        assert.doesNotMatch(javaOpts, /MARGIN/);
      });

      it("gives Jenkins the longest stop timeout Fargate allows (120 s)", () => {
        assert.strictEqual(containersOf(controllerTask(graph))[0].stopTimeout, 120);
      });

      it(`logs to the controller's log group, kept ${stack === "prod" ? 90 : 30} days`, () => {
        const [container] = containersOf(controllerTask(graph));
        const options = container.logConfiguration.options;
        assert.strictEqual(container.logConfiguration.logDriver, "awslogs");
        const logGroup = graph.resources.find((r) => r.type === T.logGroup && r.state.name === options["awslogs-group"]);
        assert.ok(logGroup, "awslogs-group is not a log group of the stack");
        assert.strictEqual(logGroup.inputs.retentionInDays, stack === "prod" ? 90 : 30);
        assert.strictEqual(options["awslogs-region"], "eu-west-1");
        assert.strictEqual(options["awslogs-stream-prefix"], "jenkins");
      });

      it("uses separate execution and task roles", () => {
        const task = controllerTask(graph);
        assert.notStrictEqual(task.inputs.executionRoleArn, task.inputs.taskRoleArn);
      });
    });

    describe("stack outputs", () => {
      it("give the https URL, the DNS name, the secret ARN (not the password), cluster and file system", () => {
        const alb = expectOne(graph, T.loadBalancer);
        assert.strictEqual(graph.outputs.url, `https://${alb.state.dnsName}/`);
        assert.strictEqual(graph.outputs.loadBalancerDnsName, alb.state.dnsName);
        assert.strictEqual(graph.outputs.adminSecretArn, expectOne(graph, T.secret).state.arn);
        assert.strictEqual(graph.outputs.clusterName, byId(graph, controllerService(graph).inputs.cluster).state.name);
        assert.strictEqual(graph.outputs.fileSystemId, expectOne(graph, T.fileSystem).id);
      });
    });
  });
}

describe("controller options", () => {
  it("GIVEN internalLoadBalancer THEN the load balancer is internal, in the private subnets", async () => {
    const graph = await runStack("dev", { "jenkins-ecs:internalLoadBalancer": "true" });
    const alb = expectOne(graph, T.loadBalancer, { internal: true });
    assert.deepStrictEqual(alb.inputs.subnets, expectOne(graph, T.vpc).state.privateSubnetIds);
  });

  it("GIVEN allowedCidrs THEN 80/443 admit exactly those ranges", async () => {
    const graph = await runStack("dev", { "jenkins-ecs:allowedCidrs": '["203.0.113.0/24", "198.51.100.0/25"]' });
    const alb = expectOne(graph, T.loadBalancer);
    const rules = ingressRulesOf(graph, alb.inputs.securityGroups[0]).map((r) => `${r.inputs.fromPort} ${r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6}`);
    assert.deepStrictEqual(rules.sort(), ["443 198.51.100.0/25", "443 203.0.113.0/24", "80 198.51.100.0/25", "80 203.0.113.0/24"]);
  });

  it("GIVEN a domain and hosted zone THEN a DNS-validated certificate serves HTTPS and an alias points at the load balancer", async () => {
    const graph = await runStack("dev", {
      "jenkins-ecs:certificateArn": undefined,
      "jenkins-ecs:domainName": "jenkins.example.com",
      "jenkins-ecs:hostedZoneId": "Z0123456789ABCDEFGHIJ",
    });
    const certificate = expectOne(graph, "aws:acm/certificate:Certificate", { domainName: "jenkins.example.com", validationMethod: "DNS" });
    const validation = expectOne(graph, "aws:acm/certificateValidation:CertificateValidation", { certificateArn: certificate.state.arn });
    const validationRecord = expectOne(graph, "aws:route53/record:Record", { type: "CNAME", zoneId: "Z0123456789ABCDEFGHIJ" });
    assert.deepStrictEqual(validation.inputs.validationRecordFqdns, [validationRecord.state.fqdn]);
    const alb = expectOne(graph, T.loadBalancer);
    expectOne(graph, "aws:route53/record:Record", {
      type: "A",
      name: "jenkins.example.com",
      zoneId: "Z0123456789ABCDEFGHIJ",
      aliases: [{ name: alb.state.dnsName, zoneId: alb.state.zoneId, evaluateTargetHealth: true }],
    });
    expectOne(graph, T.listener, { port: 443, certificateArn: certificate.state.arn });
    assert.strictEqual(graph.outputs.url, "https://jenkins.example.com/");
  });

  const ownCertificate = "arn:aws:acm:eu-west-1:123456789012:certificate/22222222-2222-2222-2222-222222222222";
  const locationUrl = (graph: Graph) => YAML.parse(expectOne(graph, "jenkins-ecs:controller:Controller").state.casc).unclassified.location.url;

  it("GIVEN a domain and your own certificate, DNS elsewhere THEN Jenkins' URL is the domain, the certificate serves it, no Route 53 record", async () => {
    const graph = await runStack("dev", { "jenkins-ecs:certificateArn": ownCertificate, "jenkins-ecs:domainName": "ci.example.org" });
    assert.strictEqual(graph.outputs.url, "https://ci.example.org/");
    assert.strictEqual(locationUrl(graph), "https://ci.example.org/");
    expectOne(graph, T.listener, { port: 443, certificateArn: ownCertificate });
    assert.deepStrictEqual(findAll(graph, "aws:route53/record:Record"), []);
    assert.deepStrictEqual(findAll(graph, "aws:acm/certificate:Certificate"), []);
  });

  it("GIVEN a domain, a hosted zone and your own certificate THEN that certificate is used (never silently replaced) and the alias is created", async () => {
    const graph = await runStack("dev", {
      "jenkins-ecs:certificateArn": ownCertificate,
      "jenkins-ecs:domainName": "ci.example.org",
      "jenkins-ecs:hostedZoneId": "Z0123456789ABCDEFGHIJ",
    });
    expectOne(graph, T.listener, { port: 443, certificateArn: ownCertificate });
    assert.deepStrictEqual(findAll(graph, "aws:acm/certificate:Certificate"), []);
    const alb = expectOne(graph, T.loadBalancer);
    expectOne(graph, "aws:route53/record:Record", { type: "A", name: "ci.example.org", zoneId: "Z0123456789ABCDEFGHIJ", aliases: [{ name: alb.state.dnsName }] });
    assert.strictEqual(graph.outputs.url, "https://ci.example.org/");
    assert.strictEqual(locationUrl(graph), "https://ci.example.org/");
  });

  it("GIVEN only a certificate THEN Jenkins' URL is the load balancer's name", async () => {
    const graph = await runStack("dev");
    assert.strictEqual(graph.outputs.url, `https://${expectOne(graph, T.loadBalancer).state.dnsName}/`);
    assert.strictEqual(locationUrl(graph), graph.outputs.url);
  });

  it("GIVEN jenkinsHomePath (a restored copy) THEN the access point exposes that directory as JENKINS_HOME", async () => {
    const restored = "/aws-backup-restore_2026-11-29T03-10-00-000Z/jenkins-home";
    const graph = await runStack("dev", { "jenkins-ecs:jenkinsHomePath": restored });
    const accessPoint = expectOne(graph, T.accessPoint, { posixUser: { uid: 1000, gid: 1000 }, rootDirectory: { path: restored } });
    assert.strictEqual(controllerTask(graph).inputs.volumes[0].efsVolumeConfiguration.authorizationConfig.accessPointId, accessPoint.id);
  });

  it("GIVEN controllerImage THEN no controller image is built and the task runs that image", async () => {
    const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-jenkins:2.580.2-1";
    const graph = await runStack("dev", { "jenkins-ecs:controllerImage": image });
    assert.deepStrictEqual(findAll(graph, T.image, { context: "./controller-image" }), []);
    assert.deepStrictEqual(findAll(graph, T.repository).filter((r) => r.name.startsWith("controller")), []);
    assert.strictEqual(containersOf(controllerTask(graph))[0].image, image);
  });

  it("GIVEN healthCheckGracePeriodSeconds and controller sizes THEN the service and task use them", async () => {
    const graph = await runStack("dev", {
      "jenkins-ecs:healthCheckGracePeriodSeconds": "600",
      "jenkins-ecs:controllerCpu": "4096",
      "jenkins-ecs:controllerMemory": "16384",
    });
    assert.strictEqual(controllerService(graph).inputs.healthCheckGracePeriodSeconds, 600);
    assert.deepStrictEqual([controllerTask(graph).inputs.cpu, controllerTask(graph).inputs.memory], ["4096", "16384"]);
  });

  it("every load balancer and target group name fits AWS's 32 characters after Pulumi's suffix", async () => {
    // Pulumi appends "-" and 7 random characters to the logical name.
    for (const overrides of [{}, { "jenkins-ecs:internalLoadBalancer": "true" }]) {
      for (const stack of ["dev", "prod"]) {
        const graph = await runStack(stack, overrides);
        for (const r of [...findAll(graph, T.loadBalancer), ...findAll(graph, T.targetGroup)]) {
          assert.ok(r.name.length + 8 <= 32, `${r.type} ${r.name} would be ${r.name.length + 8} characters`);
          assert.match(r.name, /^[A-Za-z0-9-]+$/);
          assert.ok(!r.name.startsWith("internal-"));
        }
      }
    }
  });
});

describe("controller image", () => {
  const dir = path.join(PROJECT_ROOT, "controller-image");
  const dockerfile = fs.readFileSync(path.join(dir, "Dockerfile"), "utf8");
  const plugins = fs
    .readFileSync(path.join(dir, "plugins.txt"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  it("starts from a pinned Jenkins LTS on JDK 21", () => {
    const from = /^FROM\s+(\S+)/m.exec(dockerfile)?.[1];
    assert.match(from ?? "", /^jenkins\/jenkins:\d+\.\d+\.\d+-lts-jdk21$/);
  });

  it("installs plugins.txt with jenkins-plugin-cli, dependencies at the versions the pins declare", () => {
    assert.match(dockerfile, /jenkins-plugin-cli --plugin-file \S*plugins\.txt --latest=false/);
  });

  it("pins every plugin it names to an exact version", () => {
    for (const line of plugins) assert.match(line, /^[a-z0-9-]+:[A-Za-z0-9._-]+$/, line);
    assert.ok(!plugins.some((l) => /:latest$|:experimental$/.test(l)));
  });

  it("stays on the Jenkins line recorded as known to work with the pinned amazon-ecs, or the record moves with it", () => {
    // amazon-ecs 1.49 needs Commons Lang 2 from the core: removed in weekly 2.579, put back for
    // 2.580.x (jenkinsci/jenkins#27351). A later line may not have it; then JCasC cannot build
    // the clouds and the controller does not start. The Dockerfile records the checked pair.
    const record = /^# Known to work with amazon-ecs (\S+): Jenkins (\d+\.\d+)\.x\b/m.exec(dockerfile);
    assert.ok(record, "the Dockerfile records which Jenkins line the pinned amazon-ecs is known to work with");
    const [, pluginVersion, jenkinsLine] = record;
    const from = /^FROM\s+jenkins\/jenkins:(\d+\.\d+)\.\d+-lts/m.exec(dockerfile)?.[1];
    assert.strictEqual(from, jenkinsLine, `FROM leaves Jenkins ${jenkinsLine}.x: check amazon-ecs against the new line (runbook, Upgrading), then update the record`);
    assert.ok(plugins.includes(`amazon-ecs:${pluginVersion}`), `plugins.txt pins another amazon-ecs than the recorded ${pluginVersion}`);
  });
});

describe("bringing JENKINS_HOME back into a new stack", () => {
  const retained = "fs-0a1b2c3d4e5f60718";
  let graph: Graph;
  before(async () => (graph = await runStack("dev", { "jenkins-ecs:existingFileSystemId": retained, "jenkins-ecs:jenkinsHomePath": "/jenkins-home" })));

  it("creates no file system, and the task mounts the adopted one", () => {
    assert.deepStrictEqual(findAll(graph, T.fileSystem), []);
    assert.strictEqual(controllerTask(graph).inputs.volumes[0].efsVolumeConfiguration.fileSystemId, retained);
    assert.strictEqual(graph.outputs.fileSystemId, retained);
  });

  it("creates its mount targets, access point, file-system policy and backup policy for it", () => {
    assert.strictEqual(findAll(graph, T.mountTarget, { fileSystemId: retained }).length, 2);
    expectOne(graph, T.accessPoint, { fileSystemId: retained, rootDirectory: { path: "/jenkins-home" } });
    expectOne(graph, "aws:efs/fileSystemPolicy:FileSystemPolicy", { fileSystemId: retained });
    expectOne(graph, T.backupPolicy, { fileSystemId: retained, backupPolicy: { status: "ENABLED" } });
    const policy = JSON.parse(expectOne(graph, "aws:efs/fileSystemPolicy:FileSystemPolicy").inputs.policy);
    assert.ok(policy.Statement.every((s: any) => s.Resource === `arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/${retained}`));
  });
});
