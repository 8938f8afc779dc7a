#!/usr/bin/env bash
# Builds the local image poseidon/busybox:latest with `docker import` from a root
# filesystem made of Debian's busybox-static: no registry is reachable here, so
# tests, benchmarks and the demo never pull.
set -euo pipefail

IMAGE="${POSEIDON_TEST_IMAGE:-poseidon/busybox:latest}"

if ! docker info >/dev/null 2>&1; then
  echo "setup-images: the Docker engine is not running; run scripts/setup-docker.sh first" >&2
  exit 1
fi
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "setup-images: $IMAGE already present"
  exit 0
fi

BUSYBOX=/bin/busybox
if ! "$BUSYBOX" --list 2>/dev/null | grep -qx httpd || ! ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic'; then
  if [ -x /usr/bin/busybox-static ] ; then BUSYBOX=/usr/bin/busybox-static; fi
fi
if ! ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic'; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-images: needs Debian's busybox-static; run as root or: sudo apt-get install busybox-static" >&2
    exit 1
  fi
  echo "setup-images: installing busybox-static from Debian's packages"
  apt-get update -qq
  apt-get install -y -qq busybox-static >/dev/null
  BUSYBOX=/bin/busybox
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/www" "$root/proc" "$root/sys" "$root/dev"
cp "$BUSYBOX" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo '<h1>hello from poseidon</h1>' >"$root/www/index.html"
chmod 1777 "$root/tmp"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/bin' \
  --change 'CMD ["sh"]' \
  - "$IMAGE" >/dev/null
echo "setup-images: built $IMAGE from $BUSYBOX"
