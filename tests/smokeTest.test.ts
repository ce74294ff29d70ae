import * as assert from "assert";
import { KANIKO_QUEUE_ENV } from "../lib/jenkins/kaniko";
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { SMOKE_REPORT_KEYS, SMOKE_REPORT_SCRIPT, parseSmokeReport } from "../lib/jenkins/smokeTest";

/**
 * A Fargate task's `$ECS_CONTAINER_METADATA_URI_V4/task` answer, in the shape of AWS's
 * "Amazon ECS task metadata v4 examples for tasks on Fargate". Each container carries Limits of
 * its own; the task's come after the containers here, so the script cannot rely on order.
 */
const TASK_METADATA = {
  Cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/agents-cluster-1a2b3c4",
  TaskARN: "arn:aws:ecs:eu-west-1:123456789012:task/agents-cluster-1a2b3c4/158d1c8083dd49d6b527399fd6414f5c",
  Family: "jenkins-ecs-dev-agent-ecs-spot",
  Revision: "3",
  DesiredStatus: "RUNNING",
  KnownStatus: "RUNNING",
  Containers: [
    {
      DockerId: "158d1c8083dd49d6b527399fd6414f5c-1234567890",
      Name: "agent",
      Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/agents@sha256:0123",
      Labels: { "com.amazonaws.ecs.task-definition-family": "jenkins-ecs-dev-agent-ecs-spot" },
      Limits: { CPU: 2, Memory: 0 },
      Networks: [{ NetworkMode: "awsvpc", IPv4Addresses: ["10.0.1.7"] }],
    },
  ],
  Limits: { CPU: 1, Memory: 2048 },
  PullStartedAt: "2026-11-29T20:47:16.053330955Z",
  PullStoppedAt: "2026-11-29T20:47:19.592684631Z",
  AvailabilityZone: "eu-west-1b",
  LaunchType: "FARGATE",
  ClockDrift: { ClockErrorBound: 0.5, ReferenceTimestamp: "2026-11-29T20:47:20Z", ClockSynchronizationStatus: "SYNCHRONIZED" },
  EphemeralStorageMetrics: { Utilized: 261, Reserved: 20496 },
};

describe("the smoke test's report, run for real", () => {
  let server: http.Server;
  let bin: string;
  before(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(req.url === "/v4/abc/task" ? 200 : 404, { "content-type": "application/json" });
      res.end(req.url === "/v4/abc/task" ? JSON.stringify(TASK_METADATA, null, 2) : "{}");
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    // A java that answers like the agent image's JDK 21, whatever this machine has.
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-bin-"));
    fs.writeFileSync(path.join(bin, "java"), '#!/bin/sh\necho \'openjdk version "21.0.9" 2025-10-21 LTS\' >&2\n', { mode: 0o755 });
  });
  after(() => server.close());

  function runReport(env: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) =>
      execFile("sh", ["-c", SMOKE_REPORT_SCRIPT], { env: { PATH: `${bin}:${process.env.PATH}`, ...env }, timeout: 10000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
  }

  it("prints host, architecture, Java, the task's own size and zone from task metadata, and the capacity provider", async () => {
    const port = (server.address() as AddressInfo).port;
    const stdout = await runReport({ ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:${port}/v4/abc`, JENKINS_AGENT_CAPACITY_PROVIDER: "FARGATE_SPOT" });
    const report = parseSmokeReport(`[Pipeline] sh\n+ set +x\n${stdout}[Pipeline] }\n`);
    assert.deepStrictEqual(Object.keys(report), [...SMOKE_REPORT_KEYS]);
    assert.ok(Math.abs(Number(report["started at"]) - Date.now()) < 60_000, `started at ${report["started at"]} is not now in epoch ms`);
    assert.strictEqual(report.host, os.hostname());
    assert.strictEqual(report.architecture, os.arch() === "arm64" ? "aarch64" : "x86_64");
    assert.strictEqual(report.java, 'openjdk version "21.0.9" 2025-10-21 LTS');
    assert.deepStrictEqual([report["task cpu"], report["task memory"], report["availability zone"]], ["1", "2048", "eu-west-1b"]);
    assert.strictEqual(report["capacity provider"], "FARGATE_SPOT");
  });

  it("reports the NFS mount below the agent's home as the cache, and nothing without one", async () => {
    const mounts = path.join(bin, "mounts");
    fs.writeFileSync(mounts, "overlay / overlay rw 0 0\n127.0.0.1:/ /home/jenkins/.m2 nfs4 rw,vers=4.1 0 0\n127.0.0.1:/ /mnt/other nfs4 rw 0 0\n");
    const run = (file: string) =>
      new Promise<string>((resolve, reject) =>
        execFile("sh", ["-c", SMOKE_REPORT_SCRIPT.replace("/proc/mounts", file)], { env: { PATH: `${bin}:${process.env.PATH}` }, timeout: 10000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
      );
    assert.strictEqual(parseSmokeReport(await run(mounts)).cache, "/home/jenkins/.m2");
    fs.writeFileSync(mounts, "overlay / overlay rw 0 0\n");
    assert.strictEqual(parseSmokeReport(await run(mounts)).cache, "");
    assert.ok(SMOKE_REPORT_SCRIPT.includes("/proc/mounts"));
  });

  it("reports kaniko ready only when the task's kaniko container has written its ready file", async () => {
    const queue = fs.mkdtempSync(path.join(os.tmpdir(), "kaniko-queue-"));
    const kaniko = async (env: Record<string, string>) => parseSmokeReport(await runReport({ ECS_CONTAINER_METADATA_URI_V4: "http://127.0.0.1:9/v4/none", ...env })).kaniko;
    assert.strictEqual(await kaniko({}), "", "a template without kaniko");
    assert.strictEqual(await kaniko({ [KANIKO_QUEUE_ENV]: queue }), "", "a queue without ready");
    fs.writeFileSync(path.join(queue, "ready"), "");
    assert.strictEqual(await kaniko({ [KANIKO_QUEUE_ENV]: queue }), "ready");
  });

  it("still reports the rest when task metadata cannot be reached", async () => {
    const stdout = await runReport({ ECS_CONTAINER_METADATA_URI_V4: "http://127.0.0.1:9/v4/none", JENKINS_AGENT_CAPACITY_PROVIDER: "FARGATE" });
    const report = parseSmokeReport(stdout);
    assert.strictEqual(report["capacity provider"], "FARGATE");
    assert.strictEqual(report["task cpu"], "");
  });
});
