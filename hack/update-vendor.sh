#!/usr/bin/env bash
# Tidies every module of the project and vendors the root module's
# dependencies (the staging modules are vendored as copies).

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for mod in staging/src/vmsnap.io/api staging/src/vmsnap.io/client-go .; do
	(cd "${REPO_ROOT}/${mod}" && go mod tidy)
done
cd "${REPO_ROOT}"
go mod vendor
