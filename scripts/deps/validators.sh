#!/usr/bin/env bash
# Programs test/aws-validate.test.ts runs for real on the synthesized AWS stack and the
# files its instance gets: shellcheck, cloud-init (`cloud-init schema`), nginx (`nginx -t`),
# systemd-analyze (`verify`), unshare from Debian; checkov from PyPI in .cache/venv-tools.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/lib/deps.sh

CHECKOV_VERSION=3.3.30

# systemd and util-linux are on every Debian system; listed so a minimal image gets them.
ensure_debian_packages validators.sh shellcheck cloud-init nginx systemd util-linux python3-venv
ensure_venv validators.sh .cache/venv-tools "checkov==$CHECKOV_VERSION" "[ \"\$(checkov --version)\" = $CHECKOV_VERSION ]"
