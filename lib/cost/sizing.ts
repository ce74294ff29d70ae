/**
 * Right-sizing agent templates from what their tasks used: the decision `npm run sizing`
 * prints, kept free of AWS calls so tests can feed it any usage.
 *
 * A template is sized for its busy minutes: the 95th percentile of per-minute CPU (average
 * over the template's tasks) and memory (the busiest task) should stay under
 * {@link SIZING.targetPercent} of the task size. Only a clear case changes anything: a smaller
 * size when a cheaper one still meets the target, a larger one when p95 is above
 * {@link SIZING.underSizedPercent}; with too little data, nothing is suggested.
 */
import type { DeployedTemplate } from "../jenkins/cloud";
import { FARGATE_MEMORY_BY_CPU } from "../aws/fargate";
import { HOURS_PER_MONTH, PRICES, RegionPrices, fargateHourly } from "./prices";

export const SIZING = {
  /** p95 utilisation a fitting size keeps under, percent. */
  targetPercent: 70,
  /** Above this p95, percent, a template is under-sized: builds are CPU-starved or near OOM. */
  underSizedPercent: 90,
  /** Fewer tasks than this, or fewer task-minutes, is too little to size from. */
  minTasks: 5,
  minTaskMinutes: 60,
} as const;

/** What a template's tasks used over the period, per metric period. */
export interface TemplateUsage {
  /** Agent tasks that ran (stopped after running) in the period. */
  readonly tasksRun: number;
  /** Task-minutes: Container Insights reports each running task once a minute. */
  readonly taskMinutes: number;
  /** CPU units used, average over the template's tasks, one value per period with tasks. */
  readonly cpuUsed: readonly number[];
  /** MiB used by the busiest task, one value per period with tasks. */
  readonly memoryUsed: readonly number[];
}

export interface Size {
  readonly cpu: number;
  readonly memory: number;
}

export type Verdict = "too little data" | "keep" | "smaller" | "larger";

export interface SizingAdvice {
  readonly label: string;
  /** Position in the stack's `agents` list: the config path `agents[index]`. */
  readonly index: number;
  readonly current: Size;
  readonly tasksRun: number;
  readonly taskMinutes: number;
  /** p50 and p95 of CPU and memory use, percent of the current size; absent without data. */
  readonly cpuPercent?: { readonly p50: number; readonly p95: number };
  readonly memoryPercent?: { readonly p50: number; readonly p95: number };
  /** The cheapest Fargate size keeping p95 under the target. */
  readonly fit?: Size;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly suggestion?: Size;
  /** USD a month the suggestion changes, at the observed usage; absent without prices. */
  readonly monthlyDeltaUsd?: number;
  /** The config commands that apply the suggestion. */
  readonly commands: readonly string[];
}

/** The p-th percentile (0-100) by nearest rank; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Every Fargate task size (lib/aws/fargate.ts). */
export function fargateSizes(): Size[] {
  return [...FARGATE_MEMORY_BY_CPU].flatMap(([cpu, memories]) => memories.map((memory) => ({ cpu, memory })));
}

/**
 * The cheapest Fargate size with at least `cpu` units and `memory` MiB, priced at `prices`
 * (any region's prices rank sizes alike; us-east-1's stand in for a region without).
 */
export function smallestFittingSize(cpu: number, memory: number, template: Pick<DeployedTemplate, "architecture" | "spot">, prices: RegionPrices = PRICES["us-east-1"]): Size | undefined {
  const cost = (s: Size) => fargateHourly(prices, { ...s, architecture: template.architecture, spot: template.spot });
  return fargateSizes()
    .filter((s) => s.cpu >= cpu && s.memory >= memory)
    .sort((a, b) => cost(a) - cost(b) || a.cpu - b.cpu || a.memory - b.memory)[0];
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The commands that set a template's size; the label first, so a stack still on the default template gets a valid entry. */
export function sizeCommands(stack: string, index: number, label: string, size: Size): string[] {
  const set = (field: string, value: string | number) => `pulumi config set --stack ${stack} --path 'agents[${index}].${field}' ${value}`;
  return [set("label", label), set("cpu", size.cpu), set("memory", size.memory)];
}

/** The advice for one template, from its usage over `days`. */
export function advise(stack: string, index: number, template: DeployedTemplate, usage: TemplateUsage, days: number, prices: RegionPrices | undefined): SizingAdvice {
  const current = { cpu: template.cpu, memory: template.memory };
  const base = { label: template.label, index, current, tasksRun: usage.tasksRun, taskMinutes: usage.taskMinutes, commands: [] as string[] };
  if (usage.tasksRun < SIZING.minTasks || usage.taskMinutes < SIZING.minTaskMinutes || usage.cpuUsed.length === 0 || usage.memoryUsed.length === 0) {
    const insights = usage.cpuUsed.length === 0 ? " No Container Insights data: is containerInsights on?" : "";
    return {
      ...base,
      verdict: "too little data",
      reason: `${usage.tasksRun} tasks and ${Math.round(usage.taskMinutes)} task-minutes in ${days} days; sizing needs at least ${SIZING.minTasks} tasks and ${SIZING.minTaskMinutes} task-minutes.${insights}`,
    };
  }
  const pct = (values: readonly number[], of: number, p: number) => round((100 * percentile(values, p)!) / of);
  const cpuPercent = { p50: pct(usage.cpuUsed, current.cpu, 50), p95: pct(usage.cpuUsed, current.cpu, 95) };
  const memoryPercent = { p50: pct(usage.memoryUsed, current.memory, 50), p95: pct(usage.memoryUsed, current.memory, 95) };
  const target = SIZING.targetPercent / 100;
  // Without the region's prices, us-east-1's rank sizes the same way; only the saving needs the real ones.
  const ranking = prices ?? PRICES["us-east-1"];
  const fit = smallestFittingSize(percentile(usage.cpuUsed, 95)! / target, percentile(usage.memoryUsed, 95)! / target, template, ranking);
  const measured = { ...base, cpuPercent, memoryPercent, fit };
  if (!fit) {
    return { ...measured, verdict: "larger", reason: "no Fargate size keeps p95 under the target: split the work, or move it off Fargate" };
  }
  const hourly = (s: Size) => fargateHourly(ranking, { ...s, architecture: template.architecture, spot: template.spot });
  const underSized = cpuPercent.p95 > SIZING.underSizedPercent || memoryPercent.p95 > SIZING.underSizedPercent;
  const cheaper = hourly(fit) < hourly(current);
  if (!underSized && !cheaper) {
    return { ...measured, verdict: "keep", reason: `p95 CPU ${cpuPercent.p95} % and memory ${memoryPercent.p95} % are within ${SIZING.underSizedPercent} %, and no cheaper size keeps them under ${SIZING.targetPercent} %` };
  }
  const taskHoursPerMonth = (usage.taskMinutes / 60 / days) * (HOURS_PER_MONTH / 24);
  const monthlyDeltaUsd = prices ? taskHoursPerMonth * (hourly(fit) - hourly(current)) : undefined;
  return {
    ...measured,
    verdict: underSized ? "larger" : "smaller",
    reason: underSized
      ? `p95 ${cpuPercent.p95 > SIZING.underSizedPercent ? `CPU ${cpuPercent.p95} %` : `memory ${memoryPercent.p95} %`} is above ${SIZING.underSizedPercent} %: builds are starved`
      : `a cheaper size keeps p95 CPU and memory under ${SIZING.targetPercent} %`,
    suggestion: fit,
    monthlyDeltaUsd,
    commands: sizeCommands(stack, index, template.label, fit),
  };
}
