#!/usr/bin/env bash
# Start a loopback-only Kubernetes v1.20.2 control plane for tests:
# etcd -> kube-apiserver -> kube-controller-manager, all state under DIR.
#
# Usage: scripts/realcluster/start.sh DIR
#
# Needs the binaries from build.sh (in $KGEN_REALCLUSTER_CACHE/bin, default
# ~/.cache/kgen/kubernetes-1.20.2/bin) and /usr/bin/etcd. Writes:
#   DIR/kubeconfig   cluster (CA data + https://127.0.0.1:PORT), token user,
#                    current-context set
#   DIR/ca.crt       CA that signed the serving cert (and client certs)
#   DIR/token        bearer token of a system:masters user ("kgen-admin")
#   DIR/admin.crt, DIR/admin.key  client cert of a system:masters user
#   DIR/server       the server URL
#   DIR/pids         "PID NAME" per line, for stop.sh
#   DIR/logs/        etcd.log, kube-apiserver.log, kube-controller-manager.log
#   DIR/etcd/        etcd data; DIR/pki/ keys and certs
# Progress goes to stderr; the server URL is the last (only) line of stdout.
# Waits for /readyz and for the default ServiceAccount (controller-manager up).
# Restarting into the same DIR (after stop.sh) reuses its data and certs.
#
# Environment:
#   KGEN_REALCLUSTER_CACHE    see build.sh
#   KGEN_KUBE_APISERVER, KGEN_KUBE_CONTROLLER_MANAGER, KGEN_ETCD  binary paths
#   KGEN_REALCLUSTER_TIMEOUT  seconds to wait for each component (default 60)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${KGEN_REALCLUSTER_CACHE:-$HOME/.cache/kgen/kubernetes-1.20.2}
APISERVER=${KGEN_KUBE_APISERVER:-$CACHE/bin/kube-apiserver}
CONTROLLER_MANAGER=${KGEN_KUBE_CONTROLLER_MANAGER:-$CACHE/bin/kube-controller-manager}
ETCD=${KGEN_ETCD:-/usr/bin/etcd}
TIMEOUT=${KGEN_REALCLUSTER_TIMEOUT:-60}

