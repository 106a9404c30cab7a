#!/usr/bin/env bash
# The local, real Kubernetes control planes the tests and the demo run against.
#
#   testenv.sh build        build kube-apiserver, kubectl, etcd, the Flux Operator CLI and krew from the
#                           Go module proxy into a cache keyed by each go.sum; a warm cache costs nothing
#   testenv.sh build-stack  also build what `up --stack` runs: kube-controller-manager, kube-scheduler,
#                           KWOK, the Flux Operator controller, source-controller, kustomize-controller
#   testenv.sh up           start etcd + kube-apiserver on free loopback ports, write kubeconfigs,
#                           install the Flux Operator, Flux and Gateway API CRDs; prints `export` lines.
#                           Fixture tests write every status themselves: no controller runs here.
#   testenv.sh up --stack   the real stack, on its own control plane (give it its own KP_TESTENV_DIR):
#                           the same plus kube-controller-manager, kube-scheduler, KWOK (fake nodes whose
#                           pods go Running and Ready), the Flux Operator, source-controller and
#                           kustomize-controller, all out of cluster; prints KP_STACK_* `export` lines
#   testenv.sh up --old-flux  a fixture control plane with the CRDs of Flux v2.2.3 (HelmRelease
#                           only at v2beta1/v2beta2): the plugin must read what an older Flux
#                           serves; prints KP_OLDFLUX_* `export` lines
#   testenv.sh down         stop exactly what `up` started (by PID) and remove its state
#   testenv.sh env          print the `export` lines of a running control plane
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

# A wrapper's cache key: its go.sum, plus the files of any module of our own inside it (the Flux
# Operator wrapper's replacement package), so editing those rebuilds too.
key_of() {
    local dir=$here/go/$1
    { cat "$dir/go.sum"; find "$dir" -mindepth 2 -type f | LC_ALL=C sort | xargs -r cat; } | sha256sum | cut -c1-16
}
bin_dir() { echo "$cache_root/$1-$(key_of "$1")/bin"; }

k8s_ldflags() {
    local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
    local vf="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
    vf+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    vf+=" -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
    vf+=" -X k8s.io/component-base/version.gitTreeState=clean"
    echo "-s -w $vf"
}

# One Go wrapper module per tool set, so their dependency graphs never pull each other's versions.
build_k8s() {
    local out; out=$(bin_dir k8s)
    if [[ -x $out/kube-apiserver && -x $out/kubectl && -x $out/etcd ]]; then log "k8s binaries cached in $out"; return; fi
    mkdir -p "$out.tmp"
    local lf; lf=$(k8s_ldflags)
    (
        cd "$here/go/k8s"
        log "building kube-apiserver $K8S_VERSION (cold: tens of minutes on 2 cores)"
        go build -trimpath -tags notest -ldflags "$lf" -o "$out.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
        log "building kubectl"
        go build -trimpath -ldflags "$lf" -o "$out.tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
        log "building etcd"
        go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3
    )
    rm -rf "$out"; mv "$out.tmp" "$out"
    log "k8s binaries built into $out"
}

