/**
 * The shape of a recorded program run: what `run.ts` records and the plan and tests read. Kept
 * apart from the recording itself so that reading it needs no Pulumi runtime.
 */

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource, or null for top-level resources. */
  parent: string | null;
  /** Whether this is a cloud resource (false for components). */
  custom: boolean;
  /** What the program passed in. */
  inputs: Record<string, any>;
  /** Resource options that decide what happens on delete. */
  protect: boolean;
  retainOnDelete: boolean;
  /**
   * The explicit provider a custom resource is managed by, as the engine references it
   * (`<provider urn>::<id>`), or null for the package's default provider.
   */
  provider: string | null;
  /** URNs this resource waits for (explicit dependsOn, components expanded to their children). */
  dependsOn: string[];
  /** What the mock answered: the resource id and its state (outputs). */
  id: string | null;
  state: Record<string, any>;
  /** `inputs` and `state` with secret values replaced by "[secret]", for display. */
  masked: { inputs: Record<string, any>; state: Record<string, any> };
}

export interface Graph {
  project: string;
  stack: string;
  resources: RecordedResource[];
  outputs: Record<string, any>;
  /** Output names whose values are secret. */
  secretOutputs: string[];
}

export const SECRET_MASK = "[secret]";

