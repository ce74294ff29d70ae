/**
 * What a stack costs: its idle monthly cost item by item, and each agent template's cost per
 * build minute, from the stack's settings and the dated price table (lib/cost/prices.ts). Traffic-
 * dependent charges (NAT and endpoint data, load balancer capacity units, logs, EFS
 * throughput, S3) are named but not estimated: they depend on use, not on the stack.
 */
import { Settings } from "../settings";
import { availabilityZoneCount } from "../aws/cidr";
import { alarmCount } from "../aws/alarms";
import { INTERFACE_ENDPOINT_SERVICES } from "../aws/endpoints";
import { PUBLISHED_METRICS } from "../aws/metrics";
import { sizeLabel } from "../aws/fargate";
import { FARGATE_SPOT_DISCOUNT, HOURS_PER_MONTH, PRICE_LABEL, RegionPrices, fargateHourly, noPricesReason, pricesFor } from "./prices";

/** JENKINS_HOME's size assumed for the idle cost: jobs, plugins and a modest build history. */
export const ASSUMED_JENKINS_HOME_GB = 5;
/** One template's dependency cache assumed for the idle cost (a Maven or npm cache of a few projects). */
export const ASSUMED_CACHE_GB_PER_TEMPLATE = 2;

/** What the stack runs around the clock, counted from its settings. */
export interface StackShape {
  readonly region: string;
  readonly natGateways: number;
  /** NAT gateways' addresses, plus one per AZ of an internet-facing load balancer. */
  readonly publicIpv4Addresses: number;
  readonly controller: { readonly cpu: number; readonly memory: number };
  /** Interface endpoints times the AZs each is in. */
  readonly interfaceEndpointAzs: number;
  readonly alarms: number;
  readonly dashboards: number;
  /** Container Insights metrics of both clusters (0 when it is off). */
  readonly insightsMetrics: number;
  /** The stack's own metrics: start failures and tasks run, per template. */
  readonly ownMetrics: number;
  readonly secrets: number;
  /** Customer managed KMS keys: the ECS Exec key, when ECS Exec is on. */
  readonly kmsKeys: number;
  /** Templates with a dependency cache (each an access point on the agent caches' file system). */
  readonly caches: number;
}

/** Container Insights metrics published per dimension set (lib/aws/metrics.ts); Fargate clusters have no container instances. */
function insightsMetricsPer(dimensions: string): number {
  return PUBLISHED_METRICS.filter(
    (m) => m.namespace === "ECS/ContainerInsights" && m.name !== "ContainerInstanceCount" && m.dimensionSets.some((set) => [...set].sort().join(",") === dimensions),
  ).length;
}

export function stackShape(settings: Settings): StackShape {
  const network = settings.network;
  const azs = availabilityZoneCount(network);
  const natGateways = network.mode === "create" ? (network.natGateways === "single" ? 1 : azs) : 0;
  const loadBalancerAzs = settings.loadBalancer.internal ? 0 : network.mode === "create" ? azs : network.publicSubnetIds.length;
  const templates = settings.agents.templates.length;
  const perCluster = insightsMetricsPer("ClusterName");
  const perService = insightsMetricsPer("ClusterName,ServiceName");
  const perFamily = insightsMetricsPer("ClusterName,TaskDefinitionFamily");
  return {
    region: settings.region,
    natGateways,
    publicIpv4Addresses: natGateways + loadBalancerAzs,
    controller: { cpu: settings.controller.cpu, memory: settings.controller.memory },
    interfaceEndpointAzs: settings.vpcEndpoints ? INTERFACE_ENDPOINT_SERVICES.length * azs : 0,
    alarms: alarmCount(settings.controller.fileSystemThroughputMode === "bursting", templates),
    dashboards: 1,
    // The controller's cluster: its service and family; the agents': a family per template.
    insightsMetrics: settings.containerInsights ? perCluster + perService + perFamily + perCluster + perFamily * templates : 0,
    ownMetrics: 2 * templates,
    secrets: 1,
    kmsKeys: settings.controller.ecsExec ? 1 : 0,
    caches: settings.agents.templates.filter((t) => t.cache).length,
  };
}

