#!/usr/bin/env bash
# Programs `npm run bundle` (scripts/bundle.ts) and test/bundle.test.ts run: apt-get with a
# separate configuration root and Debian's archive keys (the closure for Debian 12),
# debootstrap (the minimal bookworm baseline, and the clean root the test installs into),
# dpkg-scanpackages from dpkg-dev (the bundle's Packages index), unshare (no network in
# the test's chroot), tar and gzip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/lib/deps.sh

ensure_debian_packages bundle.sh apt debootstrap dpkg-dev debian-archive-keyring util-linux tar gzip
