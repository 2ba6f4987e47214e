#!/usr/bin/env bash
# Fails when the generated code (deepcopy, register, clientset, listers,
# informers) or the CRD manifests differ from what the generators write now.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT

# Generate into a copy of the tree, then compare.
mkdir -p "${scratch}/repo"
tar -C "${REPO_ROOT}" --exclude=./_output --exclude=./vendor --exclude=./.git -cf - . | tar -C "${scratch}/repo" -xf -
# The copy shares the tool binaries (controller-gen), built once.
mkdir -p "${scratch}/repo/_output" "${BIN_DIR}"
ln -s "${BIN_DIR}" "${scratch}/repo/_output/bin"

"${scratch}/repo/hack/update-codegen.sh" >/dev/null
"${scratch}/repo/hack/update-crds.sh" >/dev/null

status=0
for dir in staging manifests/crds; do
	if ! diff -Naupr "${REPO_ROOT}/${dir}" "${scratch}/repo/${dir}"; then
		status=1
	fi
done
if [[ ${status} -ne 0 ]]; then
	echo "Generated files are out of date: run 'make generate'." >&2
fi
exit ${status}
