# Sourced by the setup scripts: apt_install TAG PACKAGE... installs Debian packages as root, never
# starting the services they ship (a policy-rc.d that refuses service starts is in place for the
# install, unless one already is), waiting for another apt to finish rather than failing.
apt_install() {
  local tag=$1
  shift
  if [ "$(id -u)" -ne 0 ]; then
    echo "$tag: missing $*; run as root, or: sudo apt-get install --no-install-recommends $*" >&2
    exit 1
  fi
  local created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  echo "$tag: installing Debian's $* (services they ship are not started)"
  local rc=0
  apt-get update -qq -o DPkg::Lock::Timeout=300 &&
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "$@" >/dev/null || rc=$?
  if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  return "$rc"
}
