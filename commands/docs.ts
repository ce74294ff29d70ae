/**
 * `npm run docs`: regenerates the runbook's cost section (docs/runbook.md, between the
 * cost:begin and cost:end markers) from lib/cost/prices.ts and the checked-in stack files, so the
 * runbook says what `npm run plan -- --cost` says. A test fails while they differ.
 */
import * as fs from "fs";
import * as path from "path";
import { parseSettings } from "../lib/config/parse";
import { COST_SECTION, costMarkdown } from "../lib/cost/cost";
import { PROJECT_ROOT, loadStackConfig } from "../offline/stackConfig";

/** The stacks whose costs the runbook shows. */
export const DOCUMENTED_STACKS = ["dev", "prod"] as const;

export const RUNBOOK = path.join(PROJECT_ROOT, "docs", "runbook.md");

/** The cost section as the runbook should hold it now. */
export function expectedCostSection(): string {
  return costMarkdown(DOCUMENTED_STACKS.map((stack) => parseSettings(loadStackConfig(stack), stack)));
}

/** `text` with its cost section replaced by `section`; throws when the markers are missing. */
export function withCostSection(text: string, section: string): string {
  const begin = text.indexOf(COST_SECTION.begin);
  const end = text.indexOf(COST_SECTION.end);
  if (begin < 0 || end < begin) throw new Error(`the runbook lacks the markers ${COST_SECTION.begin} ... ${COST_SECTION.end}`);
  return text.slice(0, begin) + section + text.slice(end + COST_SECTION.end.length);
}

if (require.main === module) {
  const text = fs.readFileSync(RUNBOOK, "utf8");
  const updated = withCostSection(text, expectedCostSection());
  if (updated !== text) fs.writeFileSync(RUNBOOK, updated);
  process.stdout.write(updated === text ? "docs/runbook.md: cost section already current\n" : "docs/runbook.md: cost section regenerated\n");
}
