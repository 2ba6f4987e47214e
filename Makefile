# vmsnap — VM snapshot and restore controller for KubeVirt.
#
#   make run     a local cluster with the CSI snapshot stack, and the controller on it
#   make test    unit and integration tests (integration runs the real stack)
#   make chaos   a seeded random workload while the leader is killed and the apiserver restarted

SHELL := /usr/bin/env bash
.SHELLFLAGS := -o errexit -o nounset -o pipefail -c
.DEFAULT_GOAL := build

OUTPUT := _output
BIN := $(OUTPUT)/bin
STAGING := staging/src/vmsnap.io
# Integration test packages: everything under tests/ that starts a cluster.
UNIT_PKGS = $$(go list ./... | grep -v -e '/tests/integration' -e '/tests/framework/cluster$$' -e '/tests/fakevirtapi$$')
INTEGRATION_PKGS = ./tests/framework/cluster/... ./tests/fakevirtapi/... ./tests/integration/...
GOTEST ?= go test
TEST_FLAGS ?=
INTEGRATION_TIMEOUT ?= 60m
# make chaos: leader kills, operations, and a seed to replay (empty: time-based).
KILLS ?= 50
OPS ?= 200
SEED ?=
CHAOS_TIMEOUT ?= 60m

# The version stamped into the binaries (--version) and the image.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
GIT_COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X vmsnap.io/vmsnap/pkg/version.Version=$(VERSION) -X vmsnap.io/vmsnap/pkg/version.GitCommit=$(GIT_COMMIT)

# The controller and the plugin are built static and path-free, as they ship
# (make image, make plugin-dist), so those builds reuse this one's cache.
.PHONY: build
build: ## Build the controller, the kubectl plugin and the test binaries into _output/bin.
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/vmsnap-controller ./cmd/vmsnap-controller
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/kubectl-vmsnap ./cmd/kubectl-vmsnap
	go build -o $(BIN)/vmsnap-test-csi ./tests/cmd/vmsnap-test-csi
	go build -o $(BIN)/vmsnap-fake-virtapi ./tests/cmd/vmsnap-fake-virtapi
	go build -o $(BIN)/vmsnap-localcluster ./tests/cmd/vmsnap-localcluster

# make image: the platforms, where it writes, and the one timestamp every
# file and config time in the image takes (the commit's, so a rebuild of a
# commit is byte-identical; override on the command line to pin it).
IMAGE_PLATFORMS ?= linux/amd64 linux/arm64
IMAGE_OUTPUT ?= $(OUTPUT)/image
IMAGE_SOURCE ?= https://vmsnap.io/vmsnap
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: image
image: ## Build the controller's OCI image (linux/amd64, linux/arm64) into _output/image without a container engine; prints its digest.
	for platform in $(IMAGE_PLATFORMS); do \
		CGO_ENABLED=0 GOOS=$${platform%%/*} GOARCH=$${platform#*/} go build -trimpath -ldflags "$(LDFLAGS)" \
			-o $(IMAGE_OUTPUT)/bin/$${platform//\//-}/vmsnap-controller ./cmd/vmsnap-controller; \
	done
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) go run ./hack/image --output $(IMAGE_OUTPUT) \
		--version "$(VERSION)" --revision "$(GIT_COMMIT)" --source "$(IMAGE_SOURCE)" \
		$(foreach platform,$(IMAGE_PLATFORMS),--binary $(platform)=$(IMAGE_OUTPUT)/bin/$(subst /,-,$(platform))/vmsnap-controller)

.PHONY: plugin-dist
plugin-dist: ## Release archives of kubectl-vmsnap and their krew manifest into _output/plugin (PLATFORMS=, RELEASE_URL=).
	VERSION=$(VERSION) GIT_COMMIT=$(GIT_COMMIT) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) hack/plugin-dist.sh

