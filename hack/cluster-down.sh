#!/usr/bin/env bash
# Stops the local test control plane started by hack/cluster-up.sh.
#
# Usage: hack/cluster-down.sh      (LOCAL_CLUSTER_DIR overrides _output/local)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LOCAL_CLUSTER_DIR="${LOCAL_CLUSTER_DIR:-${OUTPUT_DIR}/local}"

cd "${REPO_ROOT}"
if [[ ! -x "${BIN_DIR}/vmsnap-localcluster" ]]; then
	go build -o "${BIN_DIR}/vmsnap-localcluster" ./tests/cmd/vmsnap-localcluster
fi
"${BIN_DIR}/vmsnap-localcluster" down --dir "${LOCAL_CLUSTER_DIR}"