# kube-controller-manager and kube-scheduler come from the same wrapper (same version, same graph);
# only the real stack runs them, so plain `build` does not pay for them.
build_k8s_stack() {
    local out; out=$(bin_dir k8s)
    local b t0
    for b in kube-controller-manager kube-scheduler; do
        [[ -x $out/$b ]] && continue
        t0=$SECONDS
        log "building $b $K8S_VERSION"
        (cd "$here/go/k8s" && go build -trimpath -tags notest -ldflags "$(k8s_ldflags)" -o "$out/$b.tmp" "k8s.io/kubernetes/cmd/$b")
        mv "$out/$b.tmp" "$out/$b"
        log "$b built in $((SECONDS - t0))s"
    done
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

# build_tool WRAPPER BINARY PACKAGE [go build flags…]: one main package of a plain wrapper module.
build_tool() {
    local wrapper=$1 name=$2 pkg=$3; shift 3
    local out; out=$(bin_dir "$wrapper")
    if [[ -x $out/$name ]]; then log "$name cached in $out"; return; fi
    local t0=$SECONDS
    mkdir -p "$out.tmp"
    log "building $name ($pkg)"
    (cd "$here/go/$wrapper" && go build -trimpath "$@" -o "$out.tmp/$name" "$pkg")
    rm -rf "$out"; mv "$out.tmp" "$out"
    log "$name built in $((SECONDS - t0))s"
}

# The Flux Operator controller cannot be built from the module cache as is: web/embed.go embeds
# web/dist/*, the web UI that upstream builds with npm and leaves out of the module zip, and the
# module cache is read-only (go build -overlay refuses files under GOMODCACHE). So the build uses a
# writable copy of the module, made here in the cache (never in the repository), with a placeholder
# page, and a workspace that points the wrapper's requirement at that copy. The versions of every
# other module, and their hashes, still come from the wrapper's go.mod and go.sum. GOFIPS140=latest
# bakes fips140=on into the binary: the operator refuses to start outside FIPS 140-3 mode.
build_fluxop_controller() {
    local out; out=$(bin_dir flux-operator-controller)
    if [[ -x $out/flux-operator-controller ]]; then log "Flux Operator controller cached in $out"; return; fi
    local t0=$SECONDS wrapper=$here/go/flux-operator-controller mod=github.com/controlplaneio-fluxcd/flux-operator
    local ver dir src work
    ver=$(cd "$wrapper" && go list -m -f '{{.Version}}' "$mod")
    dir=$(cd "$wrapper" && go mod download -json "$mod@$ver" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    [[ -d $dir ]] || die "could not download $mod@$ver"
    work=$out.tmp/work; src=$work/flux-operator@$ver
    rm -rf "$out.tmp"; mkdir -p "$work"
    cp -r "$dir" "$src"; chmod -R u+w "$src"
    mkdir -p "$src/web/dist"
    echo '<!doctype html><title>Flux Operator test build: no web UI</title>' > "$src/web/dist/index.html"
    printf 'go 1.26.0\n\nuse %s\n\nreplace %s %s => %s\n' "$wrapper" "$mod" "$ver" "$src" > "$work/go.work"
    log "building the Flux Operator controller $ver (cmd/operator)"
    (cd "$wrapper" && GOWORK=$work/go.work GOFLAGS=-mod=readonly GOFIPS140=latest \
        go build -trimpath -ldflags "-s -w -X main.VERSION=${ver#v}" -o "$out.tmp/flux-operator-controller" "$mod/cmd/operator")
    rm -rf "$work"
    rm -rf "$out"; mv "$out.tmp" "$out"
    log "Flux Operator controller built in $((SECONDS - t0))s"
}

cmd_build() {
    build_k8s
    build_fluxop
    build_krew
}

# Flux's Makefiles build static binaries with these tags; so do we.
flux_tags=netgo,osusergo,static_build

cmd_build_stack() {
    cmd_build
    build_k8s_stack
    build_tool kwok kwok sigs.k8s.io/kwok/cmd/kwok -ldflags "-s -w"
    build_fluxop_controller
    build_tool source-controller source-controller github.com/fluxcd/source-controller -tags "$flux_tags" -ldflags "-s -w"
    build_tool kustomize-controller kustomize-controller github.com/fluxcd/kustomize-controller -tags "$flux_tags" -ldflags "-s -w"
}

# ---------------------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

alive() { [[ -f $state/$1.pid ]] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

is_stack() { [[ -f $state/stack ]]; }
is_old_flux() { [[ -f $state/old-flux ]]; }

# The namespace the Flux controllers and the operator consider theirs (RUNTIME_NAMESPACE).
runtime_ns=flux-system

env_lines() {
    if is_stack; then
        # Other names than the fixture control plane's, so both can be exported in one shell.
        cat <<EOF
export KP_STACK_DIR='$state'
export KP_STACK_BIN='$(bin_dir k8s)'
export KP_STACK_KUBECONFIG_ADMIN='$state/admin.kubeconfig'
export KP_STACK_KUBECONFIG_RESTRICTED='$state/restricted.kubeconfig'
export KP_STACK_AUDIT_LOG='$state/audit.log'
export KP_STACK_RUNTIME_NAMESPACE='$runtime_ns'
export KP_STACK_ARTIFACT_SERVER='http://127.0.0.1:$(cat "$state/source-storage.port")'
EOF
        return
    fi
    if is_old_flux; then
        cat <<EOF
export KP_OLDFLUX_DIR='$state'
export KP_OLDFLUX_KUBECONFIG_ADMIN='$state/admin.kubeconfig'
EOF
        return
    fi
    cat <<EOF
export KP_TESTENV_DIR='$state'
export KP_TEST_BIN='$(bin_dir k8s)'
export KP_TEST_KUBECONFIG_ADMIN='$state/admin.kubeconfig'
export KP_TEST_KUBECONFIG_RESTRICTED='$state/restricted.kubeconfig'
export KP_TEST_AUDIT_LOG='$state/audit.log'
EOF
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
    # A client certificate the API server trusts (same CA): user kp-cert-user, no rights, for
    # tests of --client-certificate/--client-key.
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=kp-cert-user" \
        -keyout "$p/client.key" -out "$p/client.csr" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > "$p/client.cnf"
    openssl x509 -req -in "$p/client.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
        -extfile "$p/client.cnf" -out "$p/client.crt" 2>/dev/null
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

# module_dir MODULE@VERSION SUM: the module's directory in the Go module cache, after checking its
# go.sum hash. Runs outside any module, so no wrapper's go.mod is touched.
module_dir() {
    local out dir got
    out=$(cd / && GOFLAGS=-mod=mod go mod download -json "$1")
    dir=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' <<<"$out"); got=$(sed -n 's/.*"Sum": "\(.*\)".*/\1/p' <<<"$out")
    [[ -n $dir ]] || die "could not download $1: $out"
    [[ $got == "$2" ]] || die "$1: go.sum hash $got does not match the lock file ($2)"
    echo "$dir"
}

install_crds() { # lock files…
    local kubectl=$(bin_dir k8s)/kubectl cfg=$state/admin.kubeconfig tmp; tmp=$(mktemp -d)
    local lock mv sum path dir
    for lock in "$@"; do
        while read -r mv sum path; do
            [[ -z $mv || $mv == \#* ]] && continue
            dir=$(module_dir "$mv" "$sum")
            crd_docs "$dir/$path" >> "$tmp/crds.yaml"
        done < "$lock"
    done
    "$kubectl" --kubeconfig "$cfg" apply --server-side --field-manager=testenv -f "$tmp/crds.yaml" >/dev/null
    # kubectl's wait fails at once on a CRD the API server has not given a status yet (a known
    # kubectl bug): that is retried, a timeout is not.
    local i
    for ((i = 0; i < 20; i++)); do
        "$kubectl" --kubeconfig "$cfg" wait --for condition=established --timeout=60s crd --all >/dev/null 2>"$tmp/wait.err" && break
        grep -q 'accessor error' "$tmp/wait.err" || { cat "$tmp/wait.err" >&2; die "CRDs not established"; }
        sleep 0.25
    done
    ((i < 20)) || die "CRDs not established: $(cat "$tmp/wait.err")"
    rm -rf "$tmp"
}

# The components of the real stack, each with its own token user, so the audit log can leave them
# out and keep only what tests and the plugin send. They are cluster admins: out of cluster, their
# RBAC is not what these tests are about. Flux's run as the service accounts they have in a real
# cluster.
stack_users=(
    "kube-controller-manager system:kube-controller-manager"
    "kube-scheduler system:kube-scheduler"
    "kwok kwok-controller"
    "flux-operator system:serviceaccount:$runtime_ns:flux-operator"
    "source-controller system:serviceaccount:$runtime_ns:source-controller"
    "kustomize-controller system:serviceaccount:$runtime_ns:kustomize-controller"
)

# start NAME COMMAND…: a process that outlives this shell (setsid); `down` stops it by PID, in the
# reverse order of $state/procs.
start() {
    local name=$1; shift
    setsid "$@" </dev/null >"$state/$name.log" 2>&1 &
    echo $! > "$state/$name.pid"
    echo "$name" >> "$state/procs"
}

# wait_for WHAT SECONDS PROCESS COMMAND…: polls COMMAND until it succeeds; fails when PROCESS exits.
wait_for() {
    local what=$1 secs=$2 proc=$3 i; shift 3
    for ((i = 0; i < secs * 4; i++)); do
        alive "$proc" || { tail -20 "$state/$proc.log" >&2; die "$proc exited while waiting for $what"; }
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    tail -20 "$state/$proc.log" >&2; die "$what: not after ${secs}s"
}

start_control_plane() {
    local bin; bin=$(bin_dir k8s)
    gen_pki
    local admin_token restricted_token
    admin_token=$(openssl rand -hex 24); restricted_token=$(openssl rand -hex 24)
    printf '%s,admin,uid-admin,"system:masters"\n%s,restricted,uid-restricted\n' "$admin_token" "$restricted_token" > "$state/tokens.csv"
    # The audit log lets tests count the requests a command really sends (one line per request).
    local skip= u name user
    if is_stack; then
        for u in "${stack_users[@]}"; do
            read -r name user <<<"$u"
            printf '%s,%s,uid-%s,"system:masters"\n' "$(openssl rand -hex 24)" "$user" "$name" >> "$state/tokens.csv"
            skip+="\"$user\","
        done
        skip="- level: None
  users: [${skip%,}]
"
    fi
    printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n%s- level: Metadata\n' "$skip" > "$state/audit-policy.yaml"
    # Without kube-controller-manager nothing creates ServiceAccounts, so the fixture control plane
    # turns their admission off (as envtest does); the stack keeps it on, as a real cluster does.
    local admission=--disable-admission-plugins=ServiceAccount
    if is_stack; then admission=--enable-admission-plugins=ServiceAccount; fi
    local ep pp ap; ep=$(free_port); pp=$(free_port); ap=$(free_port)
    echo "$ap" > "$state/apiserver.port"
    start etcd "$bin/etcd" --name=testenv --data-dir="$state/etcd" \
        --listen-client-urls="http://127.0.0.1:$ep" --advertise-client-urls="http://127.0.0.1:$ep" \
        --listen-peer-urls="http://127.0.0.1:$pp" --initial-advertise-peer-urls="http://127.0.0.1:$pp" \
        --initial-cluster="testenv=http://127.0.0.1:$pp" --unsafe-no-fsync --log-level=error
    start apiserver "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$ep" \
        --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$ap" \
        --tls-cert-file="$state/pki/serving.crt" --tls-private-key-file="$state/pki/serving.key" \
        --client-ca-file="$state/pki/ca.crt" \
        --token-auth-file="$state/tokens.csv" --authorization-mode=RBAC \
        --service-cluster-ip-range=10.96.0.0/16 --service-account-issuer="https://127.0.0.1:$ap" \
        --service-account-key-file="$state/pki/sa.key" --service-account-signing-key-file="$state/pki/sa.key" \
        "$admission" --allow-privileged=true \
        --endpoint-reconciler-type=none --enable-priority-and-fairness=false \
        --audit-policy-file="$state/audit-policy.yaml" --audit-log-path="$state/audit.log" \
        --audit-log-format=json --audit-log-mode=blocking
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
}

# KWOK plays the kubelet: it keeps its fake nodes Ready (status and Lease heartbeats) and moves
# their pods through stages. It reads the stages from Stage objects (--enable-crds=Stage), so tests
# and the demo can add their own while it runs (testkit's failing images). The base stages are
# KWOK's own, read from its module in the Go module cache (never copied here) and created as
# objects: node-initialize, node-heartbeat-with-lease, and the "fast" pod stages: pod-ready (a
# scheduled pod goes Running and Ready), pod-complete (a Job's pod succeeds) and pod-delete (a
# deleted pod goes away, as a kubelet lets it).
kwok_stages() {
    local mv sum dir f
    read -r mv sum < <(cd "$here/go/kwok" && go list -m -f '{{.Path}}@{{.Version}} {{.Sum}}' sigs.k8s.io/kwok)
    dir=$(module_dir "$mv" "$sum")
    for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
        pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
        echo "---"; cat "$dir/kustomize/stage/$f.yaml"
    done
}

# Fake nodes, each with KWOK's default capacity (1000 CPUs, 1 TiB, a million pods).
stack_nodes=2

start_stack() {
    local kbin k; kbin=$(bin_dir k8s)
    local kubectl=("$kbin/kubectl" --kubeconfig "$state/admin.kubeconfig")
    local u name user token
    for u in "${stack_users[@]}"; do
        read -r name user <<<"$u"
        token=$(awk -F, -v u="$user" '$2 == u { print $1 }' "$state/tokens.csv")
        write_kubeconfig "$name" "$token" "$state/$name.kubeconfig"
    done
    "${kubectl[@]}" create namespace "$runtime_ns" >/dev/null

    start kube-controller-manager "$kbin/kube-controller-manager" --kubeconfig="$state/kube-controller-manager.kubeconfig" \
        --leader-elect=false --bind-address=127.0.0.1 --secure-port=0 \
        --service-account-private-key-file="$state/pki/sa.key" --root-ca-file="$state/pki/ca.crt" \
        --use-service-account-credentials=false --cluster-name=kubectl-preview-stack
    start kube-scheduler "$kbin/kube-scheduler" --kubeconfig="$state/kube-scheduler.kubeconfig" \
        --leader-elect=false --bind-address=127.0.0.1 --secure-port=0
    kwok_stages | "${kubectl[@]}" apply -f - >/dev/null
    # KWOK also serves the kubelet's containerLogs endpoint, so pods/log (`kubectl logs [-f]`) works:
    # it streams the file a Logs or ClusterLogs object names for the pod's container (CRI log
    # format). It listens on a loopback port and writes it into its nodes' status
    # (daemonEndpoints.kubeletEndpoint.Port), where the API server looks for the kubelet. It manages
    # only the nodes annotated as its own, so a test may add a node whose kubelet it serves itself.
    local kp; kp=$(free_port)
    start kwok "$(bin_dir kwok)/kwok" --kubeconfig="$state/kwok.kubeconfig" --enable-crds=Stage,Logs,ClusterLogs \
        --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --node-lease-duration-seconds=40 \
        --cidr=10.244.0.0/16 --node-ip=127.0.0.1 --node-port="$kp" --server-address="127.0.0.1:$kp"
    for ((k = 0; k < stack_nodes; k++)); do
        "${kubectl[@]}" apply -f - >/dev/null <<N
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$k
  annotations: {node.alpha.kubernetes.io/ttl: "0", kwok.x-k8s.io/node: fake}
  labels: {type: kwok, kubernetes.io/os: linux, kubernetes.io/arch: amd64, kubernetes.io/hostname: kwok-node-$k}
N
    done

    # The Flux controllers and the operator, out of cluster: no leader election, no metrics or
    # health servers (address 0 turns them off), no events receiver (Kubernetes Events only).
    mkdir -p "$state/operator-storage" "$state/source-storage"
    local sp; sp=$(free_port); echo "$sp" > "$state/source-storage.port"
    start flux-operator env KUBECONFIG="$state/flux-operator.kubeconfig" RUNTIME_NAMESPACE="$runtime_ns" \
        "$(bin_dir flux-operator-controller)/flux-operator-controller" \
        --enable-leader-election=false --metrics-addr=0 --health-addr=0 --web-server-port=0 \
        --storage-path="$state/operator-storage"
    # The artifact server listens on loopback and advertises that address, so kustomize-controller
    # (and tests) fetch what source-controller stores.
    start source-controller env KUBECONFIG="$state/source-controller.kubeconfig" RUNTIME_NAMESPACE="$runtime_ns" \
        "$(bin_dir source-controller)/source-controller" \
        --enable-leader-election=false --metrics-addr=0 --health-addr=0 --events-addr= \
        --storage-path="$state/source-storage" --storage-addr="127.0.0.1:$sp" --storage-adv-addr="127.0.0.1:$sp"
    # ExternalArtifact sources (an artifact any server stores, here the tests) are behind a feature
    # gate in kustomize-controller v1.9.
    start kustomize-controller env KUBECONFIG="$state/kustomize-controller.kubeconfig" RUNTIME_NAMESPACE="$runtime_ns" \
        "$(bin_dir kustomize-controller)/kustomize-controller" \
        --enable-leader-election=false --metrics-addr=0 --health-addr=0 --events-addr= \
        --no-remote-bases=true --feature-gates=ExternalArtifact=true

    # Up when: the nodes are Ready (KWOK), the default ServiceAccount exists (the controller
    # manager's controllers run), and each Flux controller has started the workers of its main
    # controller (its caches have synced: its watches are established).
    wait_for "fake nodes Ready" 60 kwok "${kubectl[@]}" wait --for=condition=Ready --timeout=1s node --all
    wait_for "the default ServiceAccount" 60 kube-controller-manager "${kubectl[@]}" get serviceaccount default -n default
    wait_for "Flux Operator workers" 60 flux-operator grep -q '"Starting workers".*"controller":"resourceset"' "$state/flux-operator.log"
    wait_for "source-controller workers" 60 source-controller grep -q '"Starting workers".*"controller":"gitrepository"' "$state/source-controller.log"
    wait_for "kustomize-controller workers" 60 kustomize-controller grep -q '"Starting workers".*"controller":"kustomization"' "$state/kustomize-controller.log"
    alive kube-scheduler || { tail -20 "$state/kube-scheduler.log" >&2; die "kube-scheduler exited"; }
}

cmd_up() {
    local stack= old_flux=
    case ${1:-} in
        --stack) stack=1 ;;
        --old-flux) old_flux=1 ;;
        '') ;;
        *) die "unknown option $1 (usage: up [--stack | --old-flux])" ;;
    esac
    if alive apiserver && alive etcd; then
        if [[ -n $stack ]] && ! is_stack; then die "$state holds a fixture control plane, not the stack"; fi
        if [[ -z $stack ]] && is_stack; then die "$state holds the stack, not a fixture control plane"; fi
        log "already running ($state)"; env_lines; return
    fi
    [[ -d $state ]] && cmd_down_quiet
    if [[ -n $stack ]]; then cmd_build_stack; else build_k8s; fi
    mkdir -p "$state"; chmod 700 "$state"
    if [[ -n $stack ]]; then touch "$state/stack"; fi
    if [[ -n $old_flux ]]; then touch "$state/old-flux"; fi
    local t0=$SECONDS
    start_control_plane
    if [[ -n $stack ]]; then
        install_crds "$here/crds.lock" "$here/stack-crds.lock"
        log "API server ready, CRDs installed in $((SECONDS - t0))s; starting the controllers"
        start_stack
    elif [[ -n $old_flux ]]; then
        install_crds "$here/crds-flux-2.2.lock"
    else
        install_crds "$here/crds.lock"
    fi
    env_lines > "$state/env"
    log "up in $((SECONDS - t0))s: https://127.0.0.1:$(cat "$state/apiserver.port") (state in $state)"
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

# Stops what `up` started, the last started first (controllers, then the API server, etcd last).
cmd_down_quiet() {
    local name
    if [[ -f $state/procs ]]; then
        while read -r name; do stop_pid "$name"; done < <(tac "$state/procs")
    fi
    stop_pid apiserver; stop_pid etcd
    rm -rf "$state"
}
cmd_down() { cmd_down_quiet; log "down ($state removed)"; }

cmd_env() {
    alive apiserver || die "not running: run '$0 up' first"
    env_lines
}

case "${1:-}" in
    build) cmd_build ;;
    build-stack) cmd_build_stack ;;
    up) shift; cmd_up "$@" ;;
    down) cmd_down ;;
    env) cmd_env ;;
    *) echo "usage: $0 build|build-stack|up [--stack]|down|env" >&2; exit 2 ;;
esac
