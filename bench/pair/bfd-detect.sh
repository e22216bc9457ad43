#!/usr/bin/env bash
# bench/pair/bfd-detect.sh: how fast Open vSwitch's own BFD sees a dead peer, for the design choice
# in docs/pair.md (VRRPv3 or BFD; the VRRP side is bench/pair/vrrp-takeover.sh). Measures
# ovs-vswitchd alone (no firmware): two OVS bridges (datapath_type=netdev, as the product) stand
# for the two boxes, a Linux bridge for the LAN, each box joined to it by a veth; BFD on each box's
# LAN-facing port. Box A's death: A's veth end on the LAN bridge set down, so B's port keeps its
# carrier and only BFD can tell. Time from that time-stamp until `ovsdb-client monitor` prints
# B's interface with bfd_status state=down (each line stamped with bash's $EPOCHREALTIME as it is
# read; includes vswitchd's database update and the monitor's pipe).
#
#   bench/pair/bfd-detect.sh [MIN_TX_MS...]    (default: 10 20 50 100; 10 runs each, RUNS=n)
# min_rx = min_tx; detect multiplier 3 (OVS's fixed value). Root; only 198.18.251.0/30 (BFD
# source/destination addresses); every name starts with "bfdt"; cleans up on exit.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
runs=${RUNS:-10}
ints=("$@"); ((${#ints[@]})) || ints=(10 20 50 100)
d=$(mktemp -d /tmp/bfdt.XXXXXX)
BA=bfdt-a BB=bfdt-b LAN=bfdtlan
PA=bfdta0 PB=bfdtb0        # the boxes' LAN-facing ports (OVS)
LA=bfdta1 LB=bfdtb1        # their other ends, on the LAN bridge
mon=

cleanup() {
    [[ -n $mon ]] && kill "$mon" 2>/dev/null || true
    jobs -p | xargs -r kill 2>/dev/null || true
    ovs-vsctl --if-exists del-br $BA -- --if-exists del-br $BB 2>/dev/null || true
    local l
    for l in $PA $PB $LAN; do ip link del "$l" 2>/dev/null || true; done
    rm -rf "$d"
}
trap cleanup EXIT
trap "exit 1" INT TERM

build() { # min_tx_ms
    ip link add $LAN type bridge stp_state 0 forward_delay 0
    ip link set $LAN up
    ip link add $PA type veth peer name $LA
    ip link add $PB type veth peer name $LB
    local l
    for l in $LA $LB; do ip link set "$l" master $LAN; ip link set "$l" up; done
    ip link set $PA up; ip link set $PB up
    ovs-vsctl -- add-br $BA -- set bridge $BA datapath_type=netdev fail_mode=secure \
              -- add-port $BA $PA \
              -- add-br $BB -- set bridge $BB datapath_type=netdev fail_mode=secure \
              -- add-port $BB $PB
    ovs-vsctl set interface $PA bfd:enable=true bfd:min_tx="$1" bfd:min_rx="$1" \
                  bfd:bfd_src_ip=198.18.251.1 bfd:bfd_dst_ip=198.18.251.2 \
              -- set interface $PB bfd:enable=true bfd:min_tx="$1" bfd:min_rx="$1" \
                  bfd:bfd_src_ip=198.18.251.2 bfd:bfd_dst_ip=198.18.251.1
}
teardown() {
    ovs-vsctl --if-exists del-br $BA -- --if-exists del-br $BB
    ip link del $PA 2>/dev/null || true; ip link del $PB 2>/dev/null || true; ip link del $LAN
}

state() { ovs-vsctl get interface "$1" bfd_status:state 2>/dev/null | tr -d '"' || true; }
wait_up() { # timeout_s: both ends up
    local t
    for ((t = 0; t < $1 * 100; t++)); do
        [[ $(state $PA) == up && $(state $PB) == up ]] && return 0
        sleep 0.01
    done
    return 1
}

echo "# $(ovs-vswitchd --version | head -1), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r), $(date -u +%FT%TZ)"
echo "# clock: bash \$EPOCHREALTIME (µs) stamped on each ovsdb-client monitor line as read"
for ms in "${ints[@]}"; do
    build "$ms"
    got=$(ovs-vsctl get interface $PB bfd:min_tx bfd:min_rx | tr -d '"' | paste -sd/)
    # B's bfd_status as ovsdb-client reports each change, one time-stamped line per update.
    rm -f "$d/mon.fifo"; mkfifo "$d/mon.fifo"
    (while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done <"$d/mon.fifo" >"$d/mon.log") &
    rdr=$!
    ovsdb-client monitor Open_vSwitch Interface name,bfd_status --format=csv >"$d/mon.fifo" 2>/dev/null &
    mon=$!
    res=()
    for ((r = 1; r <= runs; r++)); do
        ip link set $LA up
        if ! wait_up 15; then echo "min_tx $ms run $r: BFD did not come up (A $(state $PA), B $(state $PB))"; continue; fi
        # Right after "up" a session may still run at the slow start-up rate (1 s) until its poll
        # sequence settles the configured one (seen: still 1000 ms 2 s after up, and a detection of
        # 2.4 s with both ends already transmitting at 20 ms); wait until both ends transmit and
        # expect to receive at the configured interval (10 s at most), and record B's.
        for ((t = 0; t < 100; t++)); do
            txa=$(ovs-appctl bfd/show $PA | grep -E -m2 '^ *(TX|RX) Interval' | sed 's/^[[:space:]]*//' | paste -sd,)
            tx=$(ovs-appctl bfd/show $PB | grep -E -m2 '^ *(TX|RX) Interval' | sed 's/^[[:space:]]*//' | paste -sd,)
            [[ $txa == *" ${ms}ms,"*" ${ms}ms" && $tx == *" ${ms}ms,"*" ${ms}ms" ]] && break
            sleep 0.1
        done
        sleep 0.3
        n0=$(wc -l <"$d/mon.log")
        t0=$EPOCHREALTIME
        ip link set $LA down
        # Poll until the monitor has printed B down (or give up after 3 s).
        t1=
        for ((t = 0; t < 300; t++)); do
            t1=$(tail -n +"$((n0 + 1))" "$d/mon.log" | grep ",$PB," | grep 'state=down' | head -1 | awk '{print $1}') || true
            [[ -n $t1 ]] && break
            sleep 0.01
        done
        if [[ -z $t1 ]]; then echo "min_tx $ms run $r: no state=down from B within 3 s (B $(state $PB))"; continue; fi
        dt=$(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.1f", (a-b)*1000}')
        diag=$(ovs-vsctl get interface $PB bfd_status:diagnostic 2>/dev/null | tr -d '"' || true)
        echo "min_tx $ms run $r: A's LAN link down -> B bfd state=down after $dt ms (before: B $tx; diagnostic: $diag; B carrier $(cat /sys/class/net/$PB/carrier))"
        res+=("$dt")
    done
    kill "$mon" 2>/dev/null || true; wait "$mon" "$rdr" 2>/dev/null || true; mon=
    teardown
    if ((${#res[@]})); then
        s=$(printf '%s\n' "${res[@]}" | sort -n)
        med=$(awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}' <<<"$s")
        echo "min_tx/min_rx $ms ms (configured $got): detection median $med ms (min $(head -1 <<<"$s"), max $(tail -1 <<<"$s"), ${#res[@]} of $runs runs)"
    else
        echo "min_tx/min_rx $ms ms (configured $got): no measurement"
    fi
done
