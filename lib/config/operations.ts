/**
 * The operations section: how the stack is watched and kept. Container Insights, log
 * retention, deletion protection and the address the alarms notify.
 */
import { DEFAULTS, LOG_RETENTION_DAYS } from "./keys";
import { ConfigReader } from "./reader";
import { EMAIL_PATTERN } from "./controller";

export interface OperationsSection {
  readonly containerInsights: boolean;
  readonly logRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly alarmEmail?: string;
}

export function readOperations(r: ConfigReader): OperationsSection {
  const containerInsights = r.boolean("containerInsights", DEFAULTS.containerInsights);
  const logRetentionDays = r.integer("logRetentionDays", DEFAULTS.logRetentionDays, 1, 3653, (n) =>
    LOG_RETENTION_DAYS.includes(n) ? undefined : `CloudWatch Logs keeps logs for one of ${LOG_RETENTION_DAYS.join(", ")} days`,
  );
  const deletionProtection = r.boolean("deletionProtection", DEFAULTS.deletionProtection);
  const alarmEmail = r.string("alarmEmail", (v) => EMAIL_PATTERN.test(v), "expected an e-mail address such as \"oncall@example.com\"");
  return { containerInsights, logRetentionDays, deletionProtection, alarmEmail };
}
