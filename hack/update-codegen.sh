#!/usr/bin/env bash
# Generates deepcopy and register code in the API module, and the clientset,
# listers and informers in the client-go module, with k8s.io/code-generator.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

API_DIR="${REPO_ROOT}/staging/src/vmsnap.io/api"
CLIENT_DIR="${REPO_ROOT}/staging/src/vmsnap.io/client-go"
BOILERPLATE="${REPO_ROOT}/hack/boilerplate.go.txt"

CODEGEN_PKG="$(module_dir k8s.io/code-generator)"
export GOBIN="${BIN_DIR}/codegen"
mkdir -p "${GOBIN}"
source "${CODEGEN_PKG}/kube_codegen.sh"

cd "${REPO_ROOT}"

kube::codegen::gen_helpers --boilerplate "${BOILERPLATE}" "${API_DIR}"
kube::codegen::gen_register --boilerplate "${BOILERPLATE}" "${API_DIR}"

# The generators resolve the API packages through the go command, so they run
# inside the API module.
cd "${API_DIR}"
kube::codegen::gen_client \
	--with-watch \
	--output-dir "${CLIENT_DIR}" \
	--output-pkg vmsnap.io/client-go \
	--boilerplate "${BOILERPLATE}" \
	"${API_DIR}"
