#!/usr/bin/env bash
# Build a real Kubernetes v1.20.2 kube-apiserver and kube-controller-manager
# from Debian's source package, and install etcd (Debian's etcd-server), so
# that start.sh can run a loopback-only control plane for conformance tests.
#
# Usage: scripts/realcluster/build.sh
#
# Idempotent: when both binaries already exist in the cache and answer
# `--version` with v1.20.2 it only makes sure the runtime packages (etcd,
# openssl) are installed and exits. A half-finished earlier build is resumed
# where that is safe and cleaned otherwise.
#
# Environment:
#   KGEN_REALCLUSTER_CACHE  cache dir (default ~/.cache/kgen/kubernetes-1.20.2);
#                           binaries go to $KGEN_REALCLUSTER_CACHE/bin/
#   KGEN_REALCLUSTER_KEEP_WORK=1  keep the source tree and Go build cache after
#                           a successful build (default: removed, a few GB)
#
# Runs as root (apt-get); uses sudo for apt if not root and sudo exists.
# Takes about 5 minutes on 2 cores the first time (allow 10).
set -euo pipefail

K8S_VERSION=v1.20.2
# The commit of the v1.20.2 tag; Debian's orig tarball carries it too
# (staging/src/k8s.io/component-base/version/base.go).
K8S_COMMIT=faecb196815e248d3ecfb03c680a4507229c2a56
# Debian's source package: "1.20.5+really1.20.2" is really upstream 1.20.2.
DEB_SRC_PACKAGE=kubernetes
DEB_UPSTREAM_VERSION=1.20.5+really1.20.2

CACHE=${KGEN_REALCLUSTER_CACHE:-$HOME/.cache/kgen/kubernetes-1.20.2}
BIN=$CACHE/bin
WORK=$CACHE/work
# kubectl is the reference client for benchmarks/streams.py (exec and
# port-forward over SPDY through the apiserver to the fake kubelet).
BINARIES=(kube-apiserver kube-controller-manager kubectl)

# Packages needed to run the cluster (start.sh) ...
RUNTIME_PACKAGES=(etcd-server openssl ca-certificates)
# ... and to build it.
BUILD_PACKAGES=(golang-go golang-github-modern-go-reflect2-dev rsync dpkg-dev
                make gcc libc6-dev xz-utils patch)

log() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: ERROR: $*" >&2; exit 1; }
trap 'rc=$?; echo "build.sh: FAILED (exit $rc) at line $LINENO: $BASH_COMMAND" >&2' ERR

SUDO=
if [[ $EUID -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
fi

# binary_ok NAME: the cached NAME exists and reports $K8S_VERSION.
binary_ok() {
  [[ -x $BIN/$1 ]] || return 1
  if [[ $1 == kubectl ]]; then
    "$BIN/$1" version --client --short 2>/dev/null | grep -q "Client Version: $K8S_VERSION\$"
  else
    "$BIN/$1" --version 2>/dev/null | grep -q "Kubernetes $K8S_VERSION\$"
  fi
}

binaries_ok() {
  local b
  for b in "${BINARIES[@]}"; do binary_ok "$b" || return 1; done
}

# The binaries still to build (a cache from before kubectl was added only
# needs kubectl).
missing_binaries() {
  local b
  for b in "${BINARIES[@]}"; do binary_ok "$b" || echo "$b"; done
}

APT_UPDATED=0
apt_update() {
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    $SUDO apt-get update -q >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
}

ensure_packages() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $EUID -ne 0 && -z $SUDO ]]; then
    die "need root (or sudo) to install: ${missing[*]}"
  fi
  apt_update
  log "installing: ${missing[*]}"
  # etcd-server's postinst may try to start a system-wide etcd on the default
  # ports; we never use that one (start.sh runs its own on free ports), so
  # forbid service starts during the install where we can (policy-rc.d).
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy && $EUID -eq 0 ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  local rc=0
  $SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || rc=$?
  [[ $created_policy -eq 1 ]] && rm -f "$policy"
  [[ $rc -eq 0 ]] || die "apt-get install failed: ${missing[*]}"
}

