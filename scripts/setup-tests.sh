#!/usr/bin/env bash
# Sets up what the tests need on top of scripts/setup.sh: the programs they run for real
# (Debian packages as root, PyPI tools in venvs under .cache/, Go-built test servers, the
# lab's base image), one script per concern in scripts/deps/. Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
for deps in scripts/deps/*.sh; do
  if [ -e "$deps" ]; then bash "$deps"; fi
done
