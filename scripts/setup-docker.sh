#!/usr/bin/env bash
# Installs and starts the Docker Engine on a fresh Debian machine (run as root).
# Debian's docker.io package gives Engine 20.10; on machines without systemd we
# start dockerd as a plain background daemon.
set -euo pipefail

# running_pid FILE NAME: FILE names a live process called NAME.
running_pid() {
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$2" ]
}

# engine_answers: the engine answers within 20 s (a hung engine must not hang this script).
engine_answers() {
  timeout 20 docker info >/dev/null 2>&1
}

remove_stale() {
  if [ -e "$1" ]; then
    echo "setup-docker: removing $1, left by an engine that is no longer running"
    rm -f "$1"
  fi
}

if engine_answers; then
  echo "setup-docker: Docker engine already running"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-docker: dockerd is not installed; run this script as root, or: sudo apt-get install docker.io" >&2
    exit 1
  fi
  echo "setup-docker: installing docker.io from Debian's packages"
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if ! engine_answers; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-docker: dockerd is installed but not running; start it as root (sudo dockerd &)" >&2
    exit 1
  fi
  if running_pid /var/run/docker.pid dockerd; then
    echo "setup-docker: a dockerd is running (pid $(cat /var/run/docker.pid)) but not answering yet; waiting for it"
  else
    # A machine whose /var/run outlives a boot keeps the last dockerd's pid files. When that pid
    # now names another process, dockerd refuses to start ("pid file found"), and its containerd
    # supervisor would take the other process for a running containerd, so both files go.
    remove_stale /var/run/docker.pid
    running_pid /var/run/docker/containerd/containerd.pid containerd ||
      remove_stale /var/run/docker/containerd/containerd.pid
    # appended to, not overwritten: a restart must not lose what the last engine said before it died
    echo "setup-docker: starting dockerd in the background (log: /var/log/poseidon-dockerd.log)"
    echo "setup-docker: dockerd started at $(date -u +%FT%TZ)" >>/var/log/poseidon-dockerd.log
    nohup dockerd >>/var/log/poseidon-dockerd.log 2>&1 &
  fi
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if engine_answers; then break; fi
    sleep 0.5
  done
fi

if ! engine_answers; then
  echo "setup-docker: dockerd did not answer within 60 s; see /var/log/poseidon-dockerd.log" >&2
  if running_pid /var/run/docker.pid dockerd; then
    echo "setup-docker: it is running (pid $(cat /var/run/docker.pid)) but hung: stop it (kill $(cat /var/run/docker.pid)) and run this script again" >&2
  fi
  tail -n 20 /var/log/poseidon-dockerd.log >&2 || true
  exit 1
fi
echo "setup-docker: Docker engine $(docker version --format '{{.Server.Version}}') is up"