log() { echo "start.sh: $*" >&2; }
die() { echo "start.sh: ERROR: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: $0 DIR"
mkdir -p "$1"
DIR=$(cd "$1" && pwd)

for b in "$APISERVER" "$CONTROLLER_MANAGER" "$ETCD"; do
  [[ -x $b ]] || die "$b not found: run scripts/realcluster/build.sh first"
done
command -v openssl >/dev/null || die "openssl not found: run scripts/realcluster/build.sh first"
command -v python3 >/dev/null || die "python3 not found"

# runs PID NAME: PID is alive (not a zombie: those have an empty cmdline) and
# runs the program NAME (argv[0]; or argv[1], for a script run by its
# interpreter). Same test as in stop.sh.
runs() {
  local a0='' a1=''
  { IFS= read -r -d '' a0; IFS= read -r -d '' a1; } 2>/dev/null <"/proc/$1/cmdline" || true
  [[ -n $a0 && ( $(basename "$a0") == "$2" || $(basename "${a1:-/}") == "$2" ) ]]
}

# Refuse to start twice into the same DIR.
if [[ -s $DIR/pids ]]; then
  while read -r pid name; do
    if [[ ${pid:-} =~ ^[0-9]+$ && -n ${name:-} ]] && runs "$pid" "$name"; then
      die "$name (pid $pid) from $DIR/pids is still running: run stop.sh $DIR first"
    fi
  done <"$DIR/pids"
fi

mkdir -p "$DIR/logs" "$DIR/etcd" "$DIR/pki"
chmod 700 "$DIR/etcd" "$DIR/pki"   # etcd 3.4 warns about (and fixes) looser modes
: >"$DIR/pids"
PKI=$DIR/pki

# On any failure from here on: show the logs' tails and stop what we started,
# so no half-started cluster is left behind.
STARTED=0
LAUNCHED=()
on_exit() {
  local rc=$?
  if [[ $rc -ne 0 && $STARTED -eq 1 ]]; then
    for f in "$DIR"/logs/*.log; do
      [[ -f $f ]] || continue
      echo "----- tail of $f -----" >&2
      tail -n 25 "$f" >&2 || true
    done
    log "stopping what was started"
    "$HERE/stop.sh" "$DIR" >&2 || true
    # They are still our children, so their PIDs cannot have been reused:
    # make sure, even if one exec'd something stop.sh does not recognise.
    local pid
    for pid in "${LAUNCHED[@]+"${LAUNCHED[@]}"}"; do kill -KILL "$pid" 2>/dev/null || true; done
  fi
}
trap on_exit EXIT

# ------------------------------------------------------------------ ports
# Free loopback ports, chosen now by binding port 0 (all at once so they are
# distinct). There is a small window before the servers bind them.
read -r ETCD_CLIENT_PORT ETCD_PEER_PORT API_PORT KUBELET_PORT < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(4):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)
SERVER=https://127.0.0.1:$API_PORT
ETCD_URL=http://127.0.0.1:$ETCD_CLIENT_PORT

# ------------------------------------------------------------------ PKI
# Generated once per DIR. Certificates carry keyUsage, extendedKeyUsage and
# subjectKeyIdentifier/authorityKeyIdentifier: strict verifiers (Python 3.13's
# ssl with VERIFY_X509_STRICT, recent OpenSSL/httpx) reject certs without them.
if [[ ! -s $PKI/ca.crt || ! -s $PKI/sa.key || ! -s $PKI/admin.crt ]]; then
  log "generating CA, certificates and service-account key in $PKI"
  cat >"$PKI/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF
  (
    cd "$PKI"
    umask 077
    openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 \
      -config openssl.cnf -extensions v3_ca -subj "/CN=kgen-realcluster-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    # name  subject                                                extensions
    while read -r name subj ext; do
      openssl req -new -nodes -newkey rsa:2048 -sha256 -config openssl.cnf \
        -subj "$subj" -keyout "$name.key" -out "$name.csr" 2>/dev/null
      openssl x509 -req -sha256 -days 3650 -in "$name.csr" -CA ca.crt -CAkey ca.key \
        -CAcreateserial -extfile openssl.cnf -extensions "$ext" -out "$name.crt" 2>/dev/null
      rm -f "$name.csr"
    done <<'EOF'
apiserver /CN=kube-apiserver v3_server
admin /O=system:masters/CN=kgen-admin v3_client
controller-manager /O=system:masters/CN=system:kube-controller-manager v3_client
EOF
    # Service-account token signing key (1.20 requires issuer + key flags).
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  ) || die "openssl failed"
fi
# The client certificate kube-apiserver shows the (fake) kubelet (--kubelet-client-certificate);
# made separately so that a DIR from before the fake kubelet gets one too.
if [[ ! -s $PKI/kubelet-client.crt ]]; then
  (
    cd "$PKI"
    umask 077
    openssl req -new -nodes -newkey rsa:2048 -sha256 -config openssl.cnf \
      -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" \
      -keyout kubelet-client.key -out kubelet-client.csr 2>/dev/null
    openssl x509 -req -sha256 -days 3650 -in kubelet-client.csr -CA ca.crt -CAkey ca.key \
      -CAcreateserial -extfile openssl.cnf -extensions v3_client -out kubelet-client.crt 2>/dev/null
    rm -f kubelet-client.csr
  ) || die "openssl failed (kubelet client certificate)"
fi
if [[ ! -s $DIR/token ]]; then
  (umask 077; openssl rand -hex 32 >"$DIR/token")
fi
TOKEN=$(cat "$DIR/token")
# Static token file: token,user,uid,"groups". system:masters = cluster-admin.
(umask 077; printf '%s,kgen-admin,kgen-admin,"system:masters"\n' "$TOKEN" >"$PKI/tokens.csv")
cp "$PKI/ca.crt" "$DIR/ca.crt"
cp "$PKI/admin.crt" "$DIR/admin.crt"
(umask 077; cp "$PKI/admin.key" "$DIR/admin.key")

b64() { base64 -w0 <"$1"; }
# kubeconfig for tests/kubectl: static token user.
cat >"$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kgen-realcluster
  cluster:
    server: $SERVER
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: kgen-admin
  user:
    token: $TOKEN
contexts:
- name: kgen-realcluster
  context:
    cluster: kgen-realcluster
    user: kgen-admin
current-context: kgen-realcluster
EOF
chmod 600 "$DIR/kubeconfig"
# kubeconfig for the controller-manager: client certificate.
cat >"$PKI/controller-manager.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kgen-realcluster
  cluster:
    server: $SERVER
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: controller-manager
  user:
    client-certificate-data: $(b64 "$PKI/controller-manager.crt")
    client-key-data: $(b64 "$PKI/controller-manager.key")
contexts:
- name: default
  context:
    cluster: kgen-realcluster
    user: controller-manager
current-context: default
EOF
echo "$SERVER" >"$DIR/server"

# ------------------------------------------------------------------ helpers
# launch COMPONENT BINARY ARGS...: start BINARY detached from our session
# (setsid: no TTY needed, and a Ctrl-C/SIGHUP to the caller's terminal does
# not reach it) with stdin closed and all output in DIR/logs/COMPONENT.log;
# record "PID NAME" in DIR/pids, NAME being the program's file name.
# (setsid execs in place since a background job is not a group leader, so $!
# is the server's own PID; checked at the end.)
launch() {
  local component=$1 binary=$2; shift 2
  setsid "$binary" "$@" </dev/null >>"$DIR/logs/$component.log" 2>&1 &
  LAST_PID=$!
  LAUNCHED+=("$LAST_PID")
  echo "$LAST_PID $(basename "$binary")" >>"$DIR/pids"
  STARTED=1
}

# alive PID: running and not a zombie (a server that died during startup stays
# a zombie child of this script, and kill -0 still succeeds on zombies).
alive() { [[ -n $(tr -d '\0' 2>/dev/null <"/proc/$1/cmdline") ]]; }

# wait_for NAME PID CHECK...: poll CHECK (a command) until it succeeds, the
# process dies, or TIMEOUT seconds pass.
wait_for() {
  local name=$1 pid=$2; shift 2
  local deadline=$(( $(date +%s) + TIMEOUT ))
  until "$@" >/dev/null 2>&1; do
    alive "$pid" || die "$name (pid $pid) exited during startup"
    (( $(date +%s) < deadline )) || die "$name not ready after ${TIMEOUT}s"
    sleep 0.5
  done
}

# HTTP(S) GET with Python (always present, unlike curl): succeeds when the
# status is 200 and the body contains EXPECT.
http_ok() {
  python3 - "$@" <<'EOF'
import ssl, sys, urllib.request
url, expect, cafile, token = (sys.argv[1:] + ["", "", ""])[:4]
ctx = ssl.create_default_context(cafile=cafile) if cafile else None
req = urllib.request.Request(url)
if token:
    req.add_header("Authorization", "Bearer " + token)
with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
    body = r.read().decode()
sys.exit(0 if r.status == 200 and expect in body else 1)
EOF
}

# ------------------------------------------------------------------ etcd
if [[ $(uname -m) == aarch64 ]]; then export ETCD_UNSUPPORTED_ARCH=arm64; fi
ETCD_ARGS=(
  --name=kgen
  --data-dir="$DIR/etcd"
  # client and peer traffic on loopback only, plain HTTP (nothing else can
  # reach it); a one-member cluster
  --listen-client-urls="$ETCD_URL"
  --advertise-client-urls="$ETCD_URL"
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT"
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT"
  --initial-cluster="kgen=http://127.0.0.1:$ETCD_PEER_PORT"
  --initial-cluster-state=new
  # zap: capnslog is deprecated in 3.4 and warns about it
  --logger=zap
  --log-outputs=stderr
)
log "starting etcd on $ETCD_URL"
launch etcd "$ETCD" "${ETCD_ARGS[@]}"
ETCD_PID=$LAST_PID
wait_for etcd "$ETCD_PID" http_ok "$ETCD_URL/health" '"health":"true"'

# ------------------------------------------------------------------ apiserver
APISERVER_ARGS=(
  --etcd-servers="$ETCD_URL"
  # serve only on loopback, on a free port; no insecure port (the 1.20
  # default, made explicit)
  --bind-address=127.0.0.1
  --secure-port="$API_PORT"
  --insecure-port=0
  --advertise-address=127.0.0.1
  # the default "lease" reconciler writes the advertise address into the
  # default/kubernetes Endpoints, and loopback IPs fail Endpoints validation
  --endpoint-reconciler-type=none
  --tls-cert-file="$PKI/apiserver.crt"
  --tls-private-key-file="$PKI/apiserver.key"
  # keeps it from writing to the default /var/run/kubernetes
  --cert-dir="$PKI"
  # authentication: static bearer tokens, and client certs signed by our CA
  --token-auth-file="$PKI/tokens.csv"
  --client-ca-file="$PKI/ca.crt"
  --authorization-mode=RBAC
  --service-cluster-ip-range=10.0.0.0/24
  --allow-privileged=true
  # 1.20 requires an issuer and keys for service-account tokens
  --service-account-issuer=https://kubernetes.default.svc.cluster.local
  --service-account-key-file="$PKI/sa.pub"
  --service-account-signing-key-file="$PKI/sa.key"
  # exec, attach, port-forward and node proxying go to the (fake) kubelet of the pod's node: by
  # the Node's InternalIP (127.0.0.1) and kubelet port, over TLS checked against our CA (the fake
  # kubelet serves the apiserver's certificate, whose SAN is 127.0.0.1), with this client cert
  --kubelet-client-certificate="$PKI/kubelet-client.crt"
  --kubelet-client-key="$PKI/kubelet-client.key"
  --kubelet-certificate-authority="$PKI/ca.crt"
  --kubelet-preferred-address-types=InternalIP
)
log "starting kube-apiserver on $SERVER"
launch kube-apiserver "$APISERVER" "${APISERVER_ARGS[@]}"
API_PID=$LAST_PID
wait_for kube-apiserver "$API_PID" http_ok "$SERVER/readyz" ok "$PKI/ca.crt" "$TOKEN"

# ------------------------------------------------------------------ controller-manager
CONTROLLER_MANAGER_ARGS=(
  --kubeconfig="$PKI/controller-manager.kubeconfig"
  # all default controllers: namespace deletion, garbage collection, service
  # accounts and their token secrets among them
  --controllers='*'
  # a single instance: no leader election (and no wait for the old lease to
  # expire when restarted into the same DIR)
  --leader-elect=false
  # signs the service-account token secrets (tokens controller)
  --service-account-private-key-file="$PKI/sa.key"
  --root-ca-file="$PKI/ca.crt"
  # controllers act with our (system:masters) client cert rather than with
  # per-controller service accounts: simpler, and independent of their roles
  --use-service-account-credentials=false
  # lets the CSR signing controller sign with our CA instead of erroring
  --cluster-signing-cert-file="$PKI/ca.crt"
  --cluster-signing-key-file="$PKI/ca.key"
  # serve nothing: no secure port, and the deprecated insecure port (in 1.20
  # on by default, 10252 on 0.0.0.0) off; loopback bind address regardless
  --bind-address=127.0.0.1
  --secure-port=0
  --port=0
  # the default client rate (20 QPS) makes namespace deletion and garbage
  # collection slow under test load
  --kube-api-qps=100
  --kube-api-burst=200
)
log "starting kube-controller-manager"
launch kube-controller-manager "$CONTROLLER_MANAGER" "${CONTROLLER_MANAGER_ARGS[@]}"
CM_PID=$LAST_PID
# Ready when the serviceaccount controller has made default/default.
wait_for kube-controller-manager "$CM_PID" \
  http_ok "$SERVER/api/v1/namespaces/default/serviceaccounts/default" '"name":"default"' "$PKI/ca.crt" "$TOKEN"

# ------------------------------------------------------------------ fake kubelet
# scripts/realcluster/fake_kubelet.py: the kubelet's streaming endpoints (exec, attach,
# port-forward; WebSocket and SPDY) on kgen.testing's handler engine, a Node "kgen-node" pointing at
# it and a Running pod default/kgen-pod bound to it. Needs a Python with kgen's dependencies
# (KGEN_PYTHON; default: the repository's .venv, else python3). KGEN_REALCLUSTER_KUBELET=0 skips it.
if [[ ${KGEN_REALCLUSTER_KUBELET:-1} != 0 ]]; then
  ROOT=$(cd "$HERE/../.." && pwd)
  PYTHON=${KGEN_PYTHON:-}
  if [[ -z $PYTHON ]]; then
    if [[ -x $ROOT/.venv/bin/python ]]; then PYTHON=$ROOT/.venv/bin/python; else PYTHON=python3; fi
  fi
  rm -f "$DIR/kubelet.port"
  log "starting the fake kubelet on https://127.0.0.1:$KUBELET_PORT"
  setsid "$PYTHON" "$HERE/fake_kubelet.py" "$DIR" --port "$KUBELET_PORT" \
    </dev/null >>"$DIR/logs/fake-kubelet.log" 2>&1 &
  KUBELET_PID=$!
  LAUNCHED+=("$KUBELET_PID")
  echo "$KUBELET_PID fake_kubelet.py" >>"$DIR/pids"
  wait_for fake-kubelet "$KUBELET_PID" test -s "$DIR/kubelet.port"
fi

# Check that each recorded PID is the server itself (so stop.sh will find it).
while read -r pid name; do
  runs "$pid" "$name" || die "pid $pid is not $name"
done <"$DIR/pids"

log "ready: etcd $ETCD_URL, kube-apiserver $SERVER; kubeconfig $DIR/kubeconfig"
echo "$SERVER"
