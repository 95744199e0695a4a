#!/usr/bin/env bash
# The lab's Debian 12 base (tools/lab/lab.ts): a plain bookworm host built once with
# debootstrap into .cache/lab/bookworm-base (or $LAB_BASE_DIR) and shared read-only by
# every lab host as its overlayfs lower layer. Rebuilt only when the stamp beside it
# (suite, mirror, package list, revision of the changes below) differs. Prints the path.
#
# Only what every host of a plain Debian install has, plus what the lab reaches it with:
# no service the product installs itself (PostgreSQL, etcd, ...: they come from its own
# offline bundle). Per-host things (host name, machine ID, SSH host keys, authorized keys)
# are not in the base: the lab writes them into each host's overlay before boot.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
PACKAGES=(systemd systemd-sysv dbus openssh-server sudo iproute2 python3 ca-certificates curl procps less)
# Bump when the customisation below changes.
REVISION=2

[ "$(id -u)" -eq 0 ] || { echo "base-image.sh: must run as root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "base-image.sh: debootstrap is missing: run scripts/setup-tests.sh" >&2; exit 1; }

dest=${LAB_BASE_DIR:-$PWD/.cache/lab/bookworm-base}
stamp="$dest.stamp"
want="suite=$SUITE variant=minbase mirror=$MIRROR revision=$REVISION packages=${PACKAGES[*]}"
mkdir -p "$(dirname "$dest")"

# One builder at a time (setup-tests.sh and test workers may race).
exec 9>"$dest.lock"
flock 9
if [ -d "$dest" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$dest"
  exit 0
fi

tmp="$dest.building"
rm -rf "$tmp"
echo "base-image.sh: debootstrap $SUITE (minbase + ${PACKAGES[*]}) from $MIRROR into $dest" >&2
started=$(date +%s)
include=$(IFS=,; echo "${PACKAGES[*]}")
if ! debootstrap --variant=minbase --include="$include" "$SUITE" "$tmp" "$MIRROR" >"$dest.log" 2>&1; then
  tail -n 30 "$dest.log" >&2
  echo "base-image.sh: debootstrap failed (full log: $dest.log)" >&2
  exit 1
fi

# A user `debian` with passwordless sudo, as on Debian's cloud images.
chroot "$tmp" useradd --create-home --shell /bin/bash --groups sudo debian
printf 'debian ALL=(ALL) NOPASSWD:ALL\n' >"$tmp/etc/sudoers.d/90-debian"
chmod 0440 "$tmp/etc/sudoers.d/90-debian"
chroot "$tmp" visudo -c >/dev/null

# Per-host identity comes from each host's overlay: no machine ID (systemd makes one at
# boot unless the overlay has one), no SSH host keys (the lab generates them per host).
: >"$tmp/etc/machine-id"
ln -sf /etc/machine-id "$tmp/var/lib/dbus/machine-id"
rm -f "$tmp"/etc/ssh/ssh_host_*
echo localhost >"$tmp/etc/hostname"
# No DNS: lab hosts have no uplink; names come from /etc/hosts, written per lab.
printf '# lab host: no DNS server (no uplink)\n' >"$tmp/etc/resolv.conf"

chroot "$tmp" apt-get clean
rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/log/*.log "$tmp"/var/log/apt/* "$tmp/var/cache/debconf"/*-old

rm -rf "$dest"
mv "$tmp" "$dest"
echo "$want" >"$stamp"
echo "base-image.sh: built $dest in $(($(date +%s) - started)) s ($(du -sh "$dest" | cut -f1))" >&2
echo "$dest"
