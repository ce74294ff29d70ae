/**
 * Pulumi runtime mocks that answer like AWS would: realistic ids, ARNs (account
 * {@link MOCK_ACCOUNT}, the stack's region), auto-generated physical names, so that ARN-scoped
 * policies and cross-resource references can be checked offline.
 */
import * as pulumi from "@pulumi/pulumi";
import { partitionOf } from "../lib/aws/partition";
import { MOCK_VPCS, hex, type MockNetwork, type MockVpc } from "./mockVpcs";
import { enforceGithubRules } from "./githubRules";
import { enforcePulumiCloudRules } from "./pulumiCloudRules";

export { MOCK_VPCS };
export type { MockNetwork, MockVpc } from "./mockVpcs";

export const MOCK_ACCOUNT = "123456789012";
/** The primary CIDR of the adopted VPC the tests use. */
export const MOCK_ADOPTED_VPC_CIDR = MOCK_VPCS["vpc-0123456789abcdef0"].cidrBlocks[0];

/** The VPC and facts of an existing subnet, or undefined as EC2 would answer InvalidSubnetID.NotFound. */
function subnetIn(vpcs: MockNetwork, subnetId: string): { vpcId: string; vpc: MockVpc; zone: string; routeTable?: string; cidrBlock?: string } | undefined {
  for (const [vpcId, vpc] of Object.entries(vpcs)) {
    const subnet = vpc.subnets[subnetId];
    if (subnet) return { vpcId, vpc, ...subnet };
  }
  return undefined;
}

/** A route as DescribeRouteTables reports it (GetRouteTableRoute): the target in the field its id's prefix names. */
function mockRoute(cidrBlock: string, target: string): Record<string, string> {
  const field = { igw: "gatewayId", local: "gatewayId", nat: "natGatewayId", tgw: "transitGatewayId", eni: "networkInterfaceId", pcx: "vpcPeeringConnectionId", vpce: "vpcEndpointId" }[target.split("-")[0]] ?? "gatewayId";
  const empty = ["carrierGatewayId", "coreNetworkArn", "destinationPrefixListId", "egressOnlyGatewayId", "gatewayId", "instanceId", "ipv6CidrBlock", "localGatewayId", "natGatewayId", "networkInterfaceId", "odbNetworkArn", "transitGatewayId", "vpcEndpointId", "vpcPeeringConnectionId"];
  return { ...Object.fromEntries(empty.map((k) => [k, ""])), cidrBlock, [field]: target };
}
/**
 * A failed invoke as the engine answers it: a gRPC error whose `details` the SDK turns into the
 * Error the program sees (@pulumi/pulumi runtime/invoke.js: `new Error(err.details)`). A plain
 * Error would reach the program with an empty message.
 */
function invokeError(message: string): Error {
  return Object.assign(new Error(message), { details: message });
}

/**
 * What PutDashboard refuses in a body ("Dashboard body structure and syntax", CloudWatch API
 * Reference): not JSON, no widgets array, a widget off the grid (x 0-23, width 1-24, x + width
 * at most 24, height 1-1000), a metric widget without its region or metrics, a text widget
 * without markdown.
 */
export function dashboardBodyProblems(body: string): string[] {
  let parsed: any;
  try {
    parsed = JSON.parse(body);
  } catch {
    return ["the body is not JSON"];
  }
  if (!Array.isArray(parsed?.widgets)) return ["the body has no widgets array"];
  const problems: string[] = [];
  parsed.widgets.forEach((w: any, i: number) => {
    const at = `widgets[${i}]`;
    if (!Number.isInteger(w.x) || w.x < 0 || w.x > 23 || !Number.isInteger(w.width) || w.width < 1 || w.width > 24 || w.x + w.width > 24) problems.push(`${at} leaves the 24-unit grid`);
    if (!Number.isInteger(w.y) || w.y < 0 || !Number.isInteger(w.height) || w.height < 1 || w.height > 1000) problems.push(`${at} has no valid y/height`);
    if (w.type === "metric" && (typeof w.properties?.region !== "string" || !Array.isArray(w.properties?.metrics) || w.properties.metrics.length === 0)) problems.push(`${at}: a metric widget needs region and metrics`);
    else if (w.type === "text" && typeof w.properties?.markdown !== "string") problems.push(`${at}: a text widget needs markdown`);
    else if (w.type !== "metric" && w.type !== "text") problems.push(`${at}: widget type ${w.type} is not one this stack uses`);
  });
  return problems;
}

