#!/usr/bin/env bash
# Programs test/poc-e2e.test.ts runs for real: PostgreSQL 15 and nginx from Debian,
# Synapse (the version of POC_IMAGES in constructs/roles/poc.ts) from PyPI in
# .cache/venv-synapse.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/lib/deps.sh

# python3-dev, libpq-dev and gcc: pip builds psycopg2 from source.
ensure_debian_packages poc-e2e.sh postgresql-15 nginx python3-venv python3-dev libpq-dev gcc

version=$(sed -n 's|.*synapse: "matrixdotorg/synapse:v\([0-9.]*\)".*|\1|p' constructs/roles/poc.ts)
[ -n "$version" ] || { echo "poc-e2e.sh: no Synapse version found in POC_IMAGES (constructs/roles/poc.ts)" >&2; exit 1; }
ensure_venv poc-e2e.sh .cache/venv-synapse "matrix-synapse[postgres]==$version" \
  "python -c \"import importlib.metadata as m, psycopg2, synapse; assert m.version('matrix-synapse') == '$version'\""
