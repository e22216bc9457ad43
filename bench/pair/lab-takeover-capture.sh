#!/usr/bin/env bash
# bench/pair/lab-takeover-capture.sh: one power-loss run of the active box in the pair lab, like
# lab-takeover.sh, that keeps what the office LAN saw when the run went wrong (more than LIMIT
# datagrams lost): packet captures of the LAN bridge's ports to box A, box B and the client, the
# client's ARP cache, the LAN bridge's (bridge fdb) and both boxes' MAC tables (ovs-appctl fdb/show), both boxes'
# flows with their counters and groups, the servers' bridge tables and ARP caches, the lab's state
# and both firmwares' logs. A good run keeps only its summary line. How the bug of bench/pair.md
# ("the VIP silent after a takeover") was caught.
#
#   bench/pair/lab-takeover-capture.sh RUN [DIR]   (RUN: a number, DIR default /tmp/pair-capture)
# Environment: LAB_NAME (default pair), LAB_NET (default 198.19.200), LIMIT (default 400).
# Needs tcpdump and jq; the pair lab must be up with both boxes started.
set -uo pipefail
export PATH=$PATH:/usr/sbin:/sbin
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
name=${LAB_NAME:-pair} net=${LAB_NET:-198.19.200} limit=${LIMIT:-400}
labtool=$repo/artifacts/labtool/labtool
r=${1:?usage: lab-takeover-capture.sh RUN [DIR]}
out=${2:-/tmp/pair-capture}/$r
mkdir -p "$out"
role_of() { local ip=$net.$([[ $1 == a ]] && echo 6 || echo 7); ip netns exec "$name-box$1" curl -s -m 1 "http://$ip:8080/api/status" | jq -r '.pair.role // "unreachable"' 2>/dev/null || echo unreachable; }
active=""
for ((t = 0; t < 100; t++)); do
    a=$(role_of a) b=$(role_of b)
    if [[ $a == active && $b == standby ]]; then active=a; break; fi
    if [[ $b == active && $a == standby ]]; then active=b; break; fi
    sleep 0.2
done
[[ -n $active ]] || { echo "run $r: no clean active/standby pair after 20 s (a $a, b $b)"; exit 1; }
sleep 1
pids=()
for p in la lb lc; do tcpdump -i "$name-$p" -n -w "$out/$p.pcap" -s 128 2>/dev/null & pids+=($!); done
sleep 0.3
date +%T.%N >"$out/t-start"
ip netns exec "$name-client" "$labtool" udp-stream --target "$net.100:7" --rate 1000 --duration 5s >"$out/stream.txt" 2>&1 &
stream=$!
sleep 2
date +%T.%N >"$out/t-fault"
"$repo/tools/lab" pair power-off "$active" --name "$name"
wait "$stream"
sleep 0.2
kill "${pids[@]}" 2>/dev/null
lost=$(sed -n 's/^sent [0-9]*, answered [0-9]*, lost \([0-9]*\) .*/\1/p' "$out/stream.txt")
echo "run $r: box $active powered off: $(grep -E '^sent|^longest' "$out/stream.txt" | tr '\n' ' ')"
if ((${lost:-99999} > limit)); then
    echo "  more than $limit lost: kept in $out"
    {
        echo "== client neigh"; ip netns exec "$name-client" ip neigh
        echo "== LAN bridge fdb"; bridge fdb show br "$name-lan" | grep -v permanent
        for x in a b; do
            echo "== box $x fdb"; ovs-appctl fdb/show "$name-$x"
            echo "== box $x flows"; ovs-ofctl -O OpenFlow13 dump-flows "$name-$x"; ovs-ofctl -O OpenFlow13 dump-groups "$name-$x"
        done
        for s in master slave; do echo "== $s"; ip netns exec "$name-$s" bridge fdb show br bond0 | grep -v permanent; ip netns exec "$name-$s" ip neigh; done
        echo "== lab"; "$repo/tools/lab" pair status --name "$name"
        for x in a b; do echo "== box $x role $(role_of $x)"; done
    } >"$out/diag.txt" 2>&1
    for x in a b; do cp "/run/appliance-lab/$name/box$x/appliance.log" "$out/app-$x.log"; cp "/run/appliance-lab/$name/box$x/vrrp.log" "$out/vrrp-$x.log"; done
else
    rm -f "$out"/*.pcap
fi
"$repo/tools/lab" pair power-on "$active" --name "$name" >/dev/null
