#!/usr/bin/env bash
# Builds kubectl-vmsnap's release archives, one per platform, and the krew
# manifest that installs them, into _output/plugin/. The archives are
# reproducible: same commit, same bytes (file times from SOURCE_DATE_EPOCH,
# owners and order fixed, gzip without a name or time).
#
#   PLATFORMS="linux/amd64 darwin/arm64" hack/plugin-dist.sh
#   RELEASE_URL=https://example.com/releases/v1.2.3 VERSION=v1.2.3 hack/plugin-dist.sh

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

PLATFORMS=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}
GIT_COMMIT=${GIT_COMMIT:-$(git rev-parse HEAD 2>/dev/null || true)}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
RELEASE_URL=${RELEASE_URL:-https://github.com/vmsnap/vmsnap/releases/download/${VERSION}}
HOMEPAGE=${HOMEPAGE:-https://github.com/vmsnap/vmsnap}
OUT=${OUT:-_output/plugin}
LDFLAGS="-X vmsnap.io/vmsnap/pkg/version.Version=${VERSION} -X vmsnap.io/vmsnap/pkg/version.GitCommit=${GIT_COMMIT}"

rm -rf "${OUT}"
mkdir -p "${OUT}"
platforms_yaml=""
for platform in ${PLATFORMS}; do
	os=${platform%/*}
	arch=${platform#*/}
	ext=""
	[[ ${os} == windows ]] && ext=".exe"
	stage="${OUT}/stage-${os}-${arch}"
	mkdir -p "${stage}"
	CGO_ENABLED=0 GOOS=${os} GOARCH=${arch} go build -trimpath -ldflags "${LDFLAGS}" \
		-o "${stage}/kubectl-vmsnap${ext}" ./cmd/kubectl-vmsnap
	cp plugin/kubectl_complete-vmsnap "${stage}/"
	cp README.md "${stage}/"
	archive="kubectl-vmsnap-${VERSION}-${os}-${arch}.tar.gz"
	tar --sort=name --mtime="@${SOURCE_DATE_EPOCH}" --owner=0 --group=0 --numeric-owner \
		--mode='u+rw,go+r,go-w' -C "${stage}" -cf - . | gzip -n -9 >"${OUT}/${archive}"
	rm -rf "${stage}"
	sha=$(sha256sum "${OUT}/${archive}" | cut -d' ' -f1)
	platforms_yaml+="  - selector:
      matchLabels:
        os: ${os}
        arch: ${arch}
    uri: ${RELEASE_URL}/${archive}
    sha256: ${sha}
    files:
    - from: ./kubectl-vmsnap${ext}
      to: .
    - from: ./kubectl_complete-vmsnap
      to: .
    - from: ./README.md
      to: .
    bin: kubectl-vmsnap${ext}
"
done

# The template's @PLATFORMS@ line becomes the list, its comments go, the
# rest are plain words.
awk -v platforms="${platforms_yaml%$'\n'}" -v version="${VERSION}" -v homepage="${HOMEPAGE}" '
	/^#/ { next }
	/^@PLATFORMS@$/ { print platforms; next }
	{ gsub(/@VERSION@/, version); gsub(/@HOMEPAGE@/, homepage); print }
' plugin/vmsnap.yaml >"${OUT}/vmsnap.yaml"
echo "kubectl-vmsnap ${VERSION}: ${OUT}/vmsnap.yaml and $(ls "${OUT}"/*.tar.gz | wc -l) archives"
