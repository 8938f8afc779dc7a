#!/usr/bin/env bash
# Everything a fresh Debian machine with Node 20 needs to run Poseidon, its tests and demo:
# the Docker engine, the local busybox image, promtool, etcd, dig, chromium (the console's browser tests), and the npm dependencies (built).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: Poseidon needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
bash scripts/setup-docker.sh
bash scripts/setup-images.sh
bash scripts/setup-promtool.sh
bash scripts/setup-etcd.sh
bash scripts/setup-dnsutils.sh
bash scripts/setup-chromium.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run -s build
