#!/usr/bin/env bash
# Programs test/lab.test.ts (tools/lab/lab.ts) runs for real: systemd-nspawn boots
# Debian 12 hosts on this machine, each in its own network namespace (iproute2) on a
# private bridge; the tests reach them with ssh; debootstrap builds their shared base
# image (tools/lab/base-image.sh, cached in .cache/lab/bookworm-base).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/lib/deps.sh

ensure_debian_packages lab.sh systemd-container debootstrap iproute2 openssh-client util-linux iputils-ping
tools/lab/base-image.sh >/dev/null
# The Matrix client the cluster lab's users run (test/clients/matrix_session.py).
ensure_venv lab.sh .cache/venv-matrix-client "matrix-nio==0.26.0" "python -c 'import nio, aiohttp'"
