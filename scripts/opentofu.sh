#!/usr/bin/env bash
# Builds OpenTofu and, from their upstream source, the providers the on-prem stacks use
# from the Go module proxy into a cache folder, and writes two OpenTofu CLI configs.
# Idempotent: what is built is reused.
#
#   scripts/opentofu.sh                 build (if needed), print the environment to use
#   eval "$(scripts/opentofu.sh)"       ... and export it into this shell
#   scripts/opentofu.sh --source-built  the environment of the tests and the offline example
#
# Official (the default, for real deployments): providers come from the provider mirror
# ($MATRIX_PROVIDER_MIRROR, default <repo>/providers, made by `npm run providers` on a
# connected machine) when it exists, else from the registry. Their lock-file hashes are
# the official releases', so a colleague, CI or Terraform Cloud accepts them.
# Source-built: hashicorp/local and hashicorp/random built here from their upstream
# source, so a machine with no registry can plan. Their hashes are not the official
# releases': never use them for a deployment others share.
#
# Cache: $MATRIX_TOFU_CACHE, default <repo>/.cache/opentofu. Needs Go >= 1.24.
set -euo pipefail

case "${1:-}" in
  "") providers=official ;;
  --source-built) providers=source-built ;;
  *) echo "usage: scripts/opentofu.sh [--source-built]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${MATRIX_TOFU_CACHE:-$root/.cache/opentofu}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

TOFU_MODULE=github.com/opentofu/opentofu
TOFU_VERSION=v1.10.10
# The proxy serves these providers only as pseudo-versions of commits on their main
# branches (their release tags are not valid Go module versions). MIRROR_AS is the
# release the commit follows; the stacks accept it (see targets/shared/provider-versions.ts).
PROVIDERS=(
  "local github.com/hashicorp/terraform-provider-local v1.4.1-0.20260806152022-9068a4b7aa37 2.9.0"
  "random github.com/hashicorp/terraform-provider-random v1.3.2-0.20260824155315-e1092b0cfc07 3.9.0"
)

export CGO_ENABLED=0 GOFLAGS=-mod=mod
log() { echo "opentofu.sh: $*" >&2; }

