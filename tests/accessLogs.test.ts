import * as assert from "assert";
import { Graph, expectOne, findAll, runStack, stackConfig } from "./helpers";
import { decide } from "./iam";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { parseSettings } from "../lib/config/parse";
import { accessLogBucketPolicy, logDeliveryPrincipal } from "../lib/aws/accessLogs";

const BUCKET = "aws:s3/bucket:Bucket";
const ALB = "aws:lb/loadBalancer:LoadBalancer";

/** A log object as ELB names it (ALB User Guide, "Access log files"), for the load balancer's account. */
function logObject(bucketArn: string, prefix: string, account: string, region: string): string {
  return `${bucketArn}/${prefix}/AWSLogs/${account}/elasticloadbalancing/${region}/2026/11/30/${account}_elasticloadbalancing_${region}_app.my-lb.0123456789abcdef_20261130T0005Z_10.0.0.1_abc.log.gz`;
}

/** Whether `principal` may put `object`, ELB's own account allowing it on its side. */
async function mayPut(policy: object, principal: string, object: string, secureTransport = "true") {
  const own = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "*" }] };
  return decide({ action: "s3:PutObject", resource: object, context: { "aws:SecureTransport": secureTransport } }, principal.startsWith("arn:") ? [own] : [], policy, principal);
}

describe("load balancer access logs", () => {
  for (const stack of ["dev", "prod"]) {
    describe(`${stack}`, () => {
      let graph: Graph;
      before(async () => {
        graph = await runStack(stack);
      });

      it("the load balancer logs to the stack's bucket, turned on only after the bucket policy lets ELB write", () => {
        const bucket = expectOne(graph, BUCKET);
        const alb = expectOne(graph, ALB);
        assert.deepStrictEqual(alb.inputs.accessLogs, { enabled: true, bucket: bucket.state.bucket, prefix: alb.inputs.accessLogs.prefix });
        assert.match(alb.inputs.accessLogs.prefix, /^[^/]+$/, "a prefix without slashes");
        assert.doesNotMatch(alb.inputs.accessLogs.prefix, /AWSLogs/, "ELB refuses a prefix containing AWSLogs");
        const policy = expectOne(graph, "aws:s3/bucketPolicy:BucketPolicy", { bucket: bucket.id });
        assert.ok(alb.dependsOn.includes(policy.urn), "ELB checks it can write when logging is turned on");
        assert.strictEqual(graph.outputs.accessLogBucket, bucket.state.bucket);
      });

      it("the bucket is private, SSE-S3 and expires logs after logRetentionDays", () => {
        const bucket = expectOne(graph, BUCKET);
        const block = expectOne(graph, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: bucket.id });
        for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.strictEqual(block.inputs[flag], true, flag);
        expectOne(graph, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
        // ELB can write only with SSE-S3 (ALB User Guide, "Enable access logs", bucket requirements).
        const sse = expectOne(graph, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", { bucket: bucket.id });
        assert.deepStrictEqual(sse.inputs.rules.map((r: any) => r.applyServerSideEncryptionByDefault), [{ sseAlgorithm: "AES256" }]);
        const lifecycle = expectOne(graph, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", { bucket: bucket.id });
        const prefix = expectOne(graph, ALB).inputs.accessLogs.prefix;
        const retention = parseSettings(stackConfig(stack), stack).logRetentionDays;
        assert.deepStrictEqual(
          lifecycle.inputs.rules.map((r: any) => [r.status, r.filter.prefix, r.expiration.days]),
          [["Enabled", `${prefix}/`, retention]],
        );
      });

      it(stack === "prod" ? "is kept, logs and all, when the stack is destroyed" : "is destroyed with the stack, logs and all", () => {
        const bucket = expectOne(graph, BUCKET);
        const keep = parseSettings(stackConfig(stack), stack).loadBalancer.keepAccessLogs;
        assert.strictEqual(keep, stack === "prod");
        assert.strictEqual(bucket.retainOnDelete, keep);
        assert.strictEqual(bucket.inputs.forceDestroy, !keep);
      });

      it("only ELB may write, only its own account's logs, only over TLS (simulated)", async () => {
        const bucket = expectOne(graph, BUCKET);
        const prefix = expectOne(graph, ALB).inputs.accessLogs.prefix;
        const policy = JSON.parse(expectOne(graph, "aws:s3/bucketPolicy:BucketPolicy", { bucket: bucket.id }).inputs.policy);
        // eu-west-1 predates August 2022: its ELB account writes (ALB User Guide, "Enable access logs").
        const elb = "arn:aws:iam::156460612806:root";
        const ours = logObject(bucket.state.arn, prefix, MOCK_ACCOUNT, "eu-west-1");
        assert.strictEqual(await mayPut(policy, elb, ours), "Allowed");
        assert.strictEqual(await mayPut(policy, elb, ours, "false"), "ExplicitlyDenied");
        assert.strictEqual(await mayPut(policy, elb, logObject(bucket.state.arn, prefix, "210987654321", "eu-west-1")), "ImplicitlyDenied");
        assert.strictEqual(await mayPut(policy, elb, `${bucket.state.arn}/elsewhere/x`), "ImplicitlyDenied");
        assert.strictEqual(await mayPut(policy, "arn:aws:iam::210987654321:root", ours), "ImplicitlyDenied");
        const read = { action: "s3:GetObject", resource: ours, context: { "aws:SecureTransport": "true" } };
        assert.strictEqual(await decide(read, [], policy, elb), "ImplicitlyDenied", "ELB may not read logs back");
      });
    });
  }

  it("regions from August 2022 on are written by the log delivery service, older ones by their ELB account", async () => {
    // Values from the ALB User Guide's table of regional ELB accounts.
    assert.deepStrictEqual(logDeliveryPrincipal("us-east-1"), { AWS: "arn:aws:iam::127311923021:root" });
    assert.deepStrictEqual(logDeliveryPrincipal("us-gov-west-1"), { AWS: "arn:aws-us-gov:iam::048591011584:root" });
    for (const later of ["eu-central-2", "ap-south-2", "il-central-1", "ca-west-1"]) {
      assert.deepStrictEqual(logDeliveryPrincipal(later), { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, later);
    }
    const bucketArn = "arn:aws:s3:::logs-0123456";
    const policy = accessLogBucketPolicy({ bucketArn, region: "eu-central-2", accountId: MOCK_ACCOUNT });
    const object = logObject(bucketArn, "load-balancer", MOCK_ACCOUNT, "eu-central-2");
    assert.strictEqual(await mayPut(policy, "logdelivery.elasticloadbalancing.amazonaws.com", object), "Allowed");
    assert.strictEqual(await mayPut(policy, "delivery.logs.amazonaws.com", object), "ImplicitlyDenied");
  });

  it("every stack has exactly one log bucket, and nothing else of the stack is an S3 bucket without a public access block", async () => {
    const graph = await runStack("dev");
    const buckets = findAll(graph, BUCKET);
    for (const bucket of buckets) expectOne(graph, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: bucket.id });
    assert.strictEqual(buckets.length, 1);
  });
});
