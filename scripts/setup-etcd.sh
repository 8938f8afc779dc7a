#!/usr/bin/env bash
# Installs etcd (Debian's etcd-server package), which the tests of managers on etcd run as a
# three-member cluster on loopback, each test with its own data dirs and ports (the package's own
# etcd service is not started).
set -euo pipefail
. "$(dirname "$0")/lib/apt-install.sh"

if command -v etcd >/dev/null 2>&1; then
  echo "setup-etcd: etcd already installed ($(etcd --version 2>/dev/null | head -n 1))"
  exit 0
fi
apt_install setup-etcd etcd-server
echo "setup-etcd: $(etcd --version 2>&1 | head -n 1)"
