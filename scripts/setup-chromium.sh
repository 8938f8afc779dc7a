#!/usr/bin/env bash
# Installs Debian's chromium, which the console's browser tests (test/browser/) and the console
# benchmark drive headless through puppeteer-core; no browser is downloaded from anywhere else.
set -euo pipefail
. "$(dirname "$0")/lib/apt-install.sh"

if command -v chromium >/dev/null 2>&1; then
  echo "setup-chromium: chromium already installed"
  exit 0
fi
apt_install setup-chromium chromium fonts-dejavu-core
# (Debian's launcher script may print a shell warning of its own before the version)
echo "setup-chromium: $(chromium --version 2>/dev/null | tail -n 1)"
