/**
 * EventBridge's event-pattern matching, for the part of the pattern language this stack uses,
 * so a test can run our rule's pattern against events of AWS's documented shape. Rules, from
 * the EventBridge User Guide ("Amazon EventBridge event patterns", "Content filtering"):
 * - every field of the pattern must match (AND); a pattern's leaf is an array of conditions,
 *   any of which may match (OR);
 * - a condition is a literal (string, number, boolean, null: exact equality) or a filter
 *   object; only `prefix` and `exists` are supported here;
 * - when the event's value is an array, the field matches if any element does;
 * - `$or` holds sub-patterns, any of which may match, alongside the other fields;
 * - a field the event lacks matches only `{"exists": false}`.
 * Anything else (other filters, a malformed pattern) throws: the matcher never guesses.
 */

type Pattern = { readonly [field: string]: unknown };

function conditionMatches(condition: unknown, value: unknown): boolean {
  if (condition === null || ["string", "number", "boolean"].includes(typeof condition)) return value === condition;
  if (typeof condition === "object" && !Array.isArray(condition)) {
    const [[filter, argument], ...more] = Object.entries(condition as object);
    if (more.length > 0) throw new Error(`unsupported filter ${JSON.stringify(condition)}: one filter per object`);
    if (filter === "prefix" && typeof argument === "string") return typeof value === "string" && value.startsWith(argument);
    if (filter === "exists" && typeof argument === "boolean") return argument === (value !== undefined);
  }
  throw new Error(`unsupported condition ${JSON.stringify(condition)}`);
}

function leafMatches(conditions: unknown, value: unknown): boolean {
  if (!Array.isArray(conditions) || conditions.length === 0) throw new Error(`a pattern leaf must be a non-empty array, not ${JSON.stringify(conditions)}`);
  const values = Array.isArray(value) ? value : [value];
  // An absent field (or an empty array) can only satisfy {"exists": false}.
  if (value === undefined || values.length === 0) return conditions.some((c) => typeof c === "object" && c !== null && (c as { exists?: unknown }).exists === false);
  return conditions.some((condition) => values.some((v) => conditionMatches(condition, v)));
}

/** Whether `event` matches `pattern`, as EventBridge would decide it. */
export function matchesEventPattern(pattern: Pattern, event: unknown): boolean {
  const fields = (event ?? {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([field, expected]) => {
    if (field === "$or") {
      if (!Array.isArray(expected) || expected.length < 2) throw new Error("$or takes an array of at least two patterns");
      return expected.some((alternative) => matchesEventPattern(alternative as Pattern, event));
    }
    if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
      const nested = fields[field];
      return typeof nested === "object" && nested !== null && !Array.isArray(nested) && matchesEventPattern(expected as Pattern, nested);
    }
    return leafMatches(expected, fields[field]);
  });
}