# Add deb-src entries mirroring the machine's Debian deb entries, so that
# `apt-get source kubernetes` works. Written to our own file only.
ensure_deb_src() {
  if apt-cache showsrc "$DEB_SRC_PACKAGE" 2>/dev/null | grep -q "^Version: $DEB_UPSTREAM_VERSION"; then
    return 0
  fi
  local deb822=/etc/apt/sources.list.d/debian.sources
  local ours822=/etc/apt/sources.list.d/kgen-src.sources
  local oursList=/etc/apt/sources.list.d/kgen-src.list
  if [[ -f $deb822 ]]; then
    # deb822 format: same stanzas, Types: deb -> deb-src.
    log "adding deb-src entries: $ours822"
    sed -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb-src/' "$deb822" \
      | $SUDO tee "$ours822" >/dev/null
  elif grep -qsE '^deb[[:space:]]' /etc/apt/sources.list; then
    # one-line format: deb ... -> deb-src ...
    log "adding deb-src entries: $oursList"
    grep -E '^deb[[:space:]]' /etc/apt/sources.list | sed -E 's/^deb([[:space:]])/deb-src\1/' \
      | $SUDO tee "$oursList" >/dev/null
  else
    die "cannot find Debian apt sources to derive a deb-src entry from"
  fi
  APT_UPDATED=0
  apt_update
  apt-cache showsrc "$DEB_SRC_PACKAGE" 2>/dev/null | grep -q "^Version: $DEB_UPSTREAM_VERSION" \
    || die "apt has no source package $DEB_SRC_PACKAGE $DEB_UPSTREAM_VERSION* (is this Debian bookworm?)"
}

# ---------------------------------------------------------------- runtime
ensure_packages "${RUNTIME_PACKAGES[@]}"
[[ -x /usr/bin/etcd ]] || die "/usr/bin/etcd missing after installing etcd-server"

if binaries_ok; then
  log "binaries already built ($K8S_VERSION), nothing to do"
  for b in "${BINARIES[@]}"; do echo "$BIN/$b"; done
  echo "/usr/bin/etcd"
  exit 0
fi

# ---------------------------------------------------------------- build
mkdir -p "$CACHE" "$BIN" "$WORK"
# Serialise concurrent builds into the same cache.
exec 9>"$CACHE/.build.lock"
if ! flock -n 9; then
  log "another build is running on $CACHE; waiting for it"
  flock 9
  if binaries_ok; then
    for b in "${BINARIES[@]}"; do echo "$BIN/$b"; done
    echo "/usr/bin/etcd"
    exit 0
  fi
fi

START=$(date +%s)
ensure_packages "${BUILD_PACKAGES[@]}"
ensure_deb_src

# Debian's Go (1.19); prefer it over any other `go` on PATH.
export PATH=/usr/lib/go/bin:$PATH
log "using $(go version)"

SRC=$WORK/src
# 1. Download the source package (kept between attempts; apt-get re-verifies
#    checksums against the .dsc, so a truncated download is fetched again).
mkdir -p "$WORK/dl"
if ! ls "$WORK"/dl/${DEB_SRC_PACKAGE}_*.dsc >/dev/null 2>&1 \
   || [[ ! -f $WORK/dl/.complete ]]; then
  log "downloading Debian source package $DEB_SRC_PACKAGE"
  rm -f "$WORK/dl/.complete"
  # apt warns that it downloads unsandboxed as root: harmless.
  (cd "$WORK/dl" && apt-get source --download-only -q "$DEB_SRC_PACKAGE" >&2) \
    || die "apt-get source $DEB_SRC_PACKAGE failed"
  touch "$WORK/dl/.complete"
fi
DSC=$(find "$WORK/dl" -maxdepth 1 -name "${DEB_SRC_PACKAGE}_*.dsc" | sort -V | tail -n1)
[[ $DSC == *"$DEB_UPSTREAM_VERSION"* ]] || die "unexpected source package version: $DSC"

# 2. Unpack (applies Debian's patches: kubectl printing fixes only). A tree
#    without the .unpacked marker is a half-finished unpack: start it over.
if [[ ! -f $SRC/.kgen-unpacked ]]; then
  log "unpacking $(basename "$DSC")"
  rm -rf "$SRC" "$SRC.tmp"
  dpkg-source -x "$DSC" "$SRC.tmp" >&2 || die "dpkg-source -x failed"
  mv "$SRC.tmp" "$SRC"
  touch "$SRC/.kgen-unpacked"
fi
[[ -d $SRC/cmd/kube-apiserver && -d $SRC/vendor ]] || die "$SRC lacks cmd/kube-apiserver or vendor/"
grep -q "$K8S_COMMIT" "$SRC/staging/src/k8s.io/component-base/version/base.go" \
  || die "source tree is not Kubernetes $K8S_VERSION ($K8S_COMMIT)"

