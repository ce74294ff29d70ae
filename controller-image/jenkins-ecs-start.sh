#!/bin/sh
# The controller image's entrypoint, under tini (Dockerfile):
#   tini -- jenkins-ecs-start /usr/local/bin/jenkins.sh
# Whoever runs the image, ECS or `docker run`, gets these steps, in this order:
#
# 1. Writes the JCasC sources the task definition carries. JENKINS_ECS_CASC_SOURCES lists
#    `VARIABLE=path` pairs, separated by spaces; each VARIABLE holds a file's text in base64
#    (lib/aws/controllerTask.ts). Outside JENKINS_HOME, so every start applies the current
#    deployment's documents.
#
# 2. Takes an exclusive lock on a file in JENKINS_HOME, and keeps it until Jenkins exits.
#    ECS's deploymentMaximumPercent counts RUNNING and PENDING tasks, not a task that is still
#    stopping (up to its stop timeout), so during a roll a new controller can start while the
#    old one is still writing JENKINS_HOME. EFS supports NFSv4.1 locks (flock from Linux
#    clients), so the new Jenkins waits here until the old one has exited and released the lock;
#    a client that disappears loses its lock when its NFS lease expires.
#
# 3. While holding the lock, makes $JENKINS_HOME/plugins exactly the image's plugins
#    ($REF/plugins, where jenkins-plugin-cli put them). The official image's copy step keeps a
#    plugin of JENKINS_HOME that is newer than the image's, whatever PLUGINS_FORCE_UPGRADE says
#    (jenkinsci/docker 2.578, jenkins-support l. 97-171), so a rollback would run old Jenkins
#    on new plugins, and a plugin removed from plugins.txt or installed in the UI would stay.
#    As the Helm chart's `overwritePlugins` does (jenkinsci/helm-charts jenkins-5.9.53,
#    charts/jenkins/templates/config.yaml l. 23-27), the folder is emptied and filled from the
#    image; unlike it, only when its archives differ from the image's, since Jenkins then unpacks
#    every plugin again onto EFS.
#
# 4. Runs the given command (jenkins.sh), which inherits the lock.
#
# Environment: JENKINS_HOME and REF (the official image sets both), JENKINS_ECS_LOCK_WAIT_SECONDS
# (how long to wait for the lock; lib/aws/controllerWaits.ts), JENKINS_ECS_CASC_SOURCES.
# Exit codes: 75 the lock was not released in time; 78 the image or the task is misconfigured.
set -eu
home="${JENKINS_HOME:?JENKINS_HOME is not set}"
lock_file="$home/.jenkins-ecs.lock"
wait_seconds="${JENKINS_ECS_LOCK_WAIT_SECONDS:-180}"
image_plugins="${REF:-/usr/share/jenkins/ref}/plugins"
say() { echo "jenkins-ecs: $*" >&2; }

# 1. The JCasC sources.
for source in ${JENKINS_ECS_CASC_SOURCES:-}; do
  variable="${source%%=*}"
  file="${source#*=}"
  case "$variable" in
    "" | *[!A-Z0-9_]* | [0-9]*) say "JENKINS_ECS_CASC_SOURCES: \"$variable\" is not a variable name"; exit 78 ;;
  esac
  case "$file" in
    /*) ;;
    *) say "JENKINS_ECS_CASC_SOURCES: $variable: \"$file\" is not an absolute path"; exit 78 ;;
  esac
  if ! eval "[ -n \"\${$variable+set}\" ]"; then
    say "JENKINS_ECS_CASC_SOURCES names $variable, which is not set"
    exit 78
  fi
  mkdir -p "$(dirname "$file")"
  eval "printf '%s' \"\$$variable\"" | base64 -d > "$file"
done

# 2. The lock. It belongs to file descriptor 9, which exec hands on to Jenkins and its JVM.
exec 9>>"$lock_file"
if ! flock -n 9; then
  say "another controller holds $lock_file; waiting up to $wait_seconds s for it to stop"
  if ! flock -w "$wait_seconds" 9; then
    say "gave up after $wait_seconds s: another controller still holds $lock_file. Not starting a second Jenkins on the same JENKINS_HOME; this task stops and the deployment rolls back."
    exit 75
  fi
fi
say "holding $lock_file"

# 3. The plugins: each archive at the top of a folder, by name and content. Unpacked plugin
# folders are Jenkins' own cache of the archives and are not compared.
archives() {
  if [ -d "$1" ]; then (cd "$1" && find . -maxdepth 1 -type f -exec sha256sum {} + | LC_ALL=C sort -k 2); fi
}
names() { printf '%s\n' "$1" | sed -n 's|^[0-9a-f]*  \./||p'; }
wanted="$(archives "$image_plugins")"
if [ -z "$wanted" ]; then
  say "the image has no plugins in $image_plugins; an image for jenkins-ecs is built FROM controller-image/Dockerfile (README, controllerImage)"
  exit 78
fi
present="$(archives "$home/plugins")"
if [ "$wanted" = "$present" ]; then
  say "$home/plugins holds exactly the image's $(names "$wanted" | wc -l | tr -d ' ') plugin files"
else
  gone="$(names "$present" | grep -vxF "$(names "$wanted")" | tr '\n' ' ' || true)"
  staging="$home/.jenkins-ecs-plugins.new"
  rm -rf "$staging" "$home/.jenkins-ecs-plugins.old"
  mkdir "$staging"
  (cd "$image_plugins" && find . -maxdepth 1 -type f -exec cp -p {} "$staging/" \;)
  if [ -e "$home/plugins" ]; then mv "$home/plugins" "$home/.jenkins-ecs-plugins.old"; fi
  mv "$staging" "$home/plugins"
  rm -rf "$home/.jenkins-ecs-plugins.old"
  say "replaced $home/plugins with the image's $(names "$wanted" | wc -l | tr -d ' ') plugin files${gone:+; removed: $gone}"
fi

say "starting Jenkins"
exec "$@"
