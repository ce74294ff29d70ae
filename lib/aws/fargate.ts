/**
 * Fargate task sizes. A task's cpu (CPU units, 1024 = 1 vCPU) only combines with certain
 * memory sizes (MiB); RunTask and RegisterTaskDefinition reject any other pair, which would
 * surface only at deploy time or, for agents, only when the first build starts.
 * Source: AWS ECS developer guide, "Task CPU and memory" (Linux, platform version 1.4.0).
 */
const GIB = 1024;

function range(fromGiB: number, toGiB: number, stepGiB: number): number[] {
  const sizes: number[] = [];
  for (let gib = fromGiB; gib <= toGiB; gib += stepGiB) sizes.push(gib * GIB);
  return sizes;
}

/** Memory sizes (MiB) allowed for each Fargate cpu value. */
export const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1, 4, 1)],
  [1024, range(2, 8, 1)],
  [2048, range(4, 16, 1)],
  [4096, range(8, 30, 1)],
  [8192, range(16, 60, 4)],
  [16384, range(32, 120, 8)],
]);

/** Whether `cpu`/`memory` is a task size Fargate accepts. */
export function isFargateSize(cpu: number, memory: number): boolean {
  return FARGATE_MEMORY_BY_CPU.get(cpu)?.includes(memory) ?? false;
}

/** A task size as people read it: "1 vCPU / 2 GB". */
export function sizeLabel(size: { readonly cpu: number; readonly memory: number }): string {
  return `${size.cpu / 1024} vCPU / ${size.memory / 1024} GB`;
}

/** A sentence naming what is allowed, for validation messages. */
export function describeFargateSizes(cpu: number): string {
  const memories = FARGATE_MEMORY_BY_CPU.get(cpu);
  if (!memories) {
    return `cpu must be one of ${[...FARGATE_MEMORY_BY_CPU.keys()].join(", ")}`;
  }
  const first = memories[0];
  const last = memories[memories.length - 1];
  const step = memories[1] - first;
  const evenlySpaced = memories.every((memory, i) => memory === first + i * step);
  return evenlySpaced
    ? `with cpu ${cpu}, memory must be ${first} to ${last} MiB in steps of ${step}`
    : `with cpu ${cpu}, memory must be one of ${memories.join(", ")} MiB`;
}

/** Fargate ephemeral storage a task may ask for; 20 GiB is what a task gets without asking. */
export const EPHEMERAL_STORAGE_GIB = { min: 21, max: 200 } as const;
