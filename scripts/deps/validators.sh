#!/usr/bin/env bash
# Programs test/aws-validate.test.ts runs for real on the synthesized AWS stack and the
# files its instance gets: shellcheck, cloud-init (`cloud-init schema`), nginx (`nginx -t`),
# systemd-analyze (`verify`), unshare from Debian; checkov from PyPI in .cache/venv-tools;
# ansible-core from PyPI in .cache/venv-ansible.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/lib/deps.sh

CHECKOV_VERSION=3.3.30
ANSIBLE_CORE_VERSION=2.19.14

# systemd and util-linux are on every Debian system; listed so a minimal image gets them.
ensure_debian_packages validators.sh shellcheck cloud-init nginx systemd util-linux python3-venv
ensure_venv validators.sh .cache/venv-tools "checkov==$CHECKOV_VERSION" "[ \"\$(checkov --version)\" = $CHECKOV_VERSION ]"
# ansible-inventory reads the generated matrix-docker-ansible-deploy inventory (test/render.test.ts).
ensure_venv validators.sh .cache/venv-ansible "ansible-core==$ANSIBLE_CORE_VERSION" "ansible-inventory --version | grep -q 'core $ANSIBLE_CORE_VERSION'"
