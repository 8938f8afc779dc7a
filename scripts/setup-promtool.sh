#!/usr/bin/env bash
# Installs promtool (from Debian's prometheus package), which a test uses to check the
# /metrics output. The package would also start a Prometheus server; a policy-rc.d that
# refuses service starts keeps it from doing so during the install.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  echo "setup-promtool: promtool already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-promtool: promtool is missing; run as root, or: sudo apt-get install --no-install-recommends prometheus" >&2
  exit 1
fi
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
echo "setup-promtool: installing Debian's prometheus package (for promtool; its service is not started)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
echo "setup-promtool: $(promtool --version 2>&1 | head -n 1)"
