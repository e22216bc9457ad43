#!/usr/bin/env bash
# bench/pair/lab-faults.sh: each fault of issue 17 on the pair lab (tools/lab pair), with both
# firmwares and keepalived running. Per run and fault, a 1 kHz UDP stream of 64-byte datagrams from
# the client to the VIP's echo (labtool udp-stream) for 6 s, the fault injected 2 s in on the box
# that is active at that moment; the VIP's longest silence and the datagrams lost. Faults:
#   power-loss    the active box powered off (tools/lab pair power-off: its switch's ports and the
#                 peer cable down, its firmware and keepalived killed); then powered on (standby)
#   crash         the active box's firmware killed (SIGKILL); then started again
#   peer-cable    the peer cable cut; then joined again
#   both-paths    the active box's office port and the peer cable cut, the box alive (the other
#                 box takes over: both active); then
#   both-return   in a second stream, both paths joined again 2 s in (one box stands by)
#   handover      POST /api/pair/handover on the active box (manual failback between boxes), when
#                 the firmware has that endpoint
# Each fault is undone and the pair back to one active and one standby box before the next.
#
#   bench/pair/lab-faults.sh [RUNS] [FAULT...]    (default 10, every fault; the pair lab must be up,
#                                                  both boxes started). One line per run and fault:
#   "FAULT run N box X: silent G ms, lost L of S" (G "end" when the VIP was silent to the stream's end)
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
name=${LAB_NAME:-pair} net=${LAB_NET:-198.19.200}
runs=${1:-10}
shift || true
faults=("$@"); ((${#faults[@]})) || faults=(power-loss crash peer-cable both-paths handover)
# shellcheck source-path=SCRIPTDIR source=stream.sh
source "$repo/bench/pair/stream.sh"
stream=("$name-client" "$net.100:7")   # measure and answering: from the client to the VIP's echo
lab="$repo/tools/lab"
state=/run/appliance-lab/$name
out=$(mktemp -d /tmp/pair-faults.XXXXXX)
trap 'rm -rf "$out"' EXIT

mgmt() { echo "$net.$([[ $1 == a ]] && echo 6 || echo 7)"; }
other() { [[ $1 == a ]] && echo b || echo a; }
api() { # box method path [curl args...]
    local box=$1 method=$2 path=$3
    shift 3
    ip netns exec "$name-box$box" curl -s -m 2 -X "$method" "$@" "http://$(mgmt "$box"):8080$path"
}
role_of() { api "$1" GET /api/status | jq -r '.pair.role // "unreachable"' 2>/dev/null || echo unreachable; }

# The box that is active while the other stands by, after at most 30 s; empty if none.
settled() {
    local t a b
    for ((t = 0; t < 150; t++)); do
        a=$(role_of a) b=$(role_of b)
        if [[ $a == active && $b == standby ]]; then echo a; return; fi
        if [[ $b == active && $a == standby ]]; then echo b; return; fi
        sleep 0.2
    done
    echo "no clean active/standby pair after 30 s (a $a, b $b)" >&2
}

cut_both() { ip link set "$name-$1"4 down; ip -n "$name-box$1" link set peer down; }
join_both() { ip link set "$name-$1"4 up; ip -n "$name-box$1" link set peer up; }
handover() { api "$1" POST /api/pair/handover -H "Authorization: Bearer $(cat "$state/box$1/api.token")" >"$out/handover.json" || true; }

has_handover() { # a POST without the token: 401 when the endpoint exists, 404 when it does not
    local box=$1 code
    code=$(ip netns exec "$name-box$box" curl -s -o /dev/null -w '%{http_code}' -m 2 -X POST "http://$(mgmt "$box"):8080/api/pair/handover")
    [[ $code != 404 ]]
}

echo "# pair lab $name, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r), advert_int $(awk '/advert_int/ {print $2; exit}' "$state/boxa/keepalived.conf"), $(date -u +%Y-%m-%dT%H:%MZ)"
for ((r = 1; r <= runs; r++)); do
    for fault in "${faults[@]}"; do
        active=$(settled)
        [[ -n $active ]] || exit 1
        answering "${stream[@]}" || exit 1
        sleep 0.5
        case $fault in
            power-loss)
                echo "power-loss run $r box $active: $(measure "${stream[@]}" "$out/s" "$lab" pair power-off "$active" --name "$name")"
                "$lab" pair power-on "$active" --name "$name" >/dev/null ;;
            crash)
                echo "crash run $r box $active: $(measure "${stream[@]}" "$out/s" "$lab" pair stop "$active" --name "$name")"
                "$lab" pair start "$active" --name "$name" >/dev/null ;;
            peer-cable)
                echo "peer-cable run $r box $active: $(measure "${stream[@]}" "$out/s" ip -n "$name-box$active" link set peer down)"
                ip -n "$name-box$active" link set peer up ;;
            both-paths)
                echo "both-paths run $r box $active: $(measure "${stream[@]}" "$out/s" cut_both "$active")"
                echo "both-return run $r box $active: $(measure "${stream[@]}" "$out/s" join_both "$active")" ;;
            handover)
                if ! has_handover "$active"; then echo "handover run $r box $active: not built"; continue; fi
                echo "handover run $r box $active: $(measure "${stream[@]}" "$out/s" handover "$active")" ;;
            *) echo "unknown fault $fault" >&2; exit 2 ;;
        esac
    done
done
