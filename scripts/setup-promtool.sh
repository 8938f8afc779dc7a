#!/usr/bin/env bash
# Installs promtool (from Debian's prometheus package), which a test uses to check the /metrics
# output (the package's Prometheus server is not started).
set -euo pipefail
. "$(dirname "$0")/lib/apt-install.sh"

if command -v promtool >/dev/null 2>&1; then
  echo "setup-promtool: promtool already installed"
  exit 0
fi
apt_install setup-promtool prometheus
echo "setup-promtool: $(promtool --version 2>&1 | head -n 1)"