# go install refuses modules whose go.mod has replace directives (OpenTofu's does), so
# build inside a writable copy of the downloaded module instead (patched by an optional
# function named as the fifth argument).
build_module() { # module version package output [patch]
  local module=$1 version=$2 package=$3 output=$4 patch=${5:-} dir work
  dir=$(go mod download -json "$module@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { log "could not download $module@$version"; return 1; }
  work=$(mktemp -d "$cache/build.XXXXXX")
  cp -r "$dir/." "$work" && chmod -R u+w "$work"
  if [ -n "$patch" ]; then (cd "$work" && "$patch"); fi
  (cd "$work" && go build -trimpath -ldflags="-s -w" -o "$output.tmp" "$package")
  mv "$output.tmp" "$output"
  rm -rf "$work"
}

# OpenTofu (up to 1.12.6 at least) checks the bastion of an SSH connection against the
# target's host_key instead of bastion_host_key, so a pinned bastion can never be reached
# (it fails closed). Terraform fixed the same line in hashicorp/terraform#38318 (March
# 2026); the build applies that one-line fix. The binary's name says it is patched.
patch_bastion_host_key() {
  perl -0pi -e 's/(bastionConf, err = buildSSHClientConfig\(sshClientConfigOpts\{.*?hostKey:\s+connInfo\.)HostKey,/${1}BastionHostKey,/s' internal/communicator/ssh/provisioner.go
  grep -q 'hostKey:     connInfo.BastionHostKey,' internal/communicator/ssh/provisioner.go || { log "the bastion host key patch no longer applies to OpenTofu $TOFU_VERSION"; return 1; }
}

TOFU_BUILD="$TOFU_VERSION-bastion-host-key"
tofu="$cache/bin/tofu-$TOFU_BUILD"
if [ ! -x "$tofu" ]; then
  log "building OpenTofu $TOFU_VERSION with the bastion host key fix (about 5 minutes on 2 cores)"
  mkdir -p "$cache/bin"
  build_module "$TOFU_MODULE" "$TOFU_VERSION" ./cmd/tofu "$tofu" patch_bastion_host_key
fi
ln -sfn "tofu-$TOFU_BUILD" "$cache/bin/tofu"

mirror="$cache/source-built-mirror"
rm -rf "$cache/mirror" # the layout before 0.2, which held a stand-in null provider
install_provider() { # name version binary
  local name=$1 version=$2 binary=$3 host
  for host in registry.opentofu.org registry.terraform.io; do
    local d="$mirror/$host/hashicorp/$name/$version/linux_amd64"
    mkdir -p "$d"
    ln -f "$binary" "$d/terraform-provider-${name}_v$version" 2>/dev/null || cp -f "$binary" "$d/terraform-provider-${name}_v$version"
  done
}

addresses=()
for entry in "${PROVIDERS[@]}"; do
  read -r name module version mirror_as <<<"$entry"
  bin="$cache/providers/terraform-provider-$name-$version"
  if [ ! -x "$bin" ]; then
    log "building $module@$version"
    mkdir -p "$cache/providers"
    build_module "$module" "$version" . "$bin"
  fi
  install_provider "$name" "$mirror_as" "$bin"
  addresses+=("\"registry.opentofu.org/hashicorp/$name\"" "\"registry.terraform.io/hashicorp/$name\"")
done
# A plugin cache of its own: a shared one would hand these builds to an official run.
rm -rf "$cache/plugin-cache"
mkdir -p "$cache/source-built-plugin-cache"

official_mirror=${MATRIX_PROVIDER_MIRROR:-$root/providers}
# One file per mirror path: processes with different mirrors never rewrite each other's.
official_config="$cache/tofurc-official-$(printf %s "$official_mirror" | sha256sum | cut -c1-12)"
# What the mirror holds comes only from it (OpenTofu would otherwise also ask the
# registry, and fail offline); everything else from the registry.
held=()
if [ -d "$official_mirror" ]; then
  official_mirror=$(cd "$official_mirror" && pwd)
  while IFS= read -r dir; do held+=("\"${dir#"$official_mirror"/}\""); done < <(find "$official_mirror" -mindepth 3 -maxdepth 3 -type d | sort)
fi
(
  IFS=,
  echo "# Written by scripts/opentofu.sh: official providers, from the provider mirror $official_mirror"
  echo "# for what it holds (made by npm run providers), else from the registry."
  echo "provider_installation {"
  if [ ${#held[@]} -gt 0 ]; then
    printf '  filesystem_mirror {\n    path    = "%s"\n    include = [%s]\n  }\n' "$official_mirror" "${held[*]}"
    printf '  direct {\n    exclude = [%s]\n  }\n' "${held[*]}"
  else
    echo "  direct {}"
  fi
  echo "}"
) >"$cache/tofurc.$$"
mv "$cache/tofurc.$$" "$official_config"

(
  IFS=,
  cat >"$cache/tofurc.$$" <<RC
# Written by scripts/opentofu.sh: hashicorp/local and hashicorp/random built from source
# (tests and the offline example only; their hashes are not the official releases').
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = [${addresses[*]}]
  }
  direct {
    exclude = [${addresses[*]}]
  }
}
plugin_cache_dir = "$cache/source-built-plugin-cache"
RC
)
mv "$cache/tofurc.$$" "$cache/tofurc-source-built"

config=$official_config
[ "$providers" = official ] || config=$cache/tofurc-source-built
cat <<ENV
export TF_CLI_CONFIG_FILE='$config'
export TOFU_BINARY='$cache/bin/tofu'
export TERRAFORM_BINARY_NAME='$cache/bin/tofu'
export PATH='$cache/bin':"\$PATH"
ENV
