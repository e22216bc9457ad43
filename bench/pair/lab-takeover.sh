#!/usr/bin/env bash
# bench/pair/lab-takeover.sh: power loss of the active box in the pair lab (tools/lab pair), with
# both firmwares and keepalived running: a 1 kHz UDP stream from the client to the VIP's echo,
# the active box powered off 2 s in, and how long the VIP stayed silent (labtool udp-stream's
# longest gap) and how many datagrams were lost. The box comes back (power-on, as standby) before
# the next run, whose fault then hits the other box.
#
#   bench/pair/lab-takeover.sh [RUNS]        (default 10; the pair lab must be up, both boxes started)
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
name=${LAB_NAME:-pair} net=${LAB_NET:-198.19.200}
runs=${1:-10}
labtool=$repo/artifacts/labtool/labtool
out=$(mktemp -d /tmp/pair-takeover.XXXXXX)
trap 'rm -rf "$out"' EXIT

role_of() { # box -> active|standby|unreachable
    local ip; ip=$net.$([[ $1 == a ]] && echo 6 || echo 7)
    ip netns exec "$name-box$1" curl -s -m 1 "http://$ip:8080/api/status" | jq -r '.pair.role // "unreachable"' 2>/dev/null || echo unreachable
}

echo "# pair lab $name, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r), advert_int $(awk '/advert_int/ {print $2; exit}' /run/appliance-lab/$name/boxa/keepalived.conf)"
gaps=() losses=()
for ((r = 1; r <= runs; r++)); do
    active=""
    for ((t = 0; t < 100; t++)); do
        a=$(role_of a) b=$(role_of b)
        if [[ $a == active && $b == standby ]]; then active=a; break; fi
        if [[ $b == active && $a == standby ]]; then active=b; break; fi
        sleep 0.2
    done
    [[ -n $active ]] || { echo "run $r: no clean active/standby pair after 20 s (a $a, b $b)"; exit 1; }
    sleep 1
    ip netns exec "$name-client" "$labtool" udp-stream --target "$net.100:7" --rate 1000 --duration 5s >"$out/$r.txt" 2>&1 &
    stream=$!
    sleep 2
    "$repo/tools/lab" pair power-off "$active" --name "$name"
    wait "$stream" || true
    gap=$(sed -n 's/^longest gap between answers: \([0-9.]*\) ms.*/\1/p' "$out/$r.txt")
    lost=$(sed -n 's/^sent [0-9]*, answered [0-9]*, lost \([0-9]*\) .*/\1/p' "$out/$r.txt")
    echo "run $r: box $active powered off: VIP silent ${gap:-?} ms, ${lost:-?} datagrams lost"
    gaps+=("${gap:-99999}") losses+=("${lost:-99999}")
    "$repo/tools/lab" pair power-on "$active" --name "$name" >/dev/null
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
echo "power loss of the active box: VIP silent median $(median "${gaps[@]}") ms (min $(printf '%s\n' "${gaps[@]}" | sort -n | head -1), max $(printf '%s\n' "${gaps[@]}" | sort -n | tail -1)); lost median $(median "${losses[@]}") datagrams; $runs runs"
