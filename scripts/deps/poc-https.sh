#!/usr/bin/env bash
# Programs test/poc-https.test.ts runs for real: Pebble, Let's Encrypt's ACME test server
# (and its DNS test server), built from the Go module proxy; certbot (the version of
# POC_IMAGES in constructs/roles/poc.ts) from PyPI in .cache/venv-certbot; nginx, and
# headless Chromium with NSS's certutil to trust Pebble's root, from Debian.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/lib/deps.sh

PEBBLE=github.com/letsencrypt/pebble/v2@v2.10.3

ensure_debian_packages poc-https.sh nginx chromium libnss3-tools openssl curl python3-venv
version=$(sed -n 's|.*certbot: "certbot/certbot:v\([0-9.]*\)".*|\1|p' constructs/roles/poc.ts)
[ -n "$version" ] || { echo "poc-https.sh: no certbot version found in POC_IMAGES (constructs/roles/poc.ts)" >&2; exit 1; }
ensure_venv poc-https.sh .cache/venv-certbot "certbot==$version" "certbot --version | grep -qx 'certbot $version'"
ensure_go_tools poc-https.sh ".cache/go-bin/pebble-${PEBBLE#*@}" "$PEBBLE" cmd/pebble cmd/pebble-challtestsrv
