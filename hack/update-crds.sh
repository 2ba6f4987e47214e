#!/usr/bin/env bash
# Generates the CRD manifests in manifests/crds/ from the API types, with the
# controller-gen pinned in hack/tools/controller-gen.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CRD_DIR="${CRD_DIR:-${REPO_ROOT}/manifests/crds}"

"${REPO_ROOT}/hack/build-tools.sh" controller-gen >/dev/null

mkdir -p "${CRD_DIR}"
rm -f "${CRD_DIR}"/snapshot.vmsnap.io_*.yaml
# controller-gen resolves the packages through the go command, so it runs
# inside the API module.
cd "${REPO_ROOT}/staging/src/vmsnap.io/api"
"${BIN_DIR}/controller-gen" crd:crdVersions=v1 paths=./snapshot/... output:crd:artifacts:config="${CRD_DIR}"
