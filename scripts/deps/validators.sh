#!/usr/bin/env bash
# Programs test/aws-validate.test.ts runs for real on the synthesized AWS stack and the
# files its instance gets: shellcheck, cloud-init (`cloud-init schema`), nginx (`nginx -t`),
# systemd-analyze (`verify`), unshare from Debian; checkov from PyPI in a venv at
# .cache/venv-tools. Idempotent and quick when everything is there: apt-get runs only for
# missing packages (and only as root); the venv is rebuilt only when missing or when the
# pinned version changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

CHECKOV_VERSION=3.3.30

# Debian packages (systemd and util-linux are on every Debian system; listed so that a
# minimal image gets them too).
packages=(shellcheck cloud-init nginx systemd util-linux python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "validators.sh: installing ${missing[*]}" >&2
    apt-get update -qq
    # policy-rc.d: the packages' services (nginx, cloud-init) must not start here.
    policy=/usr/sbin/policy-rc.d
    made_policy=
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made_policy=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ -n "$made_policy" ]; then rm -f "$policy"; fi
  else
    echo "validators.sh: missing Debian packages ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# checkov from PyPI, pinned, in its own venv (Debian's Python).
python=/usr/bin/python3
venv=.cache/venv-tools
want="checkov==$CHECKOV_VERSION $($python -c 'import sys; print(sys.version.split()[0])')"
if [ ! -x "$venv/bin/checkov" ] || [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$want" ]; then
  echo "validators.sh: installing checkov $CHECKOV_VERSION into $venv" >&2
  rm -rf "$venv"
  mkdir -p .cache
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
  v=$("$venv/bin/checkov" --version)
  [ "$v" = "$CHECKOV_VERSION" ] || { echo "validators.sh: checkov reports $v, expected $CHECKOV_VERSION" >&2; exit 1; }
  echo "$want" >"$venv/.stamp"
fi
