#!/usr/bin/env bash
# What a user of a module proxy gets: builds a file-based GOPROXY from this
# working tree (every module at the version CHANGELOG.md names, see
# scripts/proxycheck), then, in a fresh module outside the repository, `go
# get`s each module alone from it and builds and runs a program importing
# every public package of that module. It fails when a side module requires
# the core at v0.0.0 or at a version CHANGELOG does not name, when a
# published go.mod has a replace or exclude directive, when a side module's
# go.work is missing, uses another module or replaces another core version,
# when a side module requires the core twice, when there is a go.work
# anywhere but a side module's root, or when a module does not build from
# the proxy alone.
#
#   scripts/proxycheck.sh
#
# Offline: the other dependencies come from the local module cache's
# download directory, itself laid out as a proxy, into a private module
# cache (the shared one would keep a stale copy of these modules).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

cache_proxy="file://$(go env GOMODCACHE)/cache/download"
go run -C "$root" ./scripts/proxycheck -root "$root" -out "$work/proxy" -consumers "$work/consumers" >"$work/modules"

# Every dependency's checksum the repository's go.sum files hold, so that
# what comes from the local cache is verified even with the checksum
# database off (these modules are on no public database yet).
find "$root" -name go.sum -not -path '*/testdata/*' -exec cat {} + | sort -u >"$work/go.sum"

while read -r path version program; do
  echo "--- $path@$version from the proxy, alone"
  dir="$work/user-$(basename "$program")"
  mkdir -p "$dir"
  cp "$program/main.go" "$work/go.sum" "$dir/"
  (
    cd "$dir"
    export GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=mod \
      GOPROXY="file://$work/proxy,$cache_proxy" \
      GONOSUMDB=github.com/aitronos GOSUMDB=off \
      GOMODCACHE="$work/modcache"
    go mod init example.com/user >/dev/null 2>&1
    if ! go get "$path@$version" >get.log 2>&1 || ! got=$(go run . 2>run.log); then
      cat get.log run.log 2>/dev/null >&2
      echo "FAIL: $path@$version does not build from the proxy alone" >&2
      exit 1
    fi
    if [ "$got" != "${version#v}" ]; then
      echo "$path@$version builds against core Version $got, want ${version#v}" >&2
      exit 1
    fi
    echo "ok: built and ran against core Version $got"
  )
done <"$work/modules"