/** Every generated password starts with this, so tests can search for leaks. */
export const MOCK_PASSWORD_PREFIX = "MockPassw0rd";

type State = Record<string, unknown>;

/** The route table the mocks report for a subnet. */
export function mockRouteTableId(subnetId: string): string {
  return `rtb-${hex(`rtb:${subnetId}`, 17)}`;
}

/**
 * awsx.ec2.Vpc is a remote component: under mocks its own logic never runs, so the rules it
 * applies to our inputs are applied here (pulumi/pulumi-awsx tag v3.8.0, unchanged up to the
 * 3.9.0 we install: awsx/ec2/vpc.ts `createInnerVpc`/`pickSubnetAllocator`,
 * awsx/ec2/subnetDistributorNew.ts `validateAndNormalizeSubnetInputs`).
 */
function enforceAwsxVpcRules(inputs: State): void {
  const specs = (inputs.subnetSpecs as { type: string; cidrBlocks?: string[] }[] | undefined) ?? [];
  const strategy = (inputs.subnetStrategy as string | undefined) ?? "Legacy"; // `args.subnetStrategy ?? "Legacy"`
  const explicit = specs.filter((s) => s.cidrBlocks !== undefined);
  if (explicit.length === 0) return;
  // The Legacy allocator (getSubnetSpecsLegacy) never reads cidrBlocks: the layout would be
  // silently replaced by awsx's own. AutoMerge refuses explicit blocks outright.
  if (strategy !== "Auto" && strategy !== "Exact") {
    throw new Error(`awsx:ec2:Vpc: subnetStrategy "${strategy}" ignores or refuses explicit cidrBlocks; use "Auto" or "Exact"`);
  }
  if (explicit.length !== specs.length) throw new Error("awsx:ec2:Vpc: If any subnet spec has explicit cidrBlocks, all subnets must have explicit cidrBlocks.");
  const azs = (inputs.numberOfAvailabilityZones as number | undefined) ?? 3;
  specs.forEach((spec, i) => {
    if (spec.cidrBlocks!.length !== azs) {
      throw new Error(`awsx:ec2:Vpc: The number of CIDR blocks in subnetSpecs[${i}] must match the number of availability zones (${azs}).`);
    }
  });
}

/**
 * What CreateRule refuses of an Application Load Balancer rule (ELB User Guide for ALBs,
 * "Condition types for listener rules", Condition basics; ELB API Reference, CreateRule): a
 * priority from 1 to 50000, unique on its listener; at most three match evaluations (values)
 * per condition and five per rule; at most five wildcards per rule; a path pattern of at most
 * 128 characters; a fixed response's status code 2XX, 4XX or 5XX.
 */
export function enforceListenerRuleRules(name: string, inputs: State, priorities: Set<string>): void {
  const fail = (why: string) => {
    throw new Error(`ValidationError: listener rule ${name}: ${why}`);
  };
  const priority = inputs.priority as number | undefined;
  if (priority === undefined || !Number.isInteger(priority) || priority < 1 || priority > 50000) fail(`priority ${priority} is not a whole number from 1 to 50000`);
  const key = `${inputs.listenerArn}#${priority}`;
  if (priorities.has(key)) fail(`PriorityInUse: priority ${priority} is taken on this listener`);
  priorities.add(key);
  const conditions = (inputs.conditions as Record<string, { values?: string[] } | undefined>[] | undefined) ?? [];
  const values = conditions.flatMap((c) => Object.values(c).flatMap((v) => v?.values ?? []));
  for (const c of conditions) for (const [type, v] of Object.entries(c)) if ((v?.values?.length ?? 0) > 3) fail(`${type} has ${v!.values!.length} values; a condition takes at most 3`);
  if (values.length > 5) fail(`${values.length} match evaluations; a rule takes at most 5`);
  const wildcards = values.reduce((n, v) => n + (v.match(/[*?]/g)?.length ?? 0), 0);
  if (wildcards > 5) fail(`${wildcards} wildcards; a rule takes at most 5`);
  for (const c of conditions) for (const v of c.pathPattern?.values ?? []) if (v.length > 128) fail(`path pattern ${v} is longer than 128 characters`);
  for (const a of (inputs.actions as { fixedResponse?: { statusCode?: string } }[] | undefined) ?? []) {
    if (a.fixedResponse && !/^[245]\d\d$/.test(a.fixedResponse.statusCode ?? "")) fail(`fixed-response status ${a.fixedResponse.statusCode} is not 2XX, 4XX or 5XX`);
  }
}

