#!/usr/bin/env bash
# Builds the pinned third-party binaries the test cluster runs (etcd,
# kube-apiserver, the CSI sidecars, ...) and controller-gen into _output/bin.
#
# Each component is a throwaway Go module under hack/tools/<component> whose
# go.mod pins the upstream version through `tool` lines. A component is rebuilt
# only when its go.mod, go.sum or build flags changed, or a binary is missing.
#
# Usage: hack/build-tools.sh [component...]   (default: all components)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOLS_DIR="${REPO_ROOT}/hack/tools"
STAMP_DIR="${BIN_DIR}/.stamps"

KUBE_VERSION=v1.37.2

# Ordered so that the quick, soonest-needed tools come first.
ALL_COMPONENTS=(controller-gen etcd external-snapshotter external-provisioner kubernetes prometheus)

# binaries <component>: one "name=package" pair per line.
binaries() {
	case "$1" in
	controller-gen)
		echo "controller-gen=sigs.k8s.io/controller-tools/cmd/controller-gen" ;;
	etcd)
		echo "etcd=go.etcd.io/etcd/server/v3" ;;
	external-snapshotter)
		echo "snapshot-controller=github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller"
		echo "csi-snapshotter=github.com/kubernetes-csi/external-snapshotter/v8/cmd/csi-snapshotter" ;;
	external-provisioner)
		echo "csi-provisioner=github.com/kubernetes-csi/external-provisioner/v5/cmd/csi-provisioner" ;;
	prometheus)
		echo "promtool=github.com/prometheus/prometheus/cmd/promtool" ;;
	kubernetes)
		echo "kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver"
		echo "kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager"
		echo "kubectl=k8s.io/kubernetes/cmd/kubectl" ;;
	*)
		echo "unknown component: $1" >&2
		return 1 ;;
	esac
}

# ldflags <component>: without version stamps the Kubernetes binaries report
# v0.0.0, which clients (and kubectl's skew check) take at face value.
ldflags() {
	local flags="-s -w"
	if [[ "$1" == kubernetes ]]; then
		local major minor
		major=${KUBE_VERSION#v}; major=${major%%.*}
		minor=${KUBE_VERSION#v*.}; minor=${minor%%.*}
		local pkg
		for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
			flags+=" -X ${pkg}.gitVersion=${KUBE_VERSION}"
			flags+=" -X ${pkg}.gitMajor=${major}"
			flags+=" -X ${pkg}.gitMinor=${minor}"
			flags+=" -X ${pkg}.gitTreeState=clean"
		done
	fi
	echo "${flags}"
}

stamp() {
	local component=$1
	{
		cat "${TOOLS_DIR}/${component}/go.mod" "${TOOLS_DIR}/${component}/go.sum"
		echo "flags: -trimpath $(ldflags "${component}")"
		binaries "${component}"
	} | sha256sum | cut -d' ' -f1
}

up_to_date() {
	local component=$1 want=$2 name
	[[ -f "${STAMP_DIR}/${component}" && "$(cat "${STAMP_DIR}/${component}")" == "${want}" ]] || return 1
	for name in $(binaries "${component}" | cut -d= -f1); do
		[[ -x "${BIN_DIR}/${name}" ]] || return 1
	done
}

build() {
	local component=$1 want pair name pkg start
	want=$(stamp "${component}")
	if up_to_date "${component}" "${want}"; then
		echo "${component}: up to date"
		return
	fi
	start=${SECONDS}
	for pair in $(binaries "${component}"); do
		name=${pair%%=*}
		pkg=${pair#*=}
		echo "${component}: building ${name}"
		(cd "${TOOLS_DIR}/${component}" &&
			GOWORK=off CGO_ENABLED=0 go build -trimpath -ldflags "$(ldflags "${component}")" \
				-o "${BIN_DIR}/${name}.tmp" "${pkg}")
		mv -f "${BIN_DIR}/${name}.tmp" "${BIN_DIR}/${name}"
	done
	echo "${want}" >"${STAMP_DIR}/${component}"
	echo "${component}: built in $((SECONDS - start))s"
}

main() {
	mkdir -p "${BIN_DIR}" "${STAMP_DIR}"
	local components=("$@")
	if [[ ${#components[@]} -eq 0 ]]; then
		components=("${ALL_COMPONENTS[@]}")
	fi
	local component
	for component in "${components[@]}"; do
		binaries "${component}" >/dev/null
		build "${component}"
	done
}

main "$@"
