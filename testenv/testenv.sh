#!/usr/bin/env bash
# The local, real Kubernetes control plane the tests and the demo run against.
#
#   testenv.sh build   build kube-apiserver, kubectl, etcd, the Flux Operator CLI and krew from the Go
#                      module proxy into a cache keyed by each go.sum; a warm cache costs nothing
#   testenv.sh up      start etcd + kube-apiserver on free loopback ports, write kubeconfigs,
#                      install the Flux Operator, Flux and Gateway API CRDs; prints `export` lines
#   testenv.sh down    stop exactly what `up` started (by PID) and remove its state
#   testenv.sh env     print the `export` lines of a running control plane
#
# State lives in $KP_TESTENV_DIR (default: a directory under $TMPDIR); binaries in $KP_CACHE_DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${KP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-preview}
state=${KP_TESTENV_DIR:-${TMPDIR:-/tmp}/kubectl-preview-testenv}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

K8S_VERSION=v1.36.3

log() { echo "testenv: $*" >&2; }
die() { echo "testenv: error: $*" >&2; exit 1; }

key_of() { sha256sum "$here/go/$1/go.sum" | cut -c1-16; }
bin_dir() { echo "$cache_root/$1-$(key_of "$1")/bin"; }

# One Go wrapper module per tool set, so their dependency graphs never pull each other's versions.
build_k8s() {
    local out; out=$(bin_dir k8s)
    if [[ -x $out/kube-apiserver && -x $out/kubectl && -x $out/etcd ]]; then log "k8s binaries cached in $out"; return; fi
    mkdir -p "$out.tmp"
    local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
    local vf="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
    vf+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    vf+=" -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
    vf+=" -X k8s.io/component-base/version.gitTreeState=clean"
    (
        cd "$here/go/k8s"
        log "building kube-apiserver $K8S_VERSION (cold: tens of minutes on 2 cores)"
        go build -trimpath -tags notest -ldflags "-s -w $vf" -o "$out.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
        log "building kubectl"
        go build -trimpath -ldflags "-s -w $vf" -o "$out.tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
        log "building etcd"
        go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3
    )
    rm -rf "$out"; mv "$out.tmp" "$out"
    log "k8s binaries built into $out"
}

build_fluxop() {
    local out; out=$(bin_dir flux-operator)
    if [[ -x $out/flux-operator ]]; then log "flux-operator CLI cached in $out"; return; fi
    mkdir -p "$out.tmp"
    local ver; ver=$(cd "$here/go/flux-operator" && go list -m -f '{{.Version}}' github.com/controlplaneio-fluxcd/flux-operator)
    log "building the Flux Operator CLI $ver"
    (cd "$here/go/flux-operator" && go build -trimpath -ldflags "-s -w -X main.VERSION=${ver#v}" -o "$out.tmp/flux-operator" github.com/controlplaneio-fluxcd/flux-operator/cmd/cli)
    rm -rf "$out"; mv "$out.tmp" "$out"
}

build_krew() {
    local out; out=$(bin_dir krew)
    if [[ -x $out/kubectl-krew && -x $out/validate-krew-manifest ]]; then log "krew cached in $out"; return; fi
    mkdir -p "$out.tmp"
    log "building krew and validate-krew-manifest"
    (
        cd "$here/go/krew"
        go build -trimpath -ldflags "-s -w" -o "$out.tmp/kubectl-krew" sigs.k8s.io/krew/cmd/krew
        go build -trimpath -ldflags "-s -w" -o "$out.tmp/validate-krew-manifest" sigs.k8s.io/krew/cmd/validate-krew-manifest
    )
    rm -rf "$out"; mv "$out.tmp" "$out"
}

cmd_build() {
    build_k8s
    build_fluxop
    build_krew
}

# ---------------------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

