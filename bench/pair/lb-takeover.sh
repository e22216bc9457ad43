#!/usr/bin/env bash
# bench/pair/lb-takeover.sh: the comparison for bench/pair.md: what an office gets from two Linux
# load balancers with keepalived between them instead of two boxes. Two namespaces (the LBs) on
# an office LAN (a Linux bridge) and a server network (another bridge); the VIP is keepalived's
# (VRRPv3, one instance on the LAN, both LBs state BACKUP priority 100, advert_int as the pair
# lab's); each LB DNATs the VIP's UDP port 7 to the master server's echo and masquerades (nftables),
# so the answers return through the LB that forwarded. Per run and fault, a 1 kHz UDP stream of
# 64-byte datagrams from the client to the VIP for 6 s, the fault 2 s in on the MASTER LB:
#   power-loss    its links down, its keepalived killed; then links up, keepalived started
#   crash         its keepalived killed (SIGKILL: the VIP stays on its LAN port); then started again
#   lan-cut       its LAN link cut, the LB alive (a single VRRP path: the other LB takes over);
#   lan-return    in a second stream, the link joined again 2 s in
#   handover      keepalived stopped on it (SIGTERM: it sends priority 0), the way to move the
#                 VIP by hand; then started again
#
#   bench/pair/lb-takeover.sh [RUNS] [FAULT...]   (default 10, every fault). Root; 198.19.246.0/24
#   and 198.19.247.0/24 only; cleans up. One line per run and fault, as bench/pair/lab-faults.sh.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
runs=${1:-10}
shift || true
faults=("$@"); ((${#faults[@]})) || faults=(power-loss crash lan-cut handover)
advert_int=${PAIR_ADVERT_INT:-0.01}
# shellcheck source-path=SCRIPTDIR source=stream.sh
source "$repo/bench/pair/stream.sh"
lan=198.19.246 srv=198.19.247 vip=198.19.246.100
P=lbt
stream=("$P-client" "$vip:7")   # measure and answering: from the client to the VIP's echo
d=$(mktemp -d /tmp/lb-takeover.XXXXXX)
all_ns=("$P-lan" "$P-srv" "$P-a" "$P-b" "$P-client" "$P-master" "$P-slave")

cleanup() {
    local ns p
    for ns in "${all_ns[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$d"
}
trap cleanup EXIT
trap "exit 1" INT TERM
[[ -x $labtool ]] || { echo "no labtool at $labtool: tools/lab pair up builds it" >&2; exit 2; }
cleanup; d=$(mktemp -d /tmp/lb-takeover.XXXXXX)

num() { case $1 in a) echo 6 ;; b) echo 7 ;; client) echo 10 ;; master) echo 1 ;; slave) echo 2 ;; esac; }
keepalived_conf() { # lb
    cat <<CONF
global_defs {
    router_id $P-$1
    notify_fifo $d/$1.fifo
    vrrp_garp_master_delay 0
    vrrp_garp_master_repeat 1
}
vrrp_instance vip {
    state BACKUP
    interface lan
    virtual_router_id 246
    priority 100
    advert_int $advert_int
    version 3
    virtual_ipaddress { $vip/24 dev lan }
}
CONF
}
keepalived_start() { # lb
    rm -f "$d/$1.pid" "$d/$1-vrrp.pid"
    (ip netns exec "$P-$1" keepalived -f "$d/$1.conf" -p "$d/$1.pid" -r "$d/$1-vrrp.pid" -n -l -D >"$d/$1.log" 2>&1 &)
}
keepalived_kill() { # lb signal
    local pid
    for pid in $(cat "$d/$1-vrrp.pid" "$d/$1.pid" 2>/dev/null); do kill "-$2" "$pid" 2>/dev/null || true; done
    if [[ $2 == TERM ]]; then
        local t
        for ((t = 0; t < 50; t++)); do [[ -n $(ip netns pids "$P-$1") ]] || break; sleep 0.1; done
    fi
}