.PHONY: tools
tools: ## Build the pinned cluster binaries (etcd, kube-apiserver, CSI sidecars, ...) when their pins changed.
	hack/build-tools.sh

.PHONY: crds-kubevirt
crds-kubevirt: ## Generate KubeVirt's and CDI's CRDs from their Go modules into _output/crds/kubevirt.
	go run ./hack/kubevirt-crds --out $(OUTPUT)/crds/kubevirt

.PHONY: test
test: test-unit test-integration ## Run every test.

.PHONY: test-unit
test-unit: ## Unit tests: pure logic, fake clients.
	$(GOTEST) $(TEST_FLAGS) $(UNIT_PKGS)
	cd $(STAGING)/api && $(GOTEST) $(TEST_FLAGS) ./...

.PHONY: test-integration
test-integration: tools build crds-kubevirt ## Integration tests against the real local control plane and CSI snapshot stack.
	VMSNAP_REQUIRE_CLUSTER=1 $(GOTEST) $(TEST_FLAGS) -p 1 -timeout $(INTEGRATION_TIMEOUT) $(INTEGRATION_PKGS)

.PHONY: chaos
chaos: tools build crds-kubevirt ## Seeded random chaos against two replicas of the controller (KILLS=, OPS=, SEED= to replay; see README).
	VMSNAP_REQUIRE_CLUSTER=1 VMSNAP_CHAOS_KILLS=$(KILLS) VMSNAP_CHAOS_OPS=$(OPS) VMSNAP_CHAOS_SEED=$(SEED) \
		$(GOTEST) $(TEST_FLAGS) -count=1 -v -timeout $(CHAOS_TIMEOUT) -run '^TestChaos$$' ./tests/integration/chaos/

.PHONY: generate
generate: ## Regenerate deepcopy, clientset, listers, informers and CRDs.
	hack/update-codegen.sh
	hack/update-crds.sh

.PHONY: vendor
vendor: ## Tidy the modules and refresh vendor/.
	hack/update-vendor.sh

.PHONY: fmt
fmt: ## gofmt the project.
	gofmt -w $$(git ls-files --cached --others --exclude-standard -- '*.go' ':!:vendor/*')

.PHONY: verify
verify: ## gofmt, go vet, and drift of generated code, CRDs, modules and vendor/.
	hack/verify-gofmt.sh
	go vet ./...
	cd $(STAGING)/api && go vet ./...
	cd $(STAGING)/client-go && go vet ./...
	hack/verify-codegen.sh
	hack/verify-vendor.sh

.PHONY: cluster-up
cluster-up: ## Start the local cluster in the background (kubeconfig: _output/local/kubeconfig).
	hack/cluster-up.sh

.PHONY: cluster-down
cluster-down: ## Stop the local cluster.
	hack/cluster-down.sh

.PHONY: run
run: cluster-up build ## Local cluster plus the controller in the foreground.
	@echo "Point kubectl at the cluster with:  export KUBECONFIG=$(CURDIR)/$(OUTPUT)/local/kubeconfig"
	$(BIN)/vmsnap-controller --kubeconfig $(OUTPUT)/local/kubeconfig --leader-elect=false \
		--metrics-bind-address 127.0.0.1:8080 --health-bind-address 127.0.0.1:8081

.PHONY: clean
clean: ## Stop the local cluster and remove _output.
	-hack/cluster-down.sh
	rm -rf $(OUTPUT)

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

.PHONY: demo
demo: cluster-up build ## A VM with two disks snapshotted (offline, online) and restored (new VM, in place) on the local cluster.
	hack/demo.sh

.PHONY: bench
bench: tools build crds-kubevirt ## Benchmark the controller on the local cluster (N= VMs, D= disks per VM, SCALE_VMS=, SCHEDULE_VMS=, GROUP_VMS=, GROUP_DISKS=, AUDIT=1, CONTROLLER_ARGS=; see hack/bench.sh).
	hack/bench.sh
