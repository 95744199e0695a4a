#!/usr/bin/env bash
# Programs test/poc-e2e.test.ts runs for real: PostgreSQL 15 and nginx from Debian,
# Synapse (the product's release, SYNAPSE_VERSION in constructs/roles/synapse/wheelhouse.ts,
# which POC_IMAGES runs) from PyPI in
# .cache/venv-synapse.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/lib/deps.sh

# python3-dev, libpq-dev and gcc: pip builds psycopg2 from source.
ensure_debian_packages poc-e2e.sh postgresql-15 nginx python3-venv python3-dev libpq-dev gcc

version=$(sed -n 's/^export const SYNAPSE_VERSION = "\(.*\)";/\1/p' constructs/roles/synapse/wheelhouse.ts)
[ -n "$version" ] || { echo "poc-e2e.sh: no SYNAPSE_VERSION found in constructs/roles/synapse/wheelhouse.ts" >&2; exit 1; }
ensure_venv poc-e2e.sh .cache/venv-synapse "matrix-synapse[postgres]==$version" \
  "python -c \"import importlib.metadata as m, psycopg2, synapse; assert m.version('matrix-synapse') == '$version'\""
