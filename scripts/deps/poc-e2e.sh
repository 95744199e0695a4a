#!/usr/bin/env bash
# Programs test/poc-e2e.test.ts runs for real: PostgreSQL 15 and nginx from Debian,
# Synapse (the version of POC_IMAGES in constructs/roles/poc.ts) from PyPI in a venv at
# .cache/venv-synapse. Idempotent: apt-get runs only for missing packages (and only as
# root); the venv is rebuilt only when missing or when the pinned version changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# Debian packages: PostgreSQL server, nginx, the venv module of Debian's Python, and what
# psycopg2 needs when pip builds it from source.
packages=(postgresql-15 nginx python3-venv python3-dev libpq-dev gcc)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "poc-e2e.sh: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "poc-e2e.sh: missing Debian packages ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# Synapse from PyPI, pinned to the container image's version.
version=$(sed -n 's|.*synapse: "matrixdotorg/synapse:v\([0-9.]*\)".*|\1|p' constructs/roles/poc.ts)
[ -n "$version" ] || { echo "poc-e2e.sh: no Synapse version found in POC_IMAGES (constructs/roles/poc.ts)" >&2; exit 1; }
python=/usr/bin/python3
venv=.cache/venv-synapse
want="matrix-synapse[postgres]==$version $($python -c 'import sys; print(sys.version.split()[0])')"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$want" ]; then
  echo "poc-e2e.sh: installing matrix-synapse $version into $venv" >&2
  rm -rf "$venv"
  mkdir -p .cache
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "matrix-synapse[postgres]==$version"
  "$venv/bin/python" -c "import importlib.metadata as m, psycopg2, synapse; v = m.version('matrix-synapse'); assert v == '$version', v"
  echo "$want" >"$venv/.stamp"
fi
