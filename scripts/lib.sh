# Shared by scripts/demo and scripts/test: installs what a brand-new machine lacks.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ensure_tools() {
    local missing=()
    for tool in openssl curl python3 awk setsid tmux git; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        echo "installing missing tools: ${missing[*]}" >&2
        local pkgs=()
        for tool in "${missing[@]}"; do
            case $tool in
                setsid) pkgs+=(util-linux) ;;
                awk) pkgs+=(gawk) ;;
                *) pkgs+=("$tool") ;;
            esac
        done
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
    fi
    for tool in go cargo; do
        command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is required (Go >= 1.26 and Rust >= 1.89)" >&2; exit 1; }
    done
}
