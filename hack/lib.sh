#!/usr/bin/env bash
# Shared settings for the hack/ scripts. Source it; do not run it.

set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
OUTPUT_DIR="${REPO_ROOT}/_output"
BIN_DIR="${OUTPUT_DIR}/bin"
export REPO_ROOT OUTPUT_DIR BIN_DIR

# Generators and tools resolve modules from the module cache, not from
# vendor/: vendor/ holds copies of the staging modules, which generation is
# about to change.
export GOFLAGS="${GOFLAGS:-} -mod=mod"

# module_dir prints where a module of the root go.mod lives in the module
# cache, downloading it first: `go list -m` alone prints an empty directory
# for a module the cache does not hold yet.
module_dir() {
	local dir
	dir="$(cd "${REPO_ROOT}" && go mod download "$1" && go list -m -f '{{.Dir}}' "$1")"
	if [[ -z "${dir}" || ! -d "${dir}" ]]; then
		echo "module_dir: module $1 is not in the module cache after 'go mod download'" >&2
		return 1
	fi
	echo "${dir}"
}
