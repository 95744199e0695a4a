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
