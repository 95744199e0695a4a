# shellcheck shell=bash
# Shared by scripts/deps/*.sh (sourced): idempotent installs that are quick when done.

# ensure_debian_packages LABEL PACKAGE...: apt-get installs the missing ones (as root
# only; otherwise prints the command to run and fails). Their services are not started.
ensure_debian_packages() {
  local label=$1 p missing=()
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$label: missing Debian packages ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
    return 1
  fi
  echo "$label: installing ${missing[*]}" >&2
  apt-get update -qq
  # policy-rc.d: packaged services (nginx, postgresql, cloud-init) must not start here.
  local policy=/usr/sbin/policy-rc.d made_policy=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f "$policy"; fi
}

# venv_made_here VENV: whether the venv was made at this path. A venv copied or moved from
# elsewhere (another checkout) keeps its stamp but its scripts run the other path's Python.
venv_made_here() {
  local venv=$1
  [ -x "$venv/bin/pip" ] || return 1
  head -1 "$venv/bin/pip" | grep -Eqx "#!$(cd "$venv" && pwd -P)/bin/python3?"
}

# ensure_venv LABEL VENV REQUIREMENT CHECK: a venv of Debian's Python holding exactly
# REQUIREMENT (a pip requirement with ==), rebuilt when missing or when the requirement
# or Python changed; CHECK (a command run with the venv's bin first on PATH) must pass.
ensure_venv() {
  local label=$1 venv=$2 requirement=$3 check=$4 python=/usr/bin/python3 want
  want="$requirement $($python -c 'import sys; print(sys.version.split()[0])')"
  if venv_made_here "$venv" && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  echo "$label: installing $requirement into $venv" >&2
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$requirement"
  PATH="$venv/bin:$PATH" bash -c "$check" || { echo "$label: $requirement installed but its check failed: $check" >&2; return 1; }
  echo "$want" >"$venv/.stamp"
}

# ensure_go_tools LABEL DIR MODULE@VERSION PACKAGE...: `go install`s each package of the
# module at that version (from the Go module proxy) into DIR, unless already there.
ensure_go_tools() {
  local label=$1 dir=$2 module=$3 p missing=()
  shift 3
  for p in "$@"; do [ -x "$dir/$(basename "$p")" ] || missing+=("${module%@*}/$p@${module#*@}"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "$label: building ${missing[*]}" >&2
  mkdir -p "$dir"
  for p in "${missing[@]}"; do GOBIN=$(cd "$dir" && pwd) CGO_ENABLED=0 go install -trimpath -ldflags="-s -w" "$p"; done
}
