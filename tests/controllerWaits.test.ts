import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import {
  DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  EFS_LOCK_POLL_LAG_SECONDS,
  JENKINS_START_SECONDS,
  LATEST_LOCK_SECONDS,
  LOCK_WAIT_SECONDS,
  MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  STOP_TIMEOUT_SECONDS,
  controllerRollSeconds,
  downAlarmWindow,
} from "../lib/aws/controllerWaits";
import { parseSettings } from "../lib/config/parse";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { stackConfig } from "./helpers";

describe("the controller's waits add up", () => {
  it("the lock wait outlasts the old task's stop timeout and the EFS client's lock polling", () => {
    assert.ok(LOCK_WAIT_SECONDS >= STOP_TIMEOUT_SECONDS + EFS_LOCK_POLL_LAG_SECONDS, `${LOCK_WAIT_SECONDS} s`);
    assert.ok(LATEST_LOCK_SECONDS >= LOCK_WAIT_SECONDS + EFS_LOCK_POLL_LAG_SECONDS, "flock -w can overrun by one poll");
  });

  it("the smallest grace period covers the latest lock and Jenkins' start, and the default is no smaller", () => {
    assert.ok(MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS >= LATEST_LOCK_SECONDS + JENKINS_START_SECONDS);
    assert.ok(DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS >= MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS);
    const declared = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")).config.healthCheckGracePeriodSeconds.default;
    assert.ok(declared >= MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS, `Pulumi.yaml's default ${declared} is below the minimum`);
  });

  it("config takes the minimum itself and refuses one second less, naming the key", () => {
    const at = (n: number) => parseSettings(stackConfig("dev", { "jenkins-ecs:healthCheckGracePeriodSeconds": String(n) }), "dev");
    assert.strictEqual(at(MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS).controller.healthCheckGracePeriodSeconds, MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS);
    assert.throws(() => at(MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS - 1), /jenkins-ecs:healthCheckGracePeriodSeconds/);
  });

  it("the down alarms wait longer than a roll at any grace period config accepts, the lock wait included", () => {
    for (const grace of [MIN_HEALTH_CHECK_GRACE_PERIOD_SECONDS, DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS, 7200]) {
      const w = downAlarmWindow(grace);
      assert.ok(controllerRollSeconds(grace) >= LATEST_LOCK_SECONDS + JENKINS_START_SECONDS, `${grace} s`);
      assert.ok(w.datapointsToAlarm * w.period > controllerRollSeconds(grace), `${grace} s`);
    }
  });
});