# 3. reflect2 1.0.1 (vendored) corrupts memory under Go >= 1.18 (it relies on
#    runtime internals that changed); swap in Debian's 1.0.2, which is
#    API-compatible with the vendored json-iterator. Idempotent (plain copy).
R2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2
R2_DST=$SRC/vendor/github.com/modern-go/reflect2
[[ -f $R2_SRC/reflect2.go ]] || die "$R2_SRC missing (golang-github-modern-go-reflect2-dev)"
if ! cmp -s "$R2_SRC/reflect2.go" "$R2_DST/reflect2.go" || [[ ! -f $R2_DST/.kgen-1.0.2 ]]; then
  log "replacing vendored reflect2 1.0.1 with Debian's $(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev)"
  rm -rf "$R2_DST"
  mkdir -p "$R2_DST"
  # -L: Debian's gocode tree may contain symlinks; copy the files.
  cp -rL "$R2_SRC"/. "$R2_DST"/
  touch "$R2_DST/.kgen-1.0.2"
fi

# 4. GOPATH mode: Kubernetes 1.20's hack/ scripts predate module mode as the
#    default (Go >= 1.16), and module mode fails with "updates to go.mod
#    needed". hack/lib/golang.sh then builds inside its own GOPATH and
#    GOCACHE (_output/local/go, k8s.io/kubernetes symlinked to the tree); as
#    Debian's rules do, we also link the tree into a GOPATH and run make there.
export GO111MODULE=off
export GOPATH=$WORK/gopath
export GOFLAGS=
mkdir -p "$GOPATH/src/k8s.io"
ln -sfn "$SRC" "$GOPATH/src/k8s.io/kubernetes"

# Version stamping: there is no .git in the tarball, so tell hack/lib/version.sh
# the version directly; `kube-apiserver --version` and GET /version then say
# v1.20.2 (otherwise "v0.0.0-master+faecb196815e2").
cat >"$WORK/version.env" <<EOF
KUBE_GIT_COMMIT='$K8S_COMMIT'
KUBE_GIT_TREE_STATE='clean'
KUBE_GIT_VERSION='$K8S_VERSION'
KUBE_GIT_MAJOR='1'
KUBE_GIT_MINOR='20'
EOF
export KUBE_GIT_VERSION_FILE=$WORK/version.env

# 5. Generate pkg/generated/openapi/zz_generated.openapi.go (not in the
#    tarball) and build. `make WHAT=...` runs the generated_files target
#    (builds openapi-gen etc. from vendor/) first; a half-written generated
#    file from an interrupted run is removed so it is regenerated.
cd "$GOPATH/src/k8s.io/kubernetes"
mapfile -t TO_BUILD < <(missing_binaries)
# Only kube-apiserver embeds the generated OpenAPI definitions.
if [[ " ${TO_BUILD[*]} " == *" kube-apiserver "* && ! -f pkg/generated/openapi/.kgen-generated ]]; then
  rm -f pkg/generated/openapi/zz_generated.openapi.go
  log "generating openapi (make gen_openapi)"
  make gen_openapi >&2 || die "make gen_openapi failed"
  [[ -s pkg/generated/openapi/zz_generated.openapi.go ]] || die "openapi generation produced nothing"
  touch pkg/generated/openapi/.kgen-generated
fi

log "compiling ${TO_BUILD[*]} (4-8 minutes on 2 cores)"
make WHAT="$(printf 'cmd/%s ' "${TO_BUILD[@]}")" >&2 || die "make WHAT=cmd/... failed"

# 6. Install into the cache (atomic rename, so a half-copied binary is never
#    taken for a finished one).
for b in "${TO_BUILD[@]}"; do
  built=$SRC/_output/local/bin/linux/$(go env GOARCH)/$b
  [[ -x $built ]] || built=$SRC/_output/bin/$b
  [[ -x $built ]] || die "built binary not found: $b"
  cp "$built" "$BIN/$b.tmp"
  mv -f "$BIN/$b.tmp" "$BIN/$b"
done
binaries_ok || die "built binaries do not report Kubernetes $K8S_VERSION"

if [[ ${KGEN_REALCLUSTER_KEEP_WORK:-0} != 1 ]]; then
  # (the Go build cache is in $SRC/_output; dpkg-source -x also leaves a copy
  # of the orig tarball beside the tree)
  log "removing work tree and Go build cache (set KGEN_REALCLUSTER_KEEP_WORK=1 to keep them)"
  rm -rf "$SRC" "$GOPATH" "$WORK"/*.orig.tar.*
fi

log "built in $(( $(date +%s) - START )) s"
for b in "${BINARIES[@]}"; do
  if [[ $b == kubectl ]]; then
    log "kubectl $("$BIN/$b" version --client --short)  $BIN/$b"
  else
    log "$("$BIN/$b" --version)  $BIN/$b"
  fi
  echo "$BIN/$b"
done
log "$(/usr/bin/etcd --version | head -n1)  /usr/bin/etcd"
echo "/usr/bin/etcd"
