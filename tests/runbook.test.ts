import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../offline/stackConfig";
import { ALARMS } from "../lib/aws/alarms";
import { CONTROLLER_CONTAINER, FILE_SYSTEM_VIEW_PATH } from "../lib/aws/controllerTask";
import { LOCK_WAIT_SECONDS, controllerRollSeconds } from "../lib/aws/controllerWaits";
import { CONTROLLER_SERVICE_NAME } from "../lib/aws/naming";
import { DEFAULTS } from "../lib/config/keys";
import { findAll, runStack } from "./helpers";

const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
const runbook = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8");

/** GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces to hyphens. */
const anchorOf = (heading: string) => heading.toLowerCase().replace(/[^\w\s-]/g, "").replace(/\s/g, "-");
// Comments in shell blocks start with "#" too: blank the blocks out (same length) before looking for headings.
const prose = runbook.replace(/^```[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, " "));
const headings = [...prose.matchAll(/^(#+) (.*)$/gm)].map((m) => ({ level: m[1].length, title: m[2], at: m.index! }));
const anchors = new Set(headings.map((h) => anchorOf(h.title)));

/** The text of the section whose heading is `title`, up to the next heading of its level or above. */
function section(title: string): string {
  const i = headings.findIndex((h) => h.title === title);
  assert.ok(i >= 0, `the runbook has no section "${title}"`);
  const end = headings.slice(i + 1).find((h) => h.level <= headings[i].level);
  return runbook.slice(headings[i].at, end?.at);
}

describe("runbook", () => {
  it("every link into the runbook, from the README or within it, reaches a heading", () => {
    const links = [...readme.matchAll(/docs\/runbook\.md#([\w-]+)/g), ...runbook.matchAll(/\]\(#([\w-]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length > 20);
    for (const anchor of links) assert.ok(anchors.has(anchor), `no heading for #${anchor}`);
  });

  describe("one procedure per alarm", () => {
    for (const title of Object.values(ALARMS)) {
      it(`${title}: what it means, the first three commands, the likely fixes`, () => {
        const text = section(title);
        assert.strictEqual(headings.find((h) => h.title === title)!.level, 3, "under ## Alarms");
        assert.ok(section("Alarms").includes(text));
        const means = text.indexOf("**What it means**");
        const commands = text.indexOf("**First three commands**");
        const fixes = text.indexOf("**Likely fixes**");
        assert.ok(means > 0 && commands > means && fixes > commands, "in that order");
        const steps = text.slice(commands, fixes).match(/^\d+\. /gm) ?? [];
        assert.deepStrictEqual(steps, ["1. ", "2. ", "3. "]);
        assert.ok((text.slice(commands, fixes).match(/`(aws|npm|pulumi|\$\()[^`]*`/g) ?? []).length >= 3, "each step a command to run");
        assert.ok((text.slice(fixes).match(/^- /gm) ?? []).length >= 2, "fixes listed");
      });
    }

    it("every alarm of the stack names its procedure in its description", async () => {
      const alarms = findAll(await runStack("prod", { "jenkins-ecs:fileSystemThroughputMode": "bursting" }), "aws:cloudwatch/metricAlarm:MetricAlarm");
      assert.ok(alarms.length >= Object.keys(ALARMS).length);
      for (const alarm of alarms) {
        const named = /Runbook: ([^.]+)\.$/.exec(alarm.inputs.alarmDescription)?.[1];
        assert.ok(named && Object.values(ALARMS).includes(named as any) && section(named), `${alarm.name}: ${alarm.inputs.alarmDescription}`);
      }
    });
  });

  it("upgrades start with an on-demand backup of JENKINS_HOME, and rolling back restores it", () => {
    const text = section("Upgrading Jenkins and plugins");
    const backup = text.indexOf("aws backup start-backup-job");
    assert.ok(backup > 0 && backup < text.indexOf("1. Change the Jenkins tag"), "before anything changes");
    assert.match(text, /--resource-arn "\$FS_ARN"/);
    const rollback = text.slice(text.indexOf("**Rolling back**"));
    assert.match(rollback, /\(#restoring-jenkins_home-from-a-backup\)/);
    assert.match(rollback, /RecoveryPointArn/);
  });

  it("upgrades boot the new image with the stack's JCasC before a pull request, and pull requests boot it again", () => {
    const text = section("Upgrading Jenkins and plugins");
    const boot = text.indexOf("npm run boot-test -- --stack dev");
    assert.ok(boot > text.indexOf("2. Change plugin versions") && boot < text.indexOf("4. Open a pull request"), "after the changes, before the pull request");
    assert.match(text, /plugin-facts\.json/);
  });

  it("agents that never connect: Cloud Map asked from outside the VPC, drift through a refreshing preview", () => {
    const text = section("Agents that never connect");
    assert.match(text, new RegExp(`aws servicediscovery discover-instances --namespace-name "\\$\\{HOST#jenkins\\.\\}" --service-name ${CONTROLLER_SERVICE_NAME}`));
    assert.match(text, /pulumi preview --refresh/);
    assert.doesNotMatch(text, /nslookup/, "needs no shell inside the VPC");
  });

  it("rotating the password says it restarts the controller and what that costs", () => {
    const text = section("Rotating the admin password");
    assert.match(text, /--force-new-deployment/);
    assert.match(text, /restarts the controller/);
    assert.match(text, /running builds are interrupted/);
  });

  it("a restart's outage is stated as the alarms compute a roll", () => {
    const minutes = Math.ceil(controllerRollSeconds(DEFAULTS.healthCheckGracePeriodSeconds) / 60);
    const text = section("Restarting the controller");
    assert.match(text, /aws ecs update-service .*\n?.*--force-new-deployment/);
    assert.ok(text.includes(`unavailable for up to ${minutes} minutes`), `states ${minutes} minutes`);
  });

  it("ECS Exec: the command for the controller's container, and the restore finds its copy through it", () => {
    assert.match(section("A shell in the controller (ECS Exec)"), new RegExp(`aws ecs execute-command .* --container ${CONTROLLER_CONTAINER} --interactive --command /bin/bash`));
    const restore = section("Restoring JENKINS_HOME from a backup");
    assert.match(restore, /aws ecs execute-command/);
    assert.ok(restore.includes(`${FILE_SYSTEM_VIEW_PATH}/aws-backup-restore_*`));
  });

  it("bringing JENKINS_HOME back names the key and the output it takes", () => {
    const text = section("Bringing JENKINS_HOME back after `pulumi destroy`");
    assert.match(text, /pulumi config set existingFileSystemId fs-/);
    assert.match(text, /fileSystemId output/);
  });

  it("host loss: the runbook explains the NFS lease and reads lease_time through ECS Exec", () => {
    const text = section("A controller waits for a lock nobody holds");
    assert.match(text, new RegExp(`aws ecs execute-command .*\\\\\n\\s*--command "grep -o lease_time=\\[0-9\\]\\* /proc/self/mountstats"`));
    assert.ok(text.includes(`--container ${CONTROLLER_CONTAINER}`));
    assert.match(text, /lease runs out unrenewed/);
    assert.ok(text.includes(`its ${LOCK_WAIT_SECONDS} s wait`), "states the lock wait");
  });

  it("upgrades and rollbacks: the image's plugins replace JENKINS_HOME's, and nothing claims PLUGINS_FORCE_UPGRADE does it", () => {
    const upgrading = section("Upgrading Jenkins and plugins");
    assert.match(upgrading.replace(/\s+/g, " "), /makes `JENKINS_HOME\/plugins` exactly the image's plugins/);
    assert.match(upgrading.replace(/\s+/g, " "), /the reverted image brings its own plugins, older ones included/);
    assert.doesNotMatch(upgrading, /PLUGINS_FORCE_UPGRADE/);
    assert.match(readme.replace(/\s+/g, " "), /\*\*Plugins come only from the image\.\*\*/);
  });

  it("the README states how long a new controller waits for the old one's lock", () => {
    assert.match(readme.replace(/\s+/g, " "), new RegExp(`gives up after ${LOCK_WAIT_SECONDS} s`));
  });
});
