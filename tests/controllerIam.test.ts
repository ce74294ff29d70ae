import * as assert from "assert";
import { Graph, containersOf, expectOne, named, runStack, wildcardMatches } from "./helpers";
import { decide, ecsTasksMayAssume, policiesOfRole, roleByArn } from "./iam";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { FILE_SYSTEM_VIEW_PATH } from "../lib/aws/controllerTask";

const REGION = "eu-west-1";
const other = {
  secret: `arn:aws:secretsmanager:${REGION}:${MOCK_ACCOUNT}:secret:someone-elses-AbCdEf`,
  logGroup: `arn:aws:logs:${REGION}:${MOCK_ACCOUNT}:log-group:someone-elses`,
  repository: `arn:aws:ecr:${REGION}:${MOCK_ACCOUNT}:repository/someone-elses`,
  accessPoint: `arn:aws:elasticfilesystem:${REGION}:${MOCK_ACCOUNT}:access-point/fsap-0000000000000000`,
  fileSystem: `arn:aws:elasticfilesystem:${REGION}:${MOCK_ACCOUNT}:file-system/fs-0000000000000000`,
};

describe("controller IAM (simulated)", () => {
  let graph: Graph;
  let execution: object[];
  let task: object[];
  let secretArn: string;
  let logStream: string;
  let repositoryArn: string;
  let fileSystemArn: string;
  let accessPointArn: string;
  let fileSystemPolicy: object;
  let taskRoleArn: string;

  before(async () => {
    graph = await runStack("dev");
    const taskDefinition = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" });
    execution = policiesOfRole(graph, roleByArn(graph, taskDefinition.inputs.executionRoleArn));
    taskRoleArn = taskDefinition.inputs.taskRoleArn;
    task = policiesOfRole(graph, roleByArn(graph, taskRoleArn));
    secretArn = expectOne(graph, "aws:secretsmanager/secret:Secret").state.arn;
    const logGroupName = containersOf(taskDefinition)[0].logConfiguration.options["awslogs-group"];
    const logGroup = graph.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.state.name === logGroupName)!;
    logStream = `${logGroup.state.arn}:log-stream:jenkins/jenkins/abc`;
    repositoryArn = named(graph, "aws:ecr/repository:Repository", "controller-image").state.arn;
    fileSystemArn = expectOne(graph, "aws:efs/fileSystem:FileSystem").state.arn;
    accessPointArn = expectOne(graph, "aws:efs/accessPoint:AccessPoint", { rootDirectory: { path: "/jenkins-home" } }).state.arn;
    fileSystemPolicy = JSON.parse(expectOne(graph, "aws:efs/fileSystemPolicy:FileSystemPolicy").inputs.policy);
  });

  describe("execution role", () => {
    it("may read the admin secret and no other secret", async () => {
      assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: secretArn }, execution), "Allowed");
      assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: other.secret }, execution), "ImplicitlyDenied");
    });

    it("may write its own log group and no other", async () => {
      assert.strictEqual(await decide({ action: "logs:PutLogEvents", resource: logStream }, execution), "Allowed");
      assert.strictEqual(await decide({ action: "logs:PutLogEvents", resource: `${other.logGroup}:log-stream:x` }, execution), "ImplicitlyDenied");
    });

    it("may pull its own image and no other repository's", async () => {
      assert.strictEqual(await decide({ action: "ecr:BatchGetImage", resource: repositoryArn }, execution), "Allowed");
      assert.strictEqual(await decide({ action: "ecr:BatchGetImage", resource: other.repository }, execution), "ImplicitlyDenied");
    });

    it("cannot touch JENKINS_HOME", async () => {
      const request = { action: "elasticfilesystem:ClientMount", resource: fileSystemArn, context: { "elasticfilesystem:AccessPointArn": accessPointArn } };
      assert.strictEqual(await decide(request, execution), "ImplicitlyDenied");
    });
  });

  describe("task role", () => {
    for (const action of ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]) {
      it(`may ${action.split(":")[1]} JENKINS_HOME only through its access point`, async () => {
        assert.strictEqual(await decide({ action, resource: fileSystemArn, context: { "elasticfilesystem:AccessPointArn": accessPointArn } }, task), "Allowed");
        assert.strictEqual(await decide({ action, resource: fileSystemArn, context: { "elasticfilesystem:AccessPointArn": other.accessPoint } }, task), "ImplicitlyDenied");
        assert.strictEqual(await decide({ action, resource: fileSystemArn }, task), "ImplicitlyDenied");
        assert.strictEqual(await decide({ action, resource: other.fileSystem, context: { "elasticfilesystem:AccessPointArn": accessPointArn } }, task), "ImplicitlyDenied");
      });
    }

    it("may not act as root on the file system", async () => {
      const request = { action: "elasticfilesystem:ClientRootAccess", resource: fileSystemArn, context: { "elasticfilesystem:AccessPointArn": accessPointArn } };
      assert.strictEqual(await decide(request, task), "ImplicitlyDenied");
    });

    it("cannot read the admin secret (only the execution role injects it)", async () => {
      assert.strictEqual(await decide({ action: "secretsmanager:GetSecretValue", resource: secretArn }, task), "ImplicitlyDenied");
    });
  });

  describe("trust", () => {
    it("every task role of the stack can be assumed by ECS tasks of this account only", async () => {
      const taskRoleArns = new Set(
        graph.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition").map((t) => t.inputs.taskRoleArn as string),
      );
      const templates = graph.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition").length - 1;
      assert.strictEqual(taskRoleArns.size, 1 + templates, "the controller's, and one per agent template");
      for (const arn of taskRoleArns) {
        const trust = JSON.parse(roleByArn(graph, arn).inputs.assumeRolePolicy);
        assert.strictEqual(await ecsTasksMayAssume(trust, arn, MOCK_ACCOUNT), "Allowed", arn);
        assert.strictEqual(await ecsTasksMayAssume(trust, arn, "999999999999"), "ImplicitlyDenied", arn);
      }
    });

    it("execution roles trust ECS tasks exactly as AWS documents, with no condition ECS might not send", () => {
      for (const task of graph.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")) {
        const trust = JSON.parse(roleByArn(graph, task.inputs.executionRoleArn).inputs.assumeRolePolicy);
        assert.deepStrictEqual(trust.Statement, [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]);
      }
    });
  });

  describe("file-system policy", () => {
    const mount = (secureTransport: string) => ({
      action: "elasticfilesystem:ClientMount",
      resource: fileSystemArn,
      context: { "elasticfilesystem:AccessPointArn": accessPointArn, "aws:SecureTransport": secureTransport },
    });

    it("denies a request without secure transport, even from the controller", async () => {
      assert.strictEqual(await decide(mount("false"), task, fileSystemPolicy, taskRoleArn), "ExplicitlyDenied");
    });

    it("allows the controller over TLS through the access point", async () => {
      assert.strictEqual(await decide(mount("true"), task, fileSystemPolicy, taskRoleArn), "Allowed");
    });

    it("grants nobody else access (a principal without an identity policy is denied)", async () => {
      const stranger = `arn:aws:iam::${MOCK_ACCOUNT}:role/stranger`;
      assert.strictEqual(await decide(mount("true"), [], fileSystemPolicy, stranger), "ImplicitlyDenied");
    });
  });
});

