#!/usr/bin/env bash
# Installs dig (Debian's dnsutils), which the DNS tests use to query Poseidon's DNS server as
# an operator would.
set -euo pipefail
. "$(dirname "$0")/lib/apt-install.sh"

if command -v dig >/dev/null 2>&1; then
  echo "setup-dnsutils: dig already installed"
  exit 0
fi
apt_install setup-dnsutils dnsutils
echo "setup-dnsutils: $(dig -v 2>&1 | head -n 1)"
