#!/usr/bin/env bash
# Stops the local test control plane started by hack/cluster-up.sh.
#
# Usage: hack/cluster-down.sh      (LOCAL_CLUSTER_DIR overrides _output/local)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LOCAL_CLUSTER_DIR="${LOCAL_CLUSTER_DIR:-${OUTPUT_DIR}/local}"

cd "${REPO_ROOT}"
# The virt-api stand-in unregisters its APIService on SIGTERM; stop it while
# the apiserver still runs.
if [[ -f "${LOCAL_CLUSTER_DIR}/fake-virtapi.pid" ]]; then
	pid="$(cat "${LOCAL_CLUSTER_DIR}/fake-virtapi.pid")"
	if kill "${pid}" 2>/dev/null; then
		for _ in $(seq 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "${LOCAL_CLUSTER_DIR}/fake-virtapi.pid"
fi
if [[ ! -x "${BIN_DIR}/vmsnap-localcluster" ]]; then
	go build -o "${BIN_DIR}/vmsnap-localcluster" ./tests/cmd/vmsnap-localcluster
fi
"${BIN_DIR}/vmsnap-localcluster" down --dir "${LOCAL_CLUSTER_DIR}"