describe("ECS Exec into the controller (on by default)", () => {
  let graph: Graph;
  let task: object[];
  let execLogGroup: { name: string; arn: string };
  before(async () => {
    graph = await runStack("dev");
    const taskDefinition = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" });
    task = policiesOfRole(graph, roleByArn(graph, taskDefinition.inputs.taskRoleArn));
    const group = graph.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name === "controller-exec-logs")!;
    execLogGroup = { name: group.state.name, arn: group.state.arn };
  });

  it("the service allows execute-command, and the cluster logs every session to the stack's exec log group", () => {
    const service = expectOne(graph, "aws:ecs/service:Service");
    assert.strictEqual(service.inputs.enableExecuteCommand, true);
    const cluster = graph.resources.find((r) => r.type === "aws:ecs/cluster:Cluster" && r.state.arn === service.inputs.cluster)!;
    const key = expectOne(graph, "aws:kms/key:Key");
    assert.deepStrictEqual(cluster.inputs.configuration.executeCommandConfiguration, {
      kmsKeyId: key.state.arn,
      logging: "OVERRIDE",
      logConfiguration: { cloudWatchLogGroupName: execLogGroup.name, cloudWatchEncryptionEnabled: true },
    });
    assert.strictEqual(graph.outputs.controllerExecLogGroup, execLogGroup.name);
  });

  it("the sessions' log and data channel are encrypted with a rotated key of the stack, which CloudWatch Logs may use for that log group only (simulated)", async () => {
    const key = expectOne(graph, "aws:kms/key:Key");
    assert.strictEqual(key.inputs.enableKeyRotation, true);
    const group = graph.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name === "controller-exec-logs")!;
    assert.strictEqual(group.inputs.kmsKeyId, key.state.arn);
    // The simulator ignores kms:EncryptionContext:<key> when the key has colons (aws:logs:arn:
    // "ignoredContextKeys"), so the one statement for CloudWatch Logs is read directly.
    const statements = JSON.parse(key.inputs.policy).Statement;
    const forLogs = statements.filter((st: any) => st.Principal.Service);
    assert.deepStrictEqual(forLogs.map((st: any) => st.Principal.Service), [`logs.${REGION}.amazonaws.com`]);
    assert.deepStrictEqual(Object.keys(forLogs[0].Condition), ["ArnLike"]);
    const pattern: string = forLogs[0].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"];
    const arnLike = (arn: string) => wildcardMatches(pattern, arn);
    assert.ok(arnLike(execLogGroup.arn), `${pattern} does not cover ${execLogGroup.arn}`);
    assert.ok(!arnLike(`arn:aws:logs:${REGION}:${MOCK_ACCOUNT}:log-group:controller-logs-1234567`) && !arnLike(`arn:aws:logs:${REGION}:999999999999:log-group:${execLogGroup.name}`));
    assert.deepStrictEqual(statements.filter((st: any) => st.Principal.AWS).map((st: any) => st.Principal.AWS), [`arn:aws:iam::${MOCK_ACCOUNT}:root`], "otherwise only the account, through IAM");
    // The task decrypts the data channel with it (its role's policy, which the key policy's
    // root statement lets count), and may do nothing else with it or another key.
    const taskRoleArn = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" }).inputs.taskRoleArn;
    const keyPolicy = { Version: "2012-10-17", Statement: statements };
    assert.strictEqual(await decide({ action: "kms:Decrypt", resource: key.state.arn }, task, keyPolicy, taskRoleArn), "Allowed");
    assert.strictEqual(await decide({ action: "kms:Encrypt", resource: key.state.arn }, task, keyPolicy, taskRoleArn), "ImplicitlyDenied");
    assert.strictEqual(await decide({ action: "kms:Decrypt", resource: `arn:aws:kms:${REGION}:${MOCK_ACCOUNT}:key/other` }, task), "ImplicitlyDenied");
  });

  it("the task role may open the session channels and write the exec log group, and no other (simulated)", async () => {
    for (const action of ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]) {
      assert.strictEqual(await decide({ action, resource: "*" }, task), "Allowed", action);
    }
    assert.strictEqual(await decide({ action: "logs:PutLogEvents", resource: `${execLogGroup.arn}:log-stream:ecs-execute-command-abc` }, task), "Allowed");
    assert.strictEqual(await decide({ action: "logs:PutLogEvents", resource: `${other.logGroup}:log-stream:x` }, task), "ImplicitlyDenied");
    assert.strictEqual(await decide({ action: "ssm:StartSession", resource: `arn:aws:ssm:${REGION}:${MOCK_ACCOUNT}:document/AWS-StartSSHSession` }, task), "ImplicitlyDenied");
  });

  it("a shell sees the whole file system (restored copies beside JENKINS_HOME) read-only, through a root access point", async () => {
    const taskDefinition = expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" });
    const view = expectOne(graph, "aws:efs/accessPoint:AccessPoint", { rootDirectory: { path: "/" } });
    assert.deepStrictEqual(view.inputs.posixUser, { uid: 1000, gid: 1000 }, "Jenkins' user: restored copies keep its ownership");
    const volume = taskDefinition.inputs.volumes.find((v: any) => v.efsVolumeConfiguration.authorizationConfig.accessPointId === view.id);
    assert.deepStrictEqual(volume.efsVolumeConfiguration.transitEncryption, "ENABLED");
    assert.deepStrictEqual(volume.efsVolumeConfiguration.authorizationConfig.iam, "ENABLED");
    const mount = containersOf(taskDefinition)[0].mountPoints.find((m: any) => m.sourceVolume === volume.name);
    assert.deepStrictEqual(mount, { sourceVolume: volume.name, containerPath: FILE_SYSTEM_VIEW_PATH, readOnly: true });
    // Both the role and the file system's policy allow mounting through it, never writing.
    const fileSystem = expectOne(graph, "aws:efs/fileSystem:FileSystem");
    const fsPolicy = JSON.parse(expectOne(graph, "aws:efs/fileSystemPolicy:FileSystemPolicy").inputs.policy);
    const request = (action: string) => ({ action, resource: fileSystem.state.arn, context: { "elasticfilesystem:AccessPointArn": view.state.arn, "aws:SecureTransport": "true" } });
    assert.strictEqual(await decide(request("elasticfilesystem:ClientMount"), task, fsPolicy, taskDefinition.inputs.taskRoleArn), "Allowed");
    assert.strictEqual(await decide(request("elasticfilesystem:ClientWrite"), task, fsPolicy, taskDefinition.inputs.taskRoleArn), "ImplicitlyDenied");
    assert.strictEqual(await decide(request("elasticfilesystem:ClientWrite"), task), "ImplicitlyDenied");
  });

  it("prod's stack file turns it off: no exec, no exec key", async () => {
    const prod = await runStack("prod");
    assert.strictEqual(expectOne(prod, "aws:ecs/service:Service").inputs.enableExecuteCommand, false);
    assert.ok(!prod.resources.some((r) => r.type === "aws:kms/key:Key" || r.name === "controller-exec-logs"));
  });

  it("GIVEN ecsExec false THEN no exec, no exec log group, no ssmmessages permission, no view of the file system", async () => {
    const off = await runStack("dev", { "jenkins-ecs:ecsExec": "false" });
    assert.strictEqual(expectOne(off, "aws:ecs/service:Service").inputs.enableExecuteCommand, false);
    assert.ok(!off.resources.some((r) => r.name === "controller-exec-logs" || r.type === "aws:kms/key:Key"));
    assert.doesNotMatch(JSON.stringify(off.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy").map((p) => p.inputs.policy)), /ssmmessages/);
    expectOne(off, "aws:efs/accessPoint:AccessPoint");
    const taskDefinition = expectOne(off, "aws:ecs/taskDefinition:TaskDefinition", { family: "jenkins-ecs-dev-controller" });
    assert.strictEqual(taskDefinition.inputs.volumes.length, 1);
    assert.strictEqual(containersOf(taskDefinition)[0].mountPoints.length, 1);
  });
});