build() {
    local ns
    for ns in "${all_ns[@]}"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
    ip -n "$P-lan" link add sw type bridge; ip -n "$P-lan" link set sw up
    ip -n "$P-srv" link add sw type bridge; ip -n "$P-srv" link set sw up
    local h
    for h in a b client; do
        ip link add lan netns "$P-$h" type veth peer name "p$h" netns "$P-lan"
        ip -n "$P-lan" link set "p$h" master sw up
        ip -n "$P-$h" addr add "$lan.$(num "$h")/24" dev lan
        ip -n "$P-$h" link set lan up
    done
    for h in a b master slave; do
        ip link add srv netns "$P-$h" type veth peer name "p$h" netns "$P-srv"
        ip -n "$P-srv" link set "p$h" master sw up
        ip -n "$P-$h" addr add "$srv.$(num "$h")/24" dev srv
        ip -n "$P-$h" link set srv up
    done
    for h in master slave; do
        (ip netns exec "$P-$h" "$labtool" udp-echo --name "$h" --port 7 >/dev/null 2>&1 &)
    done
    for h in a b; do
        ip netns exec "$P-$h" sysctl -qw net.ipv4.ip_forward=1
        ip netns exec "$P-$h" nft -f - <<NFT
table ip lb {
    chain pre { type nat hook prerouting priority -100; ip daddr $vip udp dport 7 dnat to $srv.1; }
    chain post { type nat hook postrouting priority 100; oifname "srv" masquerade; }
}
NFT
        keepalived_conf "$h" >"$d/$h.conf"
        mkfifo "$d/$h.fifo"
        keepalived_start "$h"
    done
}

master_lb() { # the LB holding the VIP while the other does not, after at most 20 s; empty if none
    local t a b
    for ((t = 0; t < 100; t++)); do
        a=$(ip -n "$P-a" -o addr show dev lan | grep -c "$vip/" || true)
        b=$(ip -n "$P-b" -o addr show dev lan | grep -c "$vip/" || true)
        if [[ $a == 1 && $b == 0 ]]; then echo a; return; fi
        if [[ $b == 1 && $a == 0 ]]; then echo b; return; fi
        sleep 0.2
    done
    echo "no single master LB after 20 s (VIP on a: $a, on b: $b)" >&2
}

power_off() { ip -n "$P-$1" link set lan down; ip -n "$P-$1" link set srv down; keepalived_kill "$1" KILL; }
power_on() {
    ip -n "$P-$1" link set lan up; ip -n "$P-$1" link set srv up
    # The VIP a killed keepalived left behind goes with the power.
    ip -n "$P-$1" addr del "$vip/24" dev lan 2>/dev/null || true
    ip netns exec "$P-$1" conntrack -F >/dev/null 2>&1 || true
    keepalived_start "$1"
}

build
echo "# keepalived $(keepalived -v 2>&1 | head -1 | awk '{print $2}') between two Linux LBs (nftables DNAT + masquerade), $(nproc) cores, kernel $(uname -r), advert_int $advert_int, $(date -u +%Y-%m-%dT%H:%MZ)"
for ((r = 1; r <= runs; r++)); do
    for fault in "${faults[@]}"; do
        m=$(master_lb)
        [[ -n $m ]] || exit 1
        answering "${stream[@]}" || exit 1
        sleep 0.5
        case $fault in
            power-loss)
                echo "power-loss run $r lb $m: $(measure "${stream[@]}" "$d/s" power_off "$m")"
                power_on "$m" ;;
            crash)
                echo "crash run $r lb $m: $(measure "${stream[@]}" "$d/s" keepalived_kill "$m" KILL)"
                # Restarted, keepalived removes the address it left and comes up as BACKUP.
                keepalived_start "$m" ;;
            lan-cut)
                echo "lan-cut run $r lb $m: $(measure "${stream[@]}" "$d/s" ip -n "$P-$m" link set lan down)"
                echo "lan-return run $r lb $m: $(measure "${stream[@]}" "$d/s" ip -n "$P-$m" link set lan up)" ;;
            handover)
                echo "handover run $r lb $m: $(measure "${stream[@]}" "$d/s" keepalived_kill "$m" TERM)"
                keepalived_start "$m" ;;
            *) echo "unknown fault $fault" >&2; exit 2 ;;
        esac
    done
done
