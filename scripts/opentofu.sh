#!/usr/bin/env bash
# Builds OpenTofu and the Terraform providers the stacks use from the Go module proxy
# into a cache folder, and writes an OpenTofu CLI config whose filesystem mirror makes
# `tofu init` work with no registry. Idempotent: what is built is reused.
#
#   scripts/opentofu.sh            build (if needed) and print the environment to use
#   eval "$(scripts/opentofu.sh)"  ... and export it into this shell
#
# Cache: $MATRIX_TOFU_CACHE, default <repo>/.cache/opentofu. Needs Go >= 1.24.
set -euo pipefail

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

mirror="$cache/mirror"
install_provider() { # name version binary
  local name=$1 version=$2 binary=$3 host
  for host in registry.opentofu.org registry.terraform.io; do
    local d="$mirror/$host/hashicorp/$name/$version/linux_amd64"
    mkdir -p "$d"
    ln -f "$binary" "$d/terraform-provider-${name}_v$version" 2>/dev/null || cp -f "$binary" "$d/terraform-provider-${name}_v$version"
  done
}

for entry in "${PROVIDERS[@]}"; do
  read -r name module version mirror_as <<<"$entry"
  bin="$cache/providers/terraform-provider-$name-$version"
  if [ ! -x "$bin" ]; then
    log "building $module@$version"
    mkdir -p "$cache/providers"
    build_module "$module" "$version" . "$bin"
  fi
  install_provider "$name" "$mirror_as" "$bin"
done

# hashicorp/null is not served at all: tools/lab-providers builds a schema-compatible
# null_resource (ours, see its README). Rebuilt when its sources change.
lab="$root/tools/lab-providers"
lab_hash=$(cd "$lab" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
null_bin="$cache/providers/terraform-provider-null-lab-$lab_hash"
if [ ! -x "$null_bin" ]; then
  log "building the lab null provider"
  mkdir -p "$cache/providers"
  (cd "$lab" && go build -trimpath -ldflags="-s -w" -o "$null_bin.tmp" ./cmd/terraform-provider-null) && mv "$null_bin.tmp" "$null_bin"
fi
install_provider null 3.2.4 "$null_bin"

cat >"$cache/tofurc" <<RC
# Written by scripts/opentofu.sh: providers come only from the local mirror.
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.opentofu.org/hashicorp/*", "registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.opentofu.org/hashicorp/*", "registry.terraform.io/hashicorp/*"]
  }
}
plugin_cache_dir = "$cache/plugin-cache"
RC
mkdir -p "$cache/plugin-cache"

cat <<ENV
export TF_CLI_CONFIG_FILE='$cache/tofurc'
export TOFU_BINARY='$cache/bin/tofu'
export TERRAFORM_BINARY_NAME='$cache/bin/tofu'
export PATH='$cache/bin':"\$PATH"
ENV
