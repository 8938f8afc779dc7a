#!/usr/bin/env bash
# Installs dig (Debian's dnsutils), which the DNS tests use to query Poseidon's DNS server as
# an operator would.
set -euo pipefail

if command -v dig >/dev/null 2>&1; then
  echo "setup-dnsutils: dig already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-dnsutils: dig is missing; run as root, or: sudo apt-get install --no-install-recommends dnsutils" >&2
  exit 1
fi
echo "setup-dnsutils: installing Debian's dnsutils (for dig)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends dnsutils >/dev/null
echo "setup-dnsutils: $(dig -v 2>&1 | head -n 1)"
