#!/usr/bin/env bash
# bench/pair/vrrp-takeover.sh: how fast keepalived's VRRPv3 moves mastership between two boxes'
# control planes, for the design choice in docs/pair.md. Measures keepalived alone (no switch, no
# firmware): two namespaces (the boxes) joined by two paths, a LAN (a Linux bridge in a third
# namespace, standing in for the office switch) and a peer cable (a veth), one VRRP instance per
# path. Each box's notify_fifo is read and time-stamped; a fault is injected at a time-stamp.
#
#   bench/pair/vrrp-takeover.sh [ADVERT_INT...]     (default: 0.01 0.02 0.05; 10 runs each)
# Faults per run: "power" (box A's links down and its keepalived killed) -> B master on both
# paths; "cable" (the peer cable cut) -> B master on the peer path only, still backup on the LAN.
# Prints one line per run and a median per advert_int. Root; 198.19.251.0/24 only; cleans up.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
runs=${RUNS:-10}
ints=("$@"); ((${#ints[@]})) || ints=(0.01 0.02 0.05)
d=$(mktemp -d /tmp/vrrp-takeover.XXXXXX)
A=vt-a B=vt-b L=vt-lan

cleanup() {
    local ns p
    for ns in $A $B $L; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    jobs -p | xargs -r kill 2>/dev/null || true
    rm -rf "$d"
}
trap cleanup EXIT
trap "exit 1" INT TERM
[[ -n ${KEEP:-} ]] && trap - EXIT
cleanup; d=$(mktemp -d /tmp/vrrp-takeover.XXXXXX)

build() {
    ip netns add $A; ip netns add $B; ip netns add $L
    ip -n $L link add sw type bridge; ip -n $L link set sw up
    local ns n=1
    for ns in $A $B; do
        ip -n "$ns" link set lo up
        ip link add lan netns "$ns" type veth peer name "p$n" netns $L
        ip -n $L link set "p$n" master sw up
        ip -n "$ns" addr add "198.19.251.$n/24" dev lan
        ip -n "$ns" link set lan up
        n=$((n + 1))
    done
    ip link add peer netns $A type veth peer name peer netns $B
    ip -n $A addr add 198.19.251.129/30 dev peer; ip -n $A link set peer up
    ip -n $B addr add 198.19.251.130/30 dev peer; ip -n $B link set peer up
}

conf() { # box priority advert_int
    cat <<CONF
global_defs {
    router_id box-$1
    notify_fifo $d/$1.fifo
    vrrp_garp_master_delay 0
    vrrp_garp_master_repeat 1
}
# The active box raises its priority by writing 50 here (the firmware does on the box); both
# paths then elect the same box, and a returning box (file reset to 0) does not preempt.
vrrp_track_file active {
    file $d/$1.active
    weight 1
    init_file 0
}
vrrp_instance lan {
    state BACKUP
    interface lan
    virtual_router_id 71
    priority $2
    advert_int $3
    version 3
    track_file { active }
    # keepalived needs an address to own; the VIP itself is the switch's business, so a
    # host-scoped marker on lo, the same on both boxes (adverts carry it).
    virtual_ipaddress { 198.19.251.201/32 dev lo scope host }
}
vrrp_instance peer {
    state BACKUP
    interface peer
    virtual_router_id 72
    priority $2
    advert_int $3
    version 3
    track_file { active }
    # keepalived needs an address to own; the VIP itself is the switch's business, so a
    # host-scoped marker on lo, the same on both boxes (adverts carry it).
    virtual_ipaddress { 198.19.251.202/32 dev lo scope host }
}
CONF
}

start() { # box ns priority advert_int
    conf "$1" "$3" "$4" >"$d/$1.conf"
    echo "${ACTIVE_BONUS:-0}" >"$d/$1.active"
    rm -f "$d/$1.fifo"; mkfifo "$d/$1.fifo"
    # Reader: one time-stamped line per notification.
    (while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done <"$d/$1.fifo" >>"$d/$1.log") &
    ip netns exec "$2" keepalived -n -l -P -f "$d/$1.conf" -p "$d/$1.pid" -r "$d/$1.vrrp.pid" >"$d/$1.out" 2>&1 &
    echo $! >"$d/$1.main"
}

state_of() { # box instance -> last state written for it
    grep "INSTANCE \"$2\"" "$d/$1.log" 2>/dev/null | tail -1 | awk '{print $4}'
}
wait_state() { # box instance state timeout_s
    local t
    for ((t = 0; t < $4 * 100; t++)); do
        [[ $(state_of "$1" "$2") == "$3" ]] && return 0
        sleep 0.01
    done
    return 1
}
# Time-stamp of the first line after T0 that says INSTANCE state.
first_after() { # box instance state t0
    grep "INSTANCE \"$2\" $3" "$d/$1.log" | awk -v t0="$4" '$1 >= t0 {print $1; exit}'
}

stop_all() {
    local b
    for b in a b; do
        [[ -e $d/$b.main ]] && kill -9 "$(cat "$d/$b.main")" 2>/dev/null || true
        for f in "$d/$b.pid" "$d/$b.vrrp.pid"; do [[ -e $f ]] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
    done
    sleep 0.2
    for p in $(ip netns pids $A) $(ip netns pids $B); do kill -9 "$p" 2>/dev/null || true; done
    jobs -p | xargs -r kill 2>/dev/null || true
    wait 2>/dev/null || true
    [[ -n ${KEEP:-} ]] && cp -r "$d" "$d.kept.$RANDOM"
    rm -f "$d"/*
}

echo "# keepalived $(keepalived --version 2>&1 | head -1 | awk '{print $2}'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
for ai in "${ints[@]}"; do
    power=() cable=()
    for ((r = 1; r <= runs; r++)); do
        build 2>/dev/null || true
        ACTIVE_BONUS=50 start a $A 100 "$ai"; wait_state a lan MASTER 5; wait_state a peer MASTER 5
        start b $B 100 "$ai"; wait_state b lan BACKUP 5; wait_state b peer BACKUP 5
        sleep 0.3
        # Peer cable cut: both ends lose carrier, so both boxes' peer instances go to FAULT (not
        # MASTER); B must stay backup on the LAN.
        t0=$EPOCHREALTIME
        ip -n $A link set peer down
        wait_state b peer FAULT 3 || true
        sleep 0.5
        cut="B peer $(state_of b peer), lan $(state_of b lan); A peer $(state_of a peer), lan $(state_of a lan)"
        ip -n $A link set peer up
        wait_state b peer BACKUP 3 || true   # A (higher priority, master) is heard again
        sleep 0.3
        # Power loss of A: every link down and keepalived killed at once. B's peer instance goes to
        # FAULT (no carrier), its LAN instance to MASTER once A's adverts stop.
        t0=$EPOCHREALTIME
        ip -n $A link set lan down; ip -n $A link set peer down
        kill -9 "$(cat "$d/a.vrrp.pid")" "$(cat "$d/a.pid")" 2>/dev/null || true
        wait_state b lan MASTER 3 || true
        tl=$(first_after b lan MASTER "$t0")
        pm=$(awk -v a="$tl" -v b="$t0" 'BEGIN{printf "%.1f", (a-b)*1000}')
        echo "advert_int $ai run $r: power loss -> B lan MASTER after $pm ms (B peer $(state_of b peer)); cable cut -> $cut; B's notifications before the faults: $(awk '$1 < '"$t0"' {printf "%s/%s ", $3, $4}' "$d/b.log")"
        power+=("$pm")
        stop_all
        for ns in $A $B $L; do ip netns del $ns; done
    done
    med=$(printf '%s\n' "${power[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}')
    echo "advert_int $ai: power-loss takeover median $med ms (min $(printf '%s\n' "${power[@]}" | sort -n | head -1), max $(printf '%s\n' "${power[@]}" | sort -n | tail -1), $runs runs)"
done
