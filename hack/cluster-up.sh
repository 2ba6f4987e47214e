#!/usr/bin/env bash
# Starts the local test control plane (etcd, kube-apiserver,
# kube-controller-manager, the CSI snapshot stack and the test CSI driver)
# and leaves it running in the background, with the VolumeSnapshot, KubeVirt
# and vmsnap CRDs installed. Stop it with hack/cluster-down.sh.
#
# Usage: hack/cluster-up.sh        (LOCAL_CLUSTER_DIR overrides _output/local)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LOCAL_CLUSTER_DIR="${LOCAL_CLUSTER_DIR:-${OUTPUT_DIR}/local}"
KUBEVIRT_CRD_DIR="${OUTPUT_DIR}/crds/kubevirt"

"${REPO_ROOT}/hack/build-tools.sh" etcd kubernetes external-snapshotter external-provisioner

cd "${REPO_ROOT}"
go build -o "${BIN_DIR}/vmsnap-localcluster" ./tests/cmd/vmsnap-localcluster
go build -o "${BIN_DIR}/vmsnap-test-csi" ./tests/cmd/vmsnap-test-csi
go build -o "${BIN_DIR}/vmsnap-fake-virtapi" ./tests/cmd/vmsnap-fake-virtapi

if ! compgen -G "${KUBEVIRT_CRD_DIR}/*.yaml" >/dev/null; then
	go run ./hack/kubevirt-crds --out "${KUBEVIRT_CRD_DIR}"
fi
crd_args=(--crd-dir "${KUBEVIRT_CRD_DIR}")
if compgen -G "${REPO_ROOT}/manifests/crds/*.yaml" >/dev/null; then
	crd_args+=(--crd-dir "${REPO_ROOT}/manifests/crds")
fi

"${BIN_DIR}/vmsnap-localcluster" up --dir "${LOCAL_CLUSTER_DIR}" "${crd_args[@]}"

# KubeVirt's virt-api does not run here: a stand-in serves the VMI freeze and
# unfreeze subresources through the aggregation layer, so that snapshots of
# "running" VMs work in demos. Its control API (GET /calls, POST /behavior)
# listens on 127.0.0.1:${VIRTAPI_CONTROL_PORT}.
VIRTAPI_CONTROL_PORT="${VIRTAPI_CONTROL_PORT:-18090}"
nohup "${BIN_DIR}/vmsnap-fake-virtapi" --kubeconfig "${LOCAL_CLUSTER_DIR}/kubeconfig" \
	--control-addr "127.0.0.1:${VIRTAPI_CONTROL_PORT}" \
	>"${LOCAL_CLUSTER_DIR}/logs/fake-virtapi.log" 2>&1 &
echo $! >"${LOCAL_CLUSTER_DIR}/fake-virtapi.pid"