alive() { [[ -f $state/$1.pid ]] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

env_lines() {
    cat <<E
export KP_TESTENV_DIR='$state'
export KP_TEST_BIN='$(bin_dir k8s)'
export KP_TEST_KUBECONFIG_ADMIN='$state/admin.kubeconfig'
export KP_TEST_KUBECONFIG_RESTRICTED='$state/restricted.kubeconfig'
export KP_TEST_AUDIT_LOG='$state/audit.log'
E
    if [[ -x $(bin_dir flux-operator)/flux-operator ]]; then echo "export KP_TEST_FLUX_OPERATOR='$(bin_dir flux-operator)/flux-operator'"; fi
    if [[ -x $(bin_dir krew)/kubectl-krew ]]; then echo "export KP_TEST_KREW_BIN='$(bin_dir krew)'"; fi
}

gen_pki() {
    local p=$state/pki; mkdir -p "$p"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj "/CN=kubectl-preview-testenv-ca" -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=kube-apiserver" \
        -keyout "$p/serving.key" -out "$p/serving.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$p/ext.cnf"
    openssl x509 -req -in "$p/serving.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
        -extfile "$p/ext.cnf" -out "$p/serving.crt" 2>/dev/null
    openssl ecparam -name prime256v1 -genkey -noout -out "$p/sa.key" 2>/dev/null
}

write_kubeconfig() { # user token file
    cat > "$3" <<K
apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: https://127.0.0.1:$(cat "$state/apiserver.port")
    certificate-authority: $state/pki/ca.crt
users:
- name: $1
  user:
    token: $2
contexts:
- name: testenv-$1
  context: {cluster: testenv, user: $1}
current-context: testenv-$1
K
}

# Keeps only the CustomResourceDefinition documents of a multi-document YAML file.
crd_docs() {
    awk 'function flush(){ if (doc ~ /\nkind: CustomResourceDefinition\n/) printf "---%s", doc; doc="\n" }
         BEGIN{doc="\n"} /^---/{flush(); next} {doc=doc $0 "\n"} END{flush()}' "$1"
}

install_crds() {
    local kubectl=$(bin_dir k8s)/kubectl cfg=$state/admin.kubeconfig tmp; tmp=$(mktemp -d)
    local line mv sum path out dir got
    while read -r mv sum path; do
        [[ -z $mv || $mv == \#* ]] && continue
        out=$(cd "$tmp" && go mod download -json "$mv")
        dir=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' <<<"$out"); got=$(sed -n 's/.*"Sum": "\(.*\)".*/\1/p' <<<"$out")
        [[ -n $dir ]] || die "could not download $mv: $out"
        [[ $got == "$sum" ]] || die "$mv: go.sum hash $got does not match crds.lock ($sum)"
        crd_docs "$dir/$path" >> "$tmp/crds.yaml"
    done < "$here/crds.lock"
    "$kubectl" --kubeconfig "$cfg" apply --server-side --field-manager=testenv -f "$tmp/crds.yaml" >/dev/null
    "$kubectl" --kubeconfig "$cfg" wait --for condition=established --timeout=60s crd --all >/dev/null
    rm -rf "$tmp"
}

cmd_up() {
    if alive apiserver && alive etcd; then log "already running ($state)"; env_lines; return; fi
    [[ -d $state ]] && cmd_down_quiet
    build_k8s
    local bin; bin=$(bin_dir k8s)
    mkdir -p "$state"; chmod 700 "$state"
    local t0=$SECONDS
    gen_pki
    local admin_token restricted_token
    admin_token=$(openssl rand -hex 24); restricted_token=$(openssl rand -hex 24)
    printf '%s,admin,uid-admin,"system:masters"\n%s,restricted,uid-restricted\n' "$admin_token" "$restricted_token" > "$state/tokens.csv"
    # The audit log lets tests count the requests a command really sends (one line per request).
    printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n' > "$state/audit-policy.yaml"
    local ep pp ap; ep=$(free_port); pp=$(free_port); ap=$(free_port)
    echo "$ap" > "$state/apiserver.port"
    # setsid: the processes outlive this shell; `down` stops them by PID.
    setsid "$bin/etcd" --name=testenv --data-dir="$state/etcd" \
        --listen-client-urls="http://127.0.0.1:$ep" --advertise-client-urls="http://127.0.0.1:$ep" \
        --listen-peer-urls="http://127.0.0.1:$pp" --initial-advertise-peer-urls="http://127.0.0.1:$pp" \
        --initial-cluster="testenv=http://127.0.0.1:$pp" --unsafe-no-fsync --log-level=error \
        </dev/null >"$state/etcd.log" 2>&1 &
    echo $! > "$state/etcd.pid"
    setsid "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$ep" \
        --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$ap" \
        --tls-cert-file="$state/pki/serving.crt" --tls-private-key-file="$state/pki/serving.key" \
        --token-auth-file="$state/tokens.csv" --authorization-mode=RBAC \
        --service-cluster-ip-range=10.96.0.0/16 --service-account-issuer="https://127.0.0.1:$ap" \
        --service-account-key-file="$state/pki/sa.key" --service-account-signing-key-file="$state/pki/sa.key" \
        --disable-admission-plugins=ServiceAccount --allow-privileged=true \
        --endpoint-reconciler-type=none --enable-priority-and-fairness=false \
        --audit-policy-file="$state/audit-policy.yaml" --audit-log-path="$state/audit.log" \
        --audit-log-format=json --audit-log-mode=blocking \
        </dev/null >"$state/apiserver.log" 2>&1 &
    echo $! > "$state/apiserver.pid"
    local i ready=
    for ((i = 0; i < 240; i++)); do
        alive apiserver || { tail -20 "$state/apiserver.log" >&2; die "kube-apiserver exited"; }
        if curl -fsS --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $admin_token" \
            "https://127.0.0.1:$ap/readyz" >/dev/null 2>&1; then ready=1; break; fi
        sleep 0.5
    done
    [[ -n $ready ]] || { tail -20 "$state/apiserver.log" >&2; die "kube-apiserver not ready after 120s"; }
    write_kubeconfig admin "$admin_token" "$state/admin.kubeconfig"
    write_kubeconfig restricted "$restricted_token" "$state/restricted.kubeconfig"
    for ((i = 0; i < 120; i++)); do
        "$bin/kubectl" --kubeconfig "$state/admin.kubeconfig" get namespace default >/dev/null 2>&1 && break
        sleep 0.5
    done
    install_crds
    env_lines > "$state/env"
    log "up in $((SECONDS - t0))s: https://127.0.0.1:$ap (state in $state)"
    env_lines
}

stop_pid() {
    local f=$state/$1.pid pid
    [[ -f $f ]] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

cmd_down_quiet() { stop_pid apiserver; stop_pid etcd; rm -rf "$state"; }
cmd_down() { cmd_down_quiet; log "down ($state removed)"; }

cmd_env() {
    alive apiserver || die "not running: run '$0 up' first"
    env_lines
}

case "${1:-}" in
    build) cmd_build ;;
    up) cmd_up ;;
    down) cmd_down ;;
    env) cmd_env ;;
    *) echo "usage: $0 build|up|down|env" >&2; exit 2 ;;
esac