/** The idle-cost items, in the order every report lists them. */
export const IDLE_ITEMS = [
  "NAT gateways",
  "Public IPv4 addresses",
  "Load balancer",
  "Controller task",
  "JENKINS_HOME",
  "Agent caches",
  "Interface endpoints",
  "Alarms",
  "Dashboard",
  "Container Insights metrics",
  "Agent task metrics",
  "Admin password secret",
  "ECS Exec key",
] as const;

export interface CostItem {
  readonly item: (typeof IDLE_ITEMS)[number];
  /** What this stack's item is, where that varies (the controller's size). */
  readonly detail?: string;
  /** How the figure is made: quantity × unit price. */
  readonly basis: string;
  /** USD a month; undefined without prices for the region. */
  readonly usd?: number;
}

const money = (usd: number, digits = 2) => usd.toFixed(digits);

/** The stack's idle cost a month, item by item (items of quantity 0 are left out). */
export function idleCost(shape: StackShape, prices: RegionPrices | undefined): CostItem[] {
  const h = HOURS_PER_MONTH;
  // "1 NAT gateway", "3 NAT gateways": `what` is [singular, plural].
  const counted = (count: number, [one, many]: readonly [string, string]) => `${count} ${count === 1 ? one : many}`;
  const hourly = (count: number, what: readonly [string, string], unit: (p: RegionPrices) => number) => ({
    basis: prices ? `${counted(count, what)} × ${h} h × ${unit(prices)} USD` : `${counted(count, what)} × ${h} h`,
    usd: prices ? count * h * unit(prices) : undefined,
  });
  const monthly = (count: number, what: readonly [string, string], unit: (p: RegionPrices) => number) => ({
    basis: prices ? `${counted(count, what)} × ${unit(prices)} USD` : counted(count, what),
    usd: prices ? count * unit(prices) : undefined,
  });
  const controllerHourly = (p: RegionPrices) => fargateHourly(p, { ...shape.controller, architecture: "X86_64", spot: false });
  const items: (CostItem & { readonly count: number })[] = [
    { item: "NAT gateways", count: shape.natGateways, ...hourly(shape.natGateways, ["NAT gateway", "NAT gateways"], (p) => p.natGatewayHour.usd) },
    { item: "Public IPv4 addresses", count: shape.publicIpv4Addresses, ...hourly(shape.publicIpv4Addresses, ["address", "addresses"], (p) => p.publicIpv4Hour.usd) },
    { item: "Load balancer", count: 1, ...hourly(1, ["load balancer", "load balancers"], (p) => p.loadBalancerHour.usd) },
    {
      item: "Controller task",
      detail: sizeLabel(shape.controller),
      count: 1,
      basis: prices ? `1 task × ${h} h × ${money(controllerHourly(prices), 5)} USD` : `1 task × ${h} h`,
      usd: prices ? h * controllerHourly(prices) : undefined,
    },
    { item: "JENKINS_HOME", detail: `EFS, ${ASSUMED_JENKINS_HOME_GB} GB assumed`, count: 1, ...monthly(ASSUMED_JENKINS_HOME_GB, ["GB", "GB"], (p) => p.efsStandardGbMonth.usd) },
    {
      item: "Agent caches",
      detail: `EFS, ${ASSUMED_CACHE_GB_PER_TEMPLATE} GB assumed per cache`,
      count: shape.caches,
      ...monthly(shape.caches * ASSUMED_CACHE_GB_PER_TEMPLATE, ["GB", "GB"], (p) => p.efsStandardGbMonth.usd),
    },
    { item: "Interface endpoints", count: shape.interfaceEndpointAzs, ...hourly(shape.interfaceEndpointAzs, ["endpoint-AZ", "endpoint-AZs"], (p) => p.interfaceEndpointHour.usd) },
    { item: "Alarms", count: shape.alarms, ...monthly(shape.alarms, ["alarm", "alarms"], (p) => p.alarmMonth.usd) },
    { item: "Dashboard", count: shape.dashboards, ...monthly(shape.dashboards, ["dashboard", "dashboards"], (p) => p.dashboardMonth.usd) },
    { item: "Container Insights metrics", count: shape.insightsMetrics, ...monthly(shape.insightsMetrics, ["metric", "metrics"], (p) => p.metricMonth.usd) },
    { item: "Agent task metrics", detail: "failures, runs", count: shape.ownMetrics, ...monthly(shape.ownMetrics, ["metric", "metrics"], (p) => p.metricMonth.usd) },
    { item: "Admin password secret", count: shape.secrets, ...monthly(shape.secrets, ["secret", "secrets"], (p) => p.secretMonth.usd) },
    { item: "ECS Exec key", detail: "KMS", count: shape.kmsKeys, ...monthly(shape.kmsKeys, ["key", "keys"], (p) => p.kmsKeyMonth.usd) },
  ];
  return items.filter((i) => i.count > 0).map(({ count: _count, ...item }) => item);
}

