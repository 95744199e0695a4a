#!/usr/bin/env bash
# Boots one lab host (tools/lab/lab.ts starts it as
# `unshare --mount --propagation slave boot-host.sh ...`, so every mount made here lives
# only in this process's private mount namespace and vanishes with the container).
#
#   boot-host.sh MACHINE HOSTNAME NETNS BASE HOSTDIR
#
# MACHINE  the nspawn machine name (also the name of its cgroup)
# HOSTNAME the host name inside the container
# NETNS    a network namespace under /run/netns, already wired to the lab bridge
# BASE     the shared read-only base (tools/lab/base-image.sh): the overlay's lower layer
# HOSTDIR  this host's folder in the lab's temp dir: upper/ and work/ (the overlay's
#          writable layers), merged/ (the root), seed/ (per-host files put in place below)
#
# Ends by exec'ing systemd-nspawn, so this process's PID is nspawn's.
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: boot-host.sh MACHINE HOSTNAME NETNS BASE HOSTDIR" >&2; exit 2; }
machine=$1 hostname=$2 netns=$3 base=$4 hostdir=$5
root="$hostdir/merged" seed="$hostdir/seed"

# Own cgroups: nspawn run with --keep-unit puts the container in <its cgroup>/payload, so
# containers started from one cgroup would share (and fight over) the same tree.
cgroups=()
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
  cgroups+=(/sys/fs/cgroup)
else
  for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
    if [ -d "$h" ]; then cgroups+=("$h"); fi
  done
fi
for h in "${cgroups[@]}"; do
  mkdir -p "$h/$machine"
  echo $$ >"$h/$machine/cgroup.procs"
done

# nspawn keeps its runtime state (propagation dirs, locks) in /run/systemd/nspawn: a
# private tmpfs, so concurrent labs and crashed runs leave nothing behind.
mkdir -p /run/systemd/nspawn
mount -t tmpfs -o mode=0755 mxlab-nspawn /run/systemd/nspawn
mkdir -p "$hostdir/upper" "$hostdir/work" "$root"
mount -t overlay "$machine" -o "lowerdir=$base,upperdir=$hostdir/upper,workdir=$hostdir/work" "$root"

# Per-host files, written through the overlay (copy-up keeps the base's owners and modes).
install -m 0644 "$seed/hostname" "$root/etc/hostname"
install -m 0644 "$seed/hosts" "$root/etc/hosts"
install -m 0444 "$seed/machine-id" "$root/etc/machine-id"
install -m 0600 "$seed/ssh_host_ed25519_key" "$root/etc/ssh/ssh_host_ed25519_key"
install -m 0644 "$seed/ssh_host_ed25519_key.pub" "$root/etc/ssh/ssh_host_ed25519_key.pub"
install -m 0644 "$seed/sshd_config" "$root/etc/ssh/sshd_config.d/lab.conf"
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$seed/authorized_keys" "$root/root/.ssh/authorized_keys"
ids=$(awk -F: '$1 == "debian" { print $3 ":" $4 }' "$root/etc/passwd")
[ -n "$ids" ] || { echo "boot-host.sh: no user debian in $base" >&2; exit 1; }
install -d -m 0700 -o "${ids%:*}" -g "${ids#*:}" "$root/home/debian/.ssh"
install -m 0600 -o "${ids%:*}" -g "${ids#*:}" "$seed/authorized_keys" "$root/home/debian/.ssh/authorized_keys"

# /srv on a filesystem other than the root's, as a data disk is on a real host (MinIO
# refuses drives that are on the root filesystem).
mkdir -p "$hostdir/srv"

# --register=no --keep-unit: this machine's PID 1 is no systemd, so there is no machined
# to register with and no unit manager to ask for a scope.
exec systemd-nspawn --quiet --boot \
  --directory="$root" --machine="$machine" --hostname="$hostname" \
  --register=no --keep-unit \
  --network-namespace-path="/run/netns/$netns" \
  --private-network --capability=CAP_NET_ADMIN \
  --bind="$hostdir/srv:/srv" \
  --resolv-conf=off --timezone=off --link-journal=no --console=read-only
