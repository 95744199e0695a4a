#!/usr/bin/env bash
# Programs test/onprem-validate.test.ts runs on the rendered on-prem configs: haproxy -c,
# keepalived -t, patroni --validate-config, pgbouncer on loopback, nft -c, the etcd server,
# turnserver with turnutils_uclient and turnutils_peer; promtool, amtool and blackbox_exporter
# (test/monitoring.test.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/lib/deps.sh

ensure_debian_packages onprem-validators.sh haproxy keepalived patroni pgbouncer nftables etcd-server etcd-client coturn openssl \
  prometheus prometheus-alertmanager prometheus-blackbox-exporter

# Synapse at the native install's pins (constructs/roles/synapse/wheelhouse.ts), from the
# package index, in .cache/venv-synapse-native: test/synapse-native.test.ts has it load the
# rendered homeserver.yaml with each worker's file.
pins=constructs/roles/synapse/wheelhouse.ts
synapse_version=$(sed -n 's/^export const SYNAPSE_VERSION = "\(.*\)";/\1/p' $pins)
s3_version=$(sed -n 's/^export const S3_STORAGE_PROVIDER_VERSION = "\(.*\)";/\1/p' $pins)
# The pins are TypeScript string and template literals (hence the quotes, backticks and ${...} in the patterns).
# shellcheck disable=SC2016
mapfile -t requirements < <(sed -n 's/^  [`"]\([a-z0-9._-]*==[^"`]*\)[`"],$/\1/p' $pins | sed "s/\${SYNAPSE_VERSION}/$synapse_version/; s/\${S3_STORAGE_PROVIDER_VERSION}/$s3_version/")
venv=.cache/venv-synapse-native
want="$(printf '%s\n' "${requirements[@]}" | sha256sum | cut -d' ' -f1) $(/usr/bin/python3 -c 'import sys; print(sys.version.split()[0])')"
if ! venv_made_here "$venv" || [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$want" ]; then
  echo "onprem-validators.sh: installing Synapse $synapse_version (${#requirements[@]} pinned packages) into $venv" >&2
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "${requirements[@]}"
  "$venv/bin/python" -c "import importlib.metadata as m, synapse, s3_storage_provider; assert m.version('matrix-synapse') == '$synapse_version'"
  echo "$want" >"$venv/.stamp"
fi
