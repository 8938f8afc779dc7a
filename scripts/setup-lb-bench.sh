#!/usr/bin/env bash
# Installs what the `lb` benchmark runs beside Poseidon's proxy: wrk (the load generator), nginx
# and HAProxy (the references), from Debian's packages. The packages would start their own
# nginx and haproxy services on port 80; a policy-rc.d that refuses service starts keeps them from
# doing so during the install (the bench starts its own instances on 127.0.0.1 with its own configs).
set -euo pipefail

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
if [ ${#need[@]} -eq 0 ]; then
  echo "setup-lb-bench: wrk, nginx and haproxy already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-lb-bench: missing ${need[*]}; run as root, or: sudo apt-get install --no-install-recommends ${need[*]}" >&2
  exit 1
fi
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
echo "setup-lb-bench: installing Debian's ${need[*]} (their services are not started)"
apt-get update -qq -o DPkg::Lock::Timeout=300
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
echo "setup-lb-bench: $(wrk --version 2>&1 | head -n 1)"
echo "setup-lb-bench: $(/usr/sbin/nginx -v 2>&1)"
echo "setup-lb-bench: $(/usr/sbin/haproxy -v 2>&1 | head -n 1)"
