#!/bin/sh
# The kaniko container's main process: it runs the executor for the agent container of the
# same task. Kaniko unpacks base images over its own container's root, so it cannot run inside
# the agent's container (osscontainertools/kaniko v1.28.3 README, "Known Issues"); here it has
# a container of its own, and the two share the workspace and a queue directory.
#
# Protocol, on the queue directory (a volume both containers mount):
#   kaniko-build    the client, copied here for the agent container ($KANIKO_BUILD points at it)
#   ready           written once the client and the registry login are in place (the
#                   container's health check: the agent container starts only after it)
#   requests/<id>/  one build: the client writes `args` (one executor argument per line) under
#                   a hidden name and renames the directory, so a request is seen only whole;
#                   this worker writes `log` while the executor runs and `exit` (its status)
#                   when it ends; a `cancel` file stops the executor.
# Builds run one at a time, in name order, each with --cleanup (KANIKO_CLEANUP) so the next
# one starts from a clean root.
set -u

QUEUE="${KANIKO_QUEUE:-/home/jenkins/.kaniko}"
WORKSPACE="${KANIKO_WORKSPACE:-/home/jenkins/workspace}"
EXECUTOR="${KANIKO_EXECUTOR:-/kaniko/executor}"
CLIENT="${KANIKO_CLIENT:-/kaniko/kaniko-build}"
AGENT_UID="${KANIKO_AGENT_UID:-1000}"
POLL_SECONDS="${KANIKO_POLL_SECONDS:-1}"

pid=""
# ECS stops a task with SIGTERM: stop a running build with it, then leave.
stop() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  exit 0
}
trap stop TERM INT

# Fargate creates a task volume as root with mode 0755; the agent runs as its own user.
mkdir -p "$QUEUE/requests" "$WORKSPACE" || exit 1
chown "$AGENT_UID:$AGENT_UID" "$QUEUE" "$QUEUE/requests" "$WORKSPACE" || exit 1
cp "$CLIENT" "$QUEUE/kaniko-build" && chmod 0755 "$QUEUE/kaniko-build" || exit 1

# Pushes and pulls to the stack's registry sign in with the task role, through the ECR
# credential helper built into this image; other registries are pulled anonymously.
if [ -n "${ECR_REGISTRY:-}" ]; then
  mkdir -p "${DOCKER_CONFIG:-/kaniko/.docker}" || exit 1
  printf '{"credHelpers": {"%s": "ecr-login"}}\n' "$ECR_REGISTRY" > "${DOCKER_CONFIG:-/kaniko/.docker}/config.json" || exit 1
fi
: > "$QUEUE/ready"

build() {
  dir=$1
  : > "$dir/log"
  set --
  while IFS= read -r arg || [ -n "$arg" ]; do set -- "$@" "$arg"; done < "$dir/args"
  "$EXECUTOR" "$@" >> "$dir/log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ -e "$dir/cancel" ]; then kill "$pid" 2>/dev/null; fi
    sleep "$POLL_SECONDS"
  done
  wait "$pid"
  status=$?
  pid=""
  echo "$status" > "$dir/exit.tmp" && mv "$dir/exit.tmp" "$dir/exit"
}

while :; do
  for dir in "$QUEUE"/requests/*; do
    if [ -d "$dir" ] && [ -f "$dir/args" ] && [ ! -e "$dir/taken" ]; then
      : > "$dir/taken"
      build "$dir"
    fi
  done
  sleep "$POLL_SECONDS"
done
