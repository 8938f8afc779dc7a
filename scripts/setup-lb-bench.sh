#!/usr/bin/env bash
# Installs what the `lb` benchmark runs beside Poseidon's proxy: wrk (the load generator), nginx
# and HAProxy (the references), from Debian's packages. The packages would start their own
# nginx and haproxy services on port 80; a policy-rc.d that refuses service starts keeps them from
# doing so during the install (the bench starts its own instances on 127.0.0.1 with its own configs).
set -euo pipefail
. "$(dirname "$0")/lib/apt-install.sh"

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
if [ ${#need[@]} -eq 0 ]; then
  echo "setup-lb-bench: wrk, nginx and haproxy already installed"
  exit 0
fi
apt_install setup-lb-bench "${need[@]}"
echo "setup-lb-bench: $(wrk --version 2>&1 | head -n 1)"
echo "setup-lb-bench: $(/usr/sbin/nginx -v 2>&1)"
echo "setup-lb-bench: $(/usr/sbin/haproxy -v 2>&1 | head -n 1)"
