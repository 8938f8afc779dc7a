#!/usr/bin/env bash
# Installs etcd (Debian's etcd-server package), which the tests of managers on etcd run as a
# three-member cluster on loopback, each test with its own data dirs and ports. The package would
# also start an etcd service; a policy-rc.d that refuses service starts keeps it from doing so.
set -euo pipefail

if command -v etcd >/dev/null 2>&1; then
  echo "setup-etcd: etcd already installed ($(etcd --version 2>/dev/null | head -n 1))"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-etcd: etcd is missing; run as root, or: sudo apt-get install --no-install-recommends etcd-server" >&2
  exit 1
fi
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
echo "setup-etcd: installing Debian's etcd-server package (its service is not started)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
echo "setup-etcd: $(etcd --version 2>&1 | head -n 1)"