/** The sum of the items, when every item has a figure. */
export function total(items: readonly CostItem[]): number | undefined {
  return items.every((i) => i.usd !== undefined) ? items.reduce((sum, i) => sum + i.usd!, 0) : undefined;
}

export interface BuildMinuteCost {
  readonly label: string;
  readonly size: string;
  /** What the template runs on now. */
  readonly current: string;
  readonly onDemandX86: number;
  readonly spotX86: number;
  readonly onDemandArm64: number;
  readonly spotArm64: number;
}

const VARIANTS = [
  ["onDemandX86", "X86_64", false],
  ["spotX86", "X86_64", true],
  ["onDemandArm64", "ARM64", false],
  ["spotArm64", "ARM64", true],
] as const;

/** Each template's cost per build minute on every capacity it could run on (tasks bill per second, one minute at least). */
export function buildMinuteCosts(settings: Settings, prices: RegionPrices): BuildMinuteCost[] {
  return settings.agents.templates.map((t) => {
    const costs = Object.fromEntries(VARIANTS.map(([key, architecture, spot]) => [key, fargateHourly(prices, { ...t, architecture, spot }) / 60])) as Record<(typeof VARIANTS)[number][0], number>;
    return {
      label: t.label,
      size: `${sizeLabel(t)}${t.ephemeralStorageGiB ? ` / ${t.ephemeralStorageGiB} GB disk` : ""}`,
      current: `${t.spot ? "Spot" : "on-demand"} ${t.architecture === "ARM64" ? "ARM64" : "x86"}`,
      ...costs,
    };
  });
}

const NOT_INCLUDED =
  "Not included: traffic (NAT gateway and endpoint data per GB, load balancer capacity units), CloudWatch Logs, EFS throughput and storage beyond the assumption, S3 access logs, and the agents themselves (per build minute, below).";

/** The plan's `--cost` report for one stack. */
export function costReport(settings: Settings): string {
  const prices = pricesFor(settings.region);
  const items = idleCost(stackShape(settings), prices);
  const name = (i: CostItem) => (i.detail ? `${i.item} (${i.detail})` : i.item);
  const width = Math.max(...items.map((i) => name(i).length));
  const basisWidth = Math.max(...items.map((i) => i.basis.length));
  const lines = [
    `Idle monthly cost of ${settings.project}/${settings.stack} in ${settings.region} (${prices ? PRICE_LABEL : "no prices"}):`,
    ...(prices ? [] : [`  ${noPricesReason(settings.region)}`]),
    ...items.map((i) => `  ${name(i).padEnd(width)}  ${i.basis.padEnd(basisWidth)}  ${i.usd === undefined ? "" : money(i.usd).padStart(8)}`.trimEnd()),
  ];
  const sum = total(items);
  if (sum !== undefined) lines.push(`  ${"Total".padEnd(width)}  ${"".padEnd(basisWidth)}  ${money(sum).padStart(8)} USD a month`);
  lines.push(`  ${NOT_INCLUDED}`, "");
  if (prices) {
    lines.push("Agent cost per build minute, USD (a task bills per second, one minute at least):");
    const rows = buildMinuteCosts(settings, prices);
    const header = ["template", "size", "runs on", "on-demand x86", "Spot x86", "on-demand ARM64", "Spot ARM64"];
    const table = [header, ...rows.map((r) => [r.label, r.size, r.current, ...[r.onDemandX86, r.spotX86, r.onDemandArm64, r.spotArm64].map((c) => c.toFixed(5))])];
    const widths = header.map((_, col) => Math.max(...table.map((row) => row[col].length)));
    for (const row of table) lines.push(`  ${row.map((cell, col) => cell.padEnd(widths[col])).join("  ")}`.trimEnd());
    lines.push(`  Spot assumes ${Math.round(100 * FARGATE_SPOT_DISCOUNT)} % off on-demand (it varies); Spot can stop a build with two minutes' notice.`);
  }
  return `${lines.join("\n")}\n`;
}

