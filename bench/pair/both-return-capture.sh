#!/usr/bin/env bash
# bench/pair/both-return-capture.sh: where the VIP's silence after "both paths back" (bench/pair.md)
# comes from. On the pair lab (both boxes started), the active box's office port and peer cable are
# cut (the other box takes over: both active), then joined again 2 s into a 4 s 1 kHz stream, with
# captures of the office LAN bridge's ports to box A and box B. Prints: which box was cut, the
# moment of the join, each box's last role change (its log), the first frames from the VIP's MAC on
# each LAN port after the join (gratuitous ARP: an announcement, flooded by the bridge, so seen on
# both ports), where the client's datagrams went, and the stream's summary.
#
#   bench/pair/both-return-capture.sh [DIR]   (DIR default /tmp/pair-both-return; keeps the captures)
# Environment: LAB_NAME (default pair), LAB_NET (default 198.19.200). Needs tcpdump and jq.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=stream.sh
source "$repo/bench/pair/stream.sh"
name=${LAB_NAME:-pair} net=${LAB_NET:-198.19.200}
out=${1:-/tmp/pair-both-return}
state=/run/appliance-lab/$name
vip=$net.100
IFS=. read -r n1 n2 n3 <<<"$net"
vmac=$(printf '02:00:%02x:%02x:%02x:%02x' "$n1" "$n2" "$n3" 100)   # tools/lab's mac_for of the VIP
rm -rf "$out"; mkdir -p "$out"

role_of() { # box
    ip netns exec "$name-box$1" curl -s -m 2 "http://$net.$([[ $1 == a ]] && echo 6 || echo 7):8080/api/status" |
        jq -r '.pair.role // "unreachable"' 2>/dev/null || echo unreachable
}
active=$([[ $(role_of b) == active ]] && echo b || echo a)
answering "$name-client" "$vip:7"
ip link set "$name-${active}4" down; ip -n "$name-box$active" link set peer down
sleep 3
echo "cut box $active; then a $(role_of a), b $(role_of b)"
pids=()
for p in la lb; do
    tcpdump -i "$name-$p" -w "$out/$p.pcap" -U -n 'not ip proto 112' >/dev/null 2>&1 &
    pids+=($!)
done
sleep 1
ip netns exec "$name-client" "$labtool" udp-stream --target "$vip:7" --rate 1000 --duration 4s >"$out/stream.txt" 2>&1 &
stream=$!
sleep 2
join=$(date +%H:%M:%S.%N)
ip link set "$name-${active}4" up; ip -n "$name-box$active" link set peer up
wait "$stream" || true
sleep 0.3
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
echo "joined at ${join:0:12}"
for b in a b; do echo "box $b: $(grep -h 'this box is' "$state/box$b/appliance.log" | tail -1 | cut -c1-160)"; done
for p in la lb; do
    echo "port $name-$p, first frames from the VIP's MAC after the join:"
    tcpdump -r "$out/$p.pcap" -n -e -tttt "ether src $vmac and arp" 2>/dev/null |
        awk -v j="${join:0:12}" '$2 >= j {print "  " $2}' | head -4
    echo "port $name-$p, the client's datagrams to the VIP, first and last: $(tcpdump -r "$out/$p.pcap" -n -tttt "udp and dst host $vip" 2>/dev/null | awk 'NR == 1 {f = $2} {l = $2} END {print f " " l}')"
done
grep -E '^sent|^longest' "$out/stream.txt"
