#!/usr/bin/env bash
# Fails when go.mod, go.sum or vendor/ of any module of the project is not
# tidy: what `go mod tidy` and `go mod vendor` would write must be committed.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT
tar --exclude=./_output --exclude=./.git -cf - . | tar -C "${scratch}" -xf -

(cd "${scratch}" && ./hack/update-vendor.sh >/dev/null)

status=0
for f in go.mod go.sum staging/src/vmsnap.io/api/go.mod staging/src/vmsnap.io/api/go.sum \
	staging/src/vmsnap.io/client-go/go.mod staging/src/vmsnap.io/client-go/go.sum; do
	if ! diff -u "${f}" "${scratch}/${f}"; then
		status=1
	fi
done
if ! diff -qr vendor "${scratch}/vendor" >/dev/null; then
	diff -qr vendor "${scratch}/vendor" | head -20
	status=1
fi
if [[ ${status} -ne 0 ]]; then
	echo "Modules or vendor/ are out of date: run 'make vendor'." >&2
fi
exit ${status}