/** Markers of the runbook's generated cost section. */
export const COST_SECTION = {
  begin: "<!-- cost:begin: generated by `npm run docs` from lib/cost/prices.ts and the stack files; do not edit by hand -->",
  end: "<!-- cost:end -->",
} as const;

/** The saving of one NAT gateway fewer: its hours and its public IPv4 address. */
export function natGatewaySaving(prices: RegionPrices): number {
  return HOURS_PER_MONTH * (prices.natGatewayHour.usd + prices.publicIpv4Hour.usd);
}

/**
 * The runbook's cost section: each stack's idle cost by item side by side, each template's
 * cost per build minute, and a worked month of builds, all from the same functions the plan
 * prints. Stacks in a region without prices are listed as such.
 */
export function costMarkdown(stacks: readonly Settings[]): string {
  const priced = stacks.map((s) => ({ settings: s, prices: pricesFor(s.region) }));
  const lines: string[] = [COST_SECTION.begin, ""];
  const regions = [...new Set(stacks.map((s) => s.region))];
  lines.push(`Idle cost per month, ${PRICE_LABEL}, ${HOURS_PER_MONTH} hours a month, in ${regions.join(" and ")}:`, "");
  const itemsPerStack = priced.map(({ settings, prices }) => idleCost(stackShape(settings), prices));
  const names = IDLE_ITEMS.filter((name) => itemsPerStack.some((items) => items.some((i) => i.item === name)));
  lines.push(`| item | ${stacks.map((s) => `${s.stack} (USD)`).join(" | ")} |`, `|---|${stacks.map(() => "---:").join("|")}|`);
  for (const name of names) {
    const cells = itemsPerStack.map((items) => {
      const item = items.find((i) => i.item === name);
      return item?.usd === undefined ? (item ? "?" : "-") : money(item.usd);
    });
    lines.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  lines.push(`| **Idle total** | ${itemsPerStack.map((items) => { const sum = total(items); return sum === undefined ? "?" : `**${money(sum)}**`; }).join(" | ")} |`, "");
  lines.push(`${NOT_INCLUDED.replace(", and the agents themselves (per build minute, below)", "")} JENKINS_HOME is assumed at ${ASSUMED_JENKINS_HOME_GB} GB.`, "");
  for (const { settings } of priced.filter((p) => !p.prices)) lines.push(`${settings.stack}: ${noPricesReason(settings.region)}`, "");

  lines.push("Agents per build minute (USD; a task bills per second, one minute at least, and a `reuse` template's task also while it waits for the next build):", "");
  lines.push("| stack | template | size | runs on | on-demand x86 | Spot x86 | on-demand ARM64 | Spot ARM64 |", "|---|---|---|---|---:|---:|---:|---:|");
  for (const { settings, prices } of priced) {
    if (!prices) continue;
    for (const r of buildMinuteCosts(settings, prices)) {
      lines.push(`| ${settings.stack} | \`${r.label}\` | ${r.size} | ${r.current} | ${[r.onDemandX86, r.spotX86, r.onDemandArm64, r.spotArm64].map((c) => c.toFixed(5)).join(" | ")} |`);
    }
  }
  lines.push("", `Spot is taken as ${Math.round(100 * FARGATE_SPOT_DISCOUNT)} % off on-demand; the real discount varies by region and hour.`);
  const example = priced.find((p) => p.prices);
  if (example) {
    const [first] = buildMinuteCosts(example.settings, example.prices!);
    const builds = 1000;
    const minutes = 10;
    lines.push(
      "",
      `A month of ${builds.toLocaleString("en-US")} ${minutes}-minute builds on ${example.settings.stack}'s \`${first.label}\` template (${first.size}) costs about ` +
        `${money(builds * minutes * first.onDemandX86)} USD on-demand x86, ${money(builds * minutes * first.spotX86)} USD on Spot x86, ` +
        `${money(builds * minutes * first.onDemandArm64)} USD on-demand ARM64.`,
      "",
      `\`natGateways: single\` saves about ${money(natGatewaySaving(example.prices!))} USD a month per NAT gateway in ${example.settings.region} (its hours and its public IPv4 address).`,
    );
  }
  lines.push("", COST_SECTION.end);
  return lines.join("\n");
}
