# shellcheck shell=bash
# bench/pair/stream.sh: the 1 kHz UDP stream that bench/pair/lab-faults.sh and bench/pair/lb-takeover.sh
# measure a fault with, sourced by both. Not a script of its own. Sets labtool (the lab's instrument,
# artifacts/labtool/labtool, built by tools/lab pair up).
labtool=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)/artifacts/labtool/labtool

# Until a short stream from namespace NS to TARGET (address:port) loses nothing (a box just started
# learns its servers' MACs a moment later); 30 tries.
answering() { # ns target
    local t
    for ((t = 0; t < 30; t++)); do
        ip netns exec "$1" "$labtool" udp-stream --target "$2" --rate 1000 --duration 500ms 2>&1 |
            grep -q ', lost 0 ' && return 0
    done
    echo "the VIP does not answer every datagram after 30 tries" >&2
    return 1
}

# One measured 6 s stream from NS to TARGET into FILE, ACTION run 2 s in (its output discarded);
# prints "silent G ms, lost L of S".
measure() { # ns target file action...
    local ns=$1 target=$2 file=$3
    shift 3
    ip netns exec "$ns" "$labtool" udp-stream --target "$target" --rate 1000 --duration 6s >"$file" 2>&1 &
    local pid=$!
    sleep 2
    "$@" >/dev/null
    wait "$pid" || true
    local gap lost sent
    gap=$(sed -n 's/^longest gap between answers: \([0-9.]*\) ms.*/\1/p' "$file")
    read -r sent lost < <(sed -n 's/^sent \([0-9]*\), answered [0-9]*, lost \([0-9]*\) .*/\1 \2/p' "$file")
    # labtool's longest gap lies between two answers: a silence that lasts to the end is a lost run "-> (end)".
    if grep -q -- '-> (end)' "$file"; then gap=end; fi
    echo "silent ${gap:-?} ms, lost ${lost:-?} of ${sent:-?}"
}