/**
 * A role's permissions boundary must be the ARN of a managed policy, the account's or AWS's
 * (IAM API Reference, CreateRole PermissionsBoundary); IAM refuses a name or another ARN.
 */
export function enforceBoundaryArn(boundary: unknown, partition: string): void {
  if (boundary === undefined) return;
  if (typeof boundary !== "string" || !new RegExp(`^arn:${partition}:iam::(\\d{12}|aws):policy/([\\x21-\\x7e]+/)?[\\w+=,.@-]{1,128}$`).test(boundary)) {
    throw new Error(`permissionsBoundary ${JSON.stringify(boundary)}: must be the ARN of a managed policy (IAM API Reference, CreateRole PermissionsBoundary)`);
  }
}

/**
 * IAM's policy size quotas (IAM User Guide, "IAM and AWS STS quotas"): a managed policy at most
 * 6,144 characters, a role's inline policies together at most 10,240; "IAM doesn't count white
 * space when calculating the size of a policy against these limits".
 */
export const MANAGED_POLICY_MAX_CHARS = 6144;
export const ROLE_INLINE_POLICIES_MAX_CHARS = 10240;
export function policyChars(document: unknown): number {
  return String(document).replace(/\s/g, "").length;
}

/** An IAM path as IAM requires it ("/" or "/a/b/": slashes at both ends), or an error. */
function iamPath(path: unknown): string {
  if (path === undefined) return "/";
  if (typeof path !== "string" || !/^\/([\x21-\x7e]+\/)?$/.test(path) || path.length > 512) {
    throw new Error(`IAM path ${JSON.stringify(path)}: must begin and end with "/" (IAM API Reference, CreateRole Path)`);
  }
  return path;
}

/**
 * The customer-managed policies the mocked account holds: by default the permissions boundaries
 * the ci/ program creates (`policy/jenkins-ecs-boundary/<stack>`), as in an account where it is
 * deployed; AWS managed policies always exist.
 */
export const CI_BOUNDARIES = (arn: string) => /^arn:[\w-]+:iam::\d{12}:policy\/jenkins-ecs-boundary\/[^/]+$/.test(arn);

