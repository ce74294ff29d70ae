#!/bin/sh
# Starts the given command (Jenkins) only while holding an exclusive lock on a file in
# JENKINS_HOME, and keeps the lock until that command exits.
#
# Why: ECS's deploymentMaximumPercent counts RUNNING and PENDING tasks, not a task that is still
# stopping (up to its 120 s stop timeout). So during a roll a new controller can start while the
# old one is still writing JENKINS_HOME. EFS supports NFSv4.1 locks (flock from Linux clients),
# so the new Jenkins waits here until the old one has exited and released the lock; a client
# that disappears loses its lock when its NFS lease expires.
#
# Environment: JENKINS_HOME (the official image sets it), JENKINS_ECS_LOCK_WAIT_SECONDS (how long
# to wait for the lock; the task definition sets it from lib/controllerTask.ts).
set -eu
lock_file="${JENKINS_HOME:?JENKINS_HOME is not set}/.jenkins-ecs.lock"
wait_seconds="${JENKINS_ECS_LOCK_WAIT_SECONDS:-180}"

# The lock belongs to file descriptor 9, which exec hands on to Jenkins and its JVM.
exec 9>>"$lock_file"
if ! flock -n 9; then
  echo "jenkins-ecs: another controller holds $lock_file; waiting up to $wait_seconds s for it to stop" >&2
  if ! flock -w "$wait_seconds" 9; then
    echo "jenkins-ecs: gave up after $wait_seconds s: another controller still holds $lock_file. Not starting a second Jenkins on the same JENKINS_HOME; this task stops and the deployment rolls back." >&2
    exit 75
  fi
fi
echo "jenkins-ecs: holding $lock_file; starting Jenkins" >&2
exec "$@"
