#!/usr/bin/env bash
# Installs and starts the Docker Engine on a fresh Debian machine (run as root).
# Debian's docker.io package gives Engine 20.10; on machines without systemd we
# start dockerd as a plain background daemon.
set -euo pipefail

if docker info >/dev/null 2>&1; then
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

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-docker: dockerd is installed but not running; start it as root (sudo dockerd &)" >&2
    exit 1
  fi
  echo "setup-docker: starting dockerd in the background (log: /var/log/poseidon-dockerd.log)"
  nohup dockerd >/var/log/poseidon-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup-docker: dockerd did not come up; see /var/log/poseidon-dockerd.log" >&2
  tail -n 20 /var/log/poseidon-dockerd.log >&2 || true
  exit 1
fi
echo "setup-docker: Docker engine $(docker version --format '{{.Server.Version}}') is up"
