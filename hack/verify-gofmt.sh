#!/usr/bin/env bash
# Fails when a Go file of the project is not gofmt-clean.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

bad="$(git ls-files --cached --others --exclude-standard -- '*.go' ':!:vendor/*' | xargs gofmt -l)"
if [[ -n "${bad}" ]]; then
	echo "gofmt would change:" >&2
	echo "${bad}" >&2
	echo "Run 'make fmt'." >&2
	exit 1
fi
