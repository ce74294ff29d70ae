/**
 * How long each step of a controller roll may take, each derived from the ones before it: the
 * old task's stop, the new task's wait for the JENKINS_HOME lock (and how late EFS lets it see
 * the release), Jenkins' start, the health-check grace period that must cover all of that, and
 * the "down" alarms that must stay quiet through it. Change a figure here and everything that
 * depends on it follows: the start script's lock wait (task environment), the smallest grace
 * period config accepts, its default, and the alarm windows.
 *
 * A roll (deployment minimum 0 %, maximum 100 %): ECS sends the old task SIGTERM and, since a
 * stopping task no longer counts towards the maximum, starts the new one at once. The new task's
 * start script waits for the old Jenkins' lock (controller-image/jenkins-ecs-start.sh), then
 * puts the image's plugins in place and starts Jenkins; the target then passes its checks.
 */

/**
 * Fargate's maximum stop timeout: ECS waits this long after SIGTERM before SIGKILL, so Jenkins
 * can finish writing build records and config to EFS.
 */
export const STOP_TIMEOUT_SECONDS = 120;

/**
 * How late a waiting controller can take the lock after the old one released it. EFS locks are
 * NFSv4.1 locks, and Linux's client does not wait on the server for a blocked lock: it retries
 * with a backoff from 1 s doubling to 30 s (torvalds/linux, fs/nfs/nfs4proc.c,
 * NFS4_LOCK_MAXTIMEOUT = 30 * HZ in nfs4_retry_setlk_simple; with a server's CB_NOTIFY_LOCK
 * callbacks, nfs4_retry_setlk still sleeps up to the same 30 s between tries).
 */
export const EFS_LOCK_POLL_LAG_SECONDS = 30;

/**
 * How long a new controller waits for the old one to release JENKINS_HOME before it gives up
 * (exit 75, and the deployment circuit breaker rolls back): the old task's stop timeout, the
 * lag of seeing the release, and half a minute for the old JVM's exit to reach EFS.
 */
export const LOCK_WAIT_SECONDS = STOP_TIMEOUT_SECONDS + EFS_LOCK_POLL_LAG_SECONDS + 30;

/**
 * The latest a start script can hold the lock, counted from its start. `flock -w` ends its wait
 * with a timer signal, which interrupts the client's backoff sleep; the lock call in flight when
 * it fires may still complete, so one more lag is counted.
 */
export const LATEST_LOCK_SECONDS = LOCK_WAIT_SECONDS + EFS_LOCK_POLL_LAG_SECONDS;

/**
 * From holding the lock to Jenkins answering /login: putting the image's plugins in place, then
 * Jenkins and JCasC starting on the default 1 vCPU, including unpacking every plugin onto EFS
 * after the plugin set changed (thousands of small files). An estimate: it was not measured
 * here. A JENKINS_HOME with many jobs loads longer; raise the grace period for it.
 */
export const JENKINS_START_SECONDS = 150;

/**
 * The smallest health-check grace period config accepts: a controller that takes the lock at
 * the last moment the start script allows must still have time to start before failing health
 * checks count. Shorter, and the load balancer would stop a controller that is only waiting its
 * turn, and a roll would fail that the lock would have carried.
 */
export const MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS = LATEST_LOCK_SECONDS + JENKINS_START_SECONDS;

/** The default grace period: the minimum, rounded up to whole minutes. */
export const DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS = Math.ceil(MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS / 60) * 60;

/** The controller's target health check (the load balancer's): a new task is healthy after `healthyThreshold` passes. */
export const TARGET_HEALTH_CHECK = { path: "/login", intervalSeconds: 30, timeoutSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 5 } as const;

/**
 * Seconds from RunTask to a running controller container: Fargate placement, the network
 * interface, and pulling the controller image (about 1 GB, from ECR in the region).
 */
export const FARGATE_START_SECONDS = 120;

/**
 * The longest outage a normal controller roll causes: the old task's stop timeout, a Fargate
 * start, the health-check grace period (which covers the lock wait and Jenkins' start), then the
 * target passing its health checks. Counted end to end, although the old task's stop and the new
 * task's start overlap, so that the alarms err towards quiet during a deploy.
 */
export function controllerRollSeconds(healthCheckGracePeriodSeconds: number): number {
  return STOP_TIMEOUT_SECONDS + FARGATE_START_SECONDS + healthCheckGracePeriodSeconds + TARGET_HEALTH_CHECK.intervalSeconds * TARGET_HEALTH_CHECK.healthyThreshold;
}

/** How much longer than a roll an outage must last before the "down" alarms fire. */
export const ROLL_MARGIN = 1.25;
const DOWN_PERIOD_SECONDS = 60;

/** An alarm's timing: it fires when `datapointsToAlarm` of the last `evaluationPeriods` periods breach. */
export interface AlarmWindow {
  readonly period: number;
  readonly datapointsToAlarm: number;
  readonly evaluationPeriods: number;
}

/**
 * The "down" alarms (no healthy target, no running task) fire on M of N one-minute datapoints:
 * M minutes are clearly longer than a roll (×{@link ROLL_MARGIN}), and N = M + 2, so a healthy
 * minute in the middle of an outage does not reset it. A deploy never pages; an outage longer
 * than any deploy does.
 */
export function downAlarmWindow(healthCheckGracePeriodSeconds: number): AlarmWindow {
  const datapointsToAlarm = Math.ceil((controllerRollSeconds(healthCheckGracePeriodSeconds) * ROLL_MARGIN) / DOWN_PERIOD_SECONDS);
  return { period: DOWN_PERIOD_SECONDS, datapointsToAlarm, evaluationPeriods: datapointsToAlarm + 2 };
}
