#!/usr/bin/env bash
# Sets up a fresh machine for the main job (synthesize, plan, apply): the Node packages
# (exact versions from package-lock.json) and OpenTofu with its source-built providers
# (scripts/opentofu.sh). Needs Node.js >= 20 and Go >= 1.24 on the PATH. Idempotent.
# The programs only the tests run: scripts/setup-tests.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v node >/dev/null || { echo "setup.sh: Node.js >= 20 is required" >&2; exit 1; }
command -v go >/dev/null || { echo "setup.sh: Go >= 1.24 is required (it builds OpenTofu and the providers)" >&2; exit 1; }

# npm ci only when package-lock.json changed since the last install.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.setup-stamp 2>/dev/null)" != "$lock_hash" ]; then
  npm ci --no-audit --no-fund
  echo "$lock_hash" >node_modules/.setup-stamp
fi
scripts/opentofu.sh >/dev/null