export function createMocks(region: string, vpcs: MockNetwork = MOCK_VPCS, hasPolicy: (arn: string) => boolean = CI_BOUNDARIES): pulumi.runtime.Mocks {
  const partition = partitionOf(region);
  const dockerBuildNames = new Set<string>();
  const listenerRulePriorities = new Set<string>();
  const arn = (service: string, resource: string, withRegion = true) =>
    `arn:${partition}:${service}:${withRegion ? region : ""}:${MOCK_ACCOUNT}:${resource}`;

  // Characters of each role's inline policies so far, for IAM's aggregate quota.
  const inlineChars = new Map<string, number>();

  function newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
    const { type, name } = args;
    const inputs = args.inputs as State;
    const seed = `${type}::${name}`;
    enforceGithubRules(type, inputs);
    enforcePulumiCloudRules(type, inputs);
    // Pulumi auto-names physical resources `<logical name>-<7 random hex>`.
    const physical = (inputs.name as string | undefined) ?? `${name}-${hex(seed, 7)}`;
    const state: State = { ...inputs };
    const id = (value: string) => ({ id: value, state });

    switch (type) {
      case "awsx:ec2:Vpc": {
        enforceAwsxVpcRules(inputs);
        const azs = (inputs.numberOfAvailabilityZones as number | undefined) ?? 3;
        const subnets = (kind: string) => Array.from({ length: azs }, (_, i) => `subnet-${hex(`${seed}:${kind}:${i}`, 17)}`);
        return { id: undefined, state: { ...state, vpcId: `vpc-${hex(seed, 17)}`, privateSubnetIds: subnets("private"), publicSubnetIds: subnets("public") } };
      }
      case "awsx:ecr:Image": {
        // awsx names the docker-build image it creates inside after `imageName ?? imageTag ??
        // <hash of context, dockerfile, args and stack>-container` (awsx v3.8.0
        // awsx/ecr/image.ts, computeImageFromAsset): two images with the same name would give
        // that child the same URN, which the engine refuses.
        const child = (inputs.imageName ?? inputs.imageTag ?? `${JSON.stringify([inputs.context ?? ".", inputs.dockerfile, inputs.args])}-container`) as string;
        if (dockerBuildNames.has(child)) throw new Error(`awsx:ecr:Image ${name}: another image already builds as "${child}"; give each image its own imageTag`);
        dockerBuildNames.add(child);
        return { id: undefined, state: { ...state, imageUri: `${inputs.repositoryUrl}@sha256:${hex(seed, 64)}` } };
      }
      case "aws:ecs/cluster:Cluster":
        Object.assign(state, { name: physical, arn: arn("ecs", `cluster/${physical}`) });
        return id(state.arn as string);
      case "aws:ecs/taskDefinition:TaskDefinition":
        Object.assign(state, {
          revision: 1,
          arn: arn("ecs", `task-definition/${inputs.family}:1`),
          arnWithoutRevision: arn("ecs", `task-definition/${inputs.family}`),
        });
        return id(inputs.family as string);
      case "aws:ecs/service:Service":
        Object.assign(state, { name: physical, arn: arn("ecs", `service/${physical}`) });
        return id(state.arn as string);
      // IAM puts a role's or policy's path into its ARN: arn:aws:iam::<account>:role/<path>/<name>.
      case "aws:iam/role:Role":
        enforceBoundaryArn(inputs.permissionsBoundary, partition);
        Object.assign(state, { name: physical, arn: arn("iam", `role${iamPath(inputs.path)}${physical}`, false), uniqueId: `AROA${hex(seed, 17).toUpperCase()}` });
        return id(physical);
      // An OIDC provider is named by its URL's host: arn:aws:iam::<account>:oidc-provider/<host>.
      case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        Object.assign(state, { arn: arn("iam", `oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}`, false) });
        return id(state.arn as string);
      case "aws:iam/rolePolicy:RolePolicy": {
        const total = (inlineChars.get(String(inputs.role)) ?? 0) + policyChars(inputs.policy);
        if (total > ROLE_INLINE_POLICIES_MAX_CHARS) throw new Error(`${name}: the inline policies of role ${inputs.role} come to ${total} characters; IAM allows ${ROLE_INLINE_POLICIES_MAX_CHARS} (IAM and AWS STS quotas)`);
        inlineChars.set(String(inputs.role), total);
        return { id: `${physical}-id`, state };
      }
      case "aws:iam/policy:Policy":
        if (policyChars(inputs.policy) > MANAGED_POLICY_MAX_CHARS) throw new Error(`${name}: ${policyChars(inputs.policy)} characters; IAM allows ${MANAGED_POLICY_MAX_CHARS} in a managed policy (IAM and AWS STS quotas)`);
        Object.assign(state, { name: physical, arn: arn("iam", `policy${iamPath(inputs.path)}${physical}`, false) });
        return id(state.arn as string);
      case "aws:ec2/securityGroup:SecurityGroup": {
        const groupId = `sg-${hex(seed, 17)}`;
        Object.assign(state, { name: physical, arn: arn("ec2", `security-group/${groupId}`) });
        return id(groupId);
      }
      case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
        return id(`sgr-${hex(seed, 17)}`);
      case "aws:efs/fileSystem:FileSystem": {
        const fsId = `fs-${hex(seed, 17)}`;
        Object.assign(state, { arn: arn("elasticfilesystem", `file-system/${fsId}`), dnsName: `${fsId}.efs.${region}.amazonaws.com` });
        return id(fsId);
      }
      case "aws:efs/accessPoint:AccessPoint": {
        const apId = `fsap-${hex(seed, 17)}`;
        const fsId = inputs.fileSystemId as string;
        Object.assign(state, { arn: arn("elasticfilesystem", `access-point/${apId}`), fileSystemArn: arn("elasticfilesystem", `file-system/${fsId}`) });
        return id(apId);
      }
      case "aws:efs/mountTarget:MountTarget":
        return id(`fsmt-${hex(seed, 17)}`);
      case "aws:lb/loadBalancer:LoadBalancer": {
        const suffix = `app/${physical}/${hex(seed, 16)}`;
        Object.assign(state, {
          name: physical,
          arn: arn("elasticloadbalancing", `loadbalancer/${suffix}`),
          arnSuffix: suffix,
          dnsName: `${inputs.internal ? "internal-" : ""}${physical}-${parseInt(hex(seed, 8), 16) % 1e9}.${region}.elb.amazonaws.com`,
          zoneId: "Z32O12XQLNTSW2",
        });
        return id(state.arn as string);
      }
      case "aws:lb/targetGroup:TargetGroup": {
        const suffix = `targetgroup/${physical}/${hex(seed, 16)}`;
        Object.assign(state, { name: physical, arn: arn("elasticloadbalancing", suffix), arnSuffix: suffix });
        return id(state.arn as string);
      }
      case "aws:lb/listenerRule:ListenerRule":
        enforceListenerRuleRules(name, inputs, listenerRulePriorities);
        Object.assign(state, { arn: arn("elasticloadbalancing", `listener-rule/app/${hex(seed, 16)}`) });
        return id(state.arn as string);
      case "aws:lb/listener:Listener":
        Object.assign(state, { arn: arn("elasticloadbalancing", `listener/app/${hex(seed, 16)}`) });
        return id(state.arn as string);
      case "aws:cloudwatch/logGroup:LogGroup": {
        // namePrefix: AWS gets the prefix and a unique suffix, as Pulumi auto-names it.
        const groupName = (inputs.name as string | undefined) ?? (inputs.namePrefix ? `${inputs.namePrefix}${hex(seed, 26)}` : physical);
        Object.assign(state, { name: groupName, arn: arn("logs", `log-group:${groupName}`) });
        return id(groupName);
      }
      case "aws:kms/key:Key": {
        const keyId = `${hex(seed, 8)}-${hex(seed + 1, 4)}-${hex(seed + 2, 4)}-${hex(seed + 3, 4)}-${hex(seed + 4, 12)}`;
        Object.assign(state, { keyId, arn: arn("kms", `key/${keyId}`) });
        return id(keyId);
      }
      case "aws:secretsmanager/secret:Secret":
        // namePrefix: the provider appends a unique suffix of 26 characters (terraform-plugin-sdk
        // helper/id PrefixedUniqueId); Secrets Manager appends "-" and 6 random characters to the ARN.
        if (inputs.name === undefined && inputs.namePrefix !== undefined) Object.assign(state, { name: `${inputs.namePrefix}${hex(seed, 26)}` });
        else Object.assign(state, { name: physical });
        Object.assign(state, { arn: arn("secretsmanager", `secret:${state.name}-${hex(seed, 6)}`) });
        return id(state.arn as string);
      case "random:index/randomPassword:RandomPassword":
        // Secret, as the real provider marks it, so displays mask it.
        Object.assign(state, { result: pulumi.secret(`${MOCK_PASSWORD_PREFIX}${hex(seed, 22)}`) });
        return id("none");
      case "aws:s3/bucket:Bucket": {
        const bucketName = (inputs.bucket as string | undefined) ?? physical;
        // S3 User Guide, "General purpose bucket naming rules": 3-63 characters, lowercase
        // letters, digits, dots and hyphens, beginning and ending with a letter or digit.
        if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucketName)) throw new Error(`InvalidBucketName: ${bucketName} (S3 bucket names are 3-63 lowercase letters, digits, dots and hyphens)`);
        Object.assign(state, { bucket: bucketName, arn: `arn:${partition}:s3:::${bucketName}`, bucketDomainName: `${bucketName}.s3.amazonaws.com`, region });
        return id(bucketName);
      }
      case "aws:ecr/repository:Repository":
        Object.assign(state, {
          name: physical,
          arn: arn("ecr", `repository/${physical}`),
          repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${physical}`,
        });
        return id(physical);
      case "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": {
        const nsId = `ns-${hex(seed, 16)}`;
        Object.assign(state, { arn: arn("servicediscovery", `namespace/${nsId}`), hostedZone: `Z${hex(seed, 20).toUpperCase()}` });
        return id(nsId);
      }
      case "aws:servicediscovery/service:Service": {
        const srvId = `srv-${hex(seed, 16)}`;
        Object.assign(state, { arn: arn("servicediscovery", `service/${srvId}`) });
        return id(srvId);
      }
      case "aws:acm/certificate:Certificate": {
        const certArn = arn("acm", `certificate/${hex(seed, 8)}-${hex(seed + 1, 4)}-${hex(seed + 2, 4)}-${hex(seed + 3, 4)}-${hex(seed + 4, 12)}`);
        Object.assign(state, {
          arn: certArn,
          domainValidationOptions: [
            {
              domainName: inputs.domainName,
              resourceRecordName: `_${hex(seed, 32)}.${inputs.domainName}.`,
              resourceRecordType: "CNAME",
              resourceRecordValue: `_${hex(seed + "v", 32)}.acm-validations.aws.`,
            },
          ],
        });
        return id(certArn);
      }
      case "aws:cloudwatch/eventRule:EventRule":
        Object.assign(state, { name: physical, arn: arn("events", `rule/${physical}`) });
        return id(physical);
      case "aws:cloudwatch/dashboard:Dashboard": {
        // PutDashboard (CloudWatch API Reference): the name is required, up to 255 letters,
        // digits, "-" and "_"; the body must be JSON whose widgets fit the 24-unit grid.
        const dashboardName = inputs.dashboardName as string;
        if (!/^[A-Za-z0-9_-]{1,255}$/.test(dashboardName ?? "")) throw new Error(`InvalidParameterInput: dashboard name ${JSON.stringify(dashboardName)}`);
        const problems = dashboardBodyProblems(inputs.dashboardBody as string);
        if (problems.length > 0) throw new Error(`InvalidParameterInput: dashboard ${dashboardName}: ${problems.join("; ")}`);
        Object.assign(state, { dashboardArn: `arn:${partition}:cloudwatch::${MOCK_ACCOUNT}:dashboard/${dashboardName}` });
        return id(dashboardName);
      }
      case "aws:sns/topic:Topic":
        Object.assign(state, { name: physical, arn: arn("sns", physical) });
        return id(state.arn as string);
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
        Object.assign(state, { name: physical, arn: arn("cloudwatch", `alarm:${physical}`) });
        return id(physical);
      case "aws:route53/record:Record":
        Object.assign(state, { fqdn: String(inputs.name).replace(/\.$/, "") });
        return id(`${inputs.zoneId}_${inputs.name}_${inputs.type}`);
      case "aws:ecr/lifecyclePolicy:LifecyclePolicy":
        return id(inputs.repository as string);
      case "aws:ec2/managedPrefixList:ManagedPrefixList":
        return id(`pl-${hex(seed, 17)}`);
      case "aws:ec2/vpcEndpoint:VpcEndpoint":
        return id(`vpce-${hex(seed, 17)}`);
      default:
        // Components and resources whose id nothing depends on.
        return { id: args.custom === false ? undefined : `${physical}-id`, state };
    }
  }

  function call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
      case "aws:index/getRegion:getRegion":
        return { id: region, name: region, region, description: region, endpoint: `ec2.${region}.amazonaws.com` };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { id: MOCK_ACCOUNT, accountId: MOCK_ACCOUNT, arn: arn("iam", "user/offline", false), userId: "AIDAOFFLINE" };
      case "aws:ec2/getRouteTables:getRouteTables": {
        const filters = (args.inputs.filters as { name: string; values: string[] }[] | undefined) ?? [];
        const vpc = vpcs[args.inputs.vpcId as string];
        if (filters.some((f) => f.name === "association.main")) return { id: region, ids: vpc ? [vpc.mainRouteTable] : [], vpcId: args.inputs.vpcId };
        const subnets = filters.filter((f) => f.name === "association.subnet-id").flatMap((f) => f.values);
        // An existing VPC: only explicit associations answer. A VPC awsx creates: one table per subnet.
        const ids = vpc ? [...new Set(subnets.map((id) => vpc.subnets[id]?.routeTable).filter((t): t is string => !!t))] : subnets.map(mockRouteTableId);
        return { id: region, ids, vpcId: args.inputs.vpcId };
      }
      case "aws:ec2/getSubnet:getSubnet": {
        const subnet = subnetIn(vpcs, args.inputs.id as string);
        if (!subnet) throw invokeError(`InvalidSubnetID.NotFound: The subnet ID '${args.inputs.id}' does not exist`);
        return { id: args.inputs.id, vpcId: subnet.vpcId, availabilityZone: `${region}${subnet.zone}`, cidrBlock: subnet.cidrBlock ?? "", state: "available" };
      }
      case "aws:ec2/getRouteTable:getRouteTable": {
        const id = args.inputs.routeTableId as string;
        const owner = Object.entries(vpcs).find(([, vpc]) => vpc.mainRouteTable === id || Object.values(vpc.subnets).some((s) => s.routeTable === id));
        if (!owner) throw invokeError(`InvalidRouteTableID.NotFound: The routeTable ID '${id}' does not exist`);
        const [vpcId, vpc] = owner;
        const routes = [...vpc.cidrBlocks.map((cidr) => mockRoute(cidr, "local")), ...(vpc.defaultRoutes[id] ? [mockRoute("0.0.0.0/0", vpc.defaultRoutes[id])] : [])];
        return { id, routeTableId: id, vpcId, routes, associations: [], arn: arn("ec2", `route-table/${id}`), ownerId: MOCK_ACCOUNT, tags: {} };
      }
      case "aws:efs/getFileSystem:getFileSystem": {
        // A retained JENKINS_HOME, as DescribeFileSystems reports it.
        const fsId = args.inputs.fileSystemId as string;
        return { id: fsId, fileSystemId: fsId, arn: arn("elasticfilesystem", `file-system/${fsId}`), dnsName: `${fsId}.efs.${region}.amazonaws.com`, encrypted: true, performanceMode: "generalPurpose", throughputMode: "elastic", lifecyclePolicies: [], tags: {} };
      }
      case "aws:ec2/getVpc:getVpc": {
        const vpc = vpcs[args.inputs.id as string];
        if (!vpc) throw invokeError(`InvalidVpcID.NotFound: The vpc ID '${args.inputs.id}' does not exist`);
        return {
          ...args.inputs,
          id: args.inputs.id,
          cidrBlock: vpc.cidrBlocks[0],
          cidrBlockAssociations: vpc.cidrBlocks.map((cidrBlock, i) => ({ associationId: `vpc-cidr-assoc-${i}`, cidrBlock, state: "associated" })),
          mainRouteTableId: vpc.mainRouteTable,
          enableDnsHostnames: vpc.enableDnsHostnames,
          enableDnsSupport: vpc.enableDnsSupport ?? true,
        };
      }
      case "aws:iam/getPolicy:getPolicy": {
        const policyArn = String(args.inputs.arn);
        if (!/^arn:[\w-]+:iam::aws:policy\//.test(policyArn) && !hasPolicy(policyArn)) throw invokeError(`NoSuchEntity: Policy ${policyArn} does not exist or is not attachable.`);
        return { id: policyArn, arn: policyArn, name: policyArn.split("/").pop(), path: `/${policyArn.split(":policy/")[1].split("/").slice(0, -1).join("/")}/`.replace("//", "/") };
      }
      // GitHub's numeric ids, which environments take for reviewers.
      case "github:index/getTeam:getTeam":
        return { id: String(parseInt(hex(`team:${args.inputs.slug}`, 7), 16)), slug: args.inputs.slug, name: args.inputs.slug, nodeId: `T_${hex(String(args.inputs.slug), 12)}` };
      case "github:index/getUser:getUser":
        return { id: String(parseInt(hex(`user:${args.inputs.username}`, 7), 16)), login: args.inputs.username, username: args.inputs.username, nodeId: `U_${hex(String(args.inputs.username), 12)}` };
      default:
        throw new Error(`offline mocks do not answer the invoke ${args.token}; add it to offline/mocks.ts`);
    }
  }

  return { newResource, call };
}
