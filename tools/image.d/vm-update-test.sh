# vm-update-test.sh: sourced by vm-test.sh --update once the boot and data-plane checks passed.
# The A/B update end to end, through the firmware's API from the office LAN (the client namespace).
# shellcheck shell=bash
stream=$root/tools/image.d/udp-stream.py
token=$(grep -a -o -E 'API token generated: [A-Za-z0-9_-]{32}' "$st" | head -1 | awk '{print $4}')
[[ -n $token ]] || fail "no API token on the serial console"
api() {   # api METHOD PATH [curl args...]: the body on stdout, "HTTP nnn" on fd 3
    local m=$1 p=$2; shift 2
    "${c[@]}" curl -s -m "${API_TIMEOUT:-10}" -X "$m" -H "Authorization: Bearer $token" "$@" "http://$mgmt$p"
}
# 30 s: the first GET after a boot waits for rauc status, which takes seconds under emulation
update_doc() { API_TIMEOUT=30 api GET /api/update 2>/dev/null || true; }
field() { python3 -c 'import json,sys
d=json.loads(sys.stdin.read() or "{}")
for k in sys.argv[1].split("."):
    d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else (str(d).lower() if isinstance(d, bool) else d))' "$1"; }

# the stream: receivers on both servers, the sender on the client, through the VIP
stream_start() {   # stream_start NAME
    local n=$1 s
    rm -f "$work/$n.stop"
    for s in master slave; do
        ip netns exec "$pfx-$s" python3 "$stream" recv 9000 "$work/$n.$s" & server_pids+=($!); eval "recv_${n}_$s=$!"
    done
    sleep 0.5
    ip netns exec "$pfx-client" python3 "$stream" send "$vip" 9000 1000 "$work/$n.stop" "$work/$n.sent" & stream_sender=$!
}
stream_stop() {    # stream_stop NAME -> "sent N received N lost N longest_gap_ms N"
    local n=$1 p
    # (called in $(...): a subshell cannot wait for the processes, so wait for their files)
    touch "$work/$n.stop"
    for _ in $(seq 50); do [[ -s $work/$n.sent ]] && break; sleep 0.1; done
    sleep 0.5
    for p in master slave; do eval "kill \$recv_${n}_$p"; done
    for _ in $(seq 50); do [[ -e $work/$n.master && -e $work/$n.slave ]] && break; sleep 0.1; done
    python3 "$stream" report "$work/$n.sent" 1000 "$work/$n.master" "$work/$n.slave"
}
serial_count() { grep -a -c -- "$1" "$s" 2>/dev/null || true; }
wait_serial() {    # wait_serial PATTERN COUNT TIMEOUT: until PATTERN has appeared COUNT times
    local pat=$1 want=$2 until=$(( $(date +%s) + $3 ))
    while (( $(serial_count "$pat") < want )); do
        kill -0 "$qemu_pid" 2>/dev/null || return 1
        (( $(date +%s) < until )) || return 1
        sleep 1
    done
}
install_bundle() { # install_bundle FILE [STREAM]: POST it, then wait for the end; the final GET /api/update
    #                  document in $work/install.json. With STREAM, a 1 kHz stream runs through the VIP during the
    #                  upload (STREAM_upload) and, separately, during the install (STREAM_install).
    local f=$1 stream_name=${2:-} t0 op code
    [[ -n $stream_name ]] && stream_start "${stream_name}_upload"
    t0=$(date +%s.%N)
    code=$(API_TIMEOUT=600 api POST /api/update -H "Content-Type: application/octet-stream" --data-binary "@$f" \
        -o "$work/post.json" -w '%{http_code}')
    upload_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
    if [[ -n $stream_name ]]; then upload_stream=$(stream_stop "${stream_name}_upload"); stream_start "${stream_name}_install"; fi
    log "  POST /api/update ($(du -h --apparent-size "$f" | cut -f1)): HTTP $code after ${upload_s}s"
    if [[ $code != 202 ]]; then
        cat "$work/post.json" >> "$work/test.log"; echo "{}" > "$work/install.json"
        [[ -n $stream_name ]] && install_stream=$(stream_stop "${stream_name}_install")
        return 1
    fi
    for _ in $(seq 900); do
        update_doc > "$work/install.json"
        op=$(field operation < "$work/install.json")
        [[ $op == installed || $op == failed ]] && break
        sleep 1
    done
    install_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
    [[ -n $stream_name ]] && install_stream=$(stream_stop "${stream_name}_install")
    log "  operation $op after ${install_s}s: $(field message < "$work/install.json") $(field error < "$work/install.json")"
}
vip_answers() { "${c[@]}" curl -s -m 2 "http://$vip/" 2>/dev/null | grep -q 'served by'; }

log "update: waiting for the bundles"
wait "$bundles_pid" || { cat "$work/bundles.log" >> "$work/test.log"; fail "could not make the bundles (bundles.log)"; }
[[ -f $work/bundles/done ]] || fail "bundles incomplete"
sed 's/^/  bundles| /' "$work/bundles.log" >> "$work/test.log"

update_doc > "$work/u0.json"
check "GET /api/update reports version $ver_n from slot A" \
    "[[ \$(field system.version < '$work/u0.json') == '$ver_n' && \$(field system.booted < '$work/u0.json') == A ]]"

# a setting changed through the API before the update must be there after it
code=$(api PUT /api/config -H "Content-Type: application/json" -d '{"set":{"health.timeout":"450ms"}}' -o "$work/put.json" -w '%{http_code}')
check "a setting changed before the update (health.timeout 450ms, PUT /api/config: $code)" "[[ $code == 200 ]]"

# 1. refused bundles
declare -A refusal=([foreign]='signature verification failed' [unsigned]='Signature size is 0')
for b in foreign unsigned; do
    log "update: installing the $b bundle"
    install_bundle "$work/bundles/$b.raucb" || true
    check "the $b bundle is refused for its signature ($(field error < "$work/install.json" | head -c 160))" \
        "[[ \$(field operation < '$work/install.json') == failed && \$(field error < '$work/install.json') == *'${refusal[$b]}'* ]]"
done

# 2. N+1 during a 1 kHz stream
log "update: installing $ver_next through the API while 1000 datagrams/s cross the VIP"
install_bundle "$work/bundles/next.raucb" next
log "  stream during the upload (${upload_s}s): $upload_stream"
log "  stream during the install (RAUC checking and writing slot B): $install_stream"
check "version $ver_next installed ($(field message < "$work/install.json"))" \
    "[[ \$(field operation < '$work/install.json') == installed && \$(field reboot_needed < '$work/install.json') == true ]]"
lost=$(sed -n 's/.* lost \([0-9]*\) .*/\1/p' <<<"$install_stream")
check "no datagram lost while RAUC installs (${lost:-?} of $(awk '{print $2}' <<<"$install_stream"))" "[[ '$lost' == 0 ]]"
upload_lost=$(sed -n 's/.* lost \([0-9]*\) .*/\1/p' <<<"$upload_stream")
install_next_s=$install_s upload_next_s=$upload_s
# What the firmware saw meanwhile (a probe starved of CPU by the install would show as health or
# failover events): the 30 newest events, for the cause of a loss.
log "  the firmware's newest events after the install:"
api GET "/api/events?limit=30" 2>/dev/null | python3 -c 'import json,sys
for e in json.loads(sys.stdin.read() or "{}").get("events", []):
    print("    %s %s %s: %s" % (e.get("time", "?")[11:23], e.get("kind"), e.get("server") or "-", e.get("message")))' | tee -a "$work/test.log" || true

# 3. restart into N+1; the stream measures the downtime
ready_before=$(serial_count 'appliance: READY')
log "update: restarting into $ver_next (POST /api/update/reboot)"
stream_start reboot
t_reboot=$(date +%s.%N)
code=$(api POST /api/update/reboot -o /dev/null -w '%{http_code}')
check "POST /api/update/reboot accepted ($code)" "[[ $code == 202 ]]"
wait_serial 'appliance: READY' $((ready_before + 1)) 600 || fail "no READY after the restart into $ver_next"
for _ in $(seq 120); do vip_answers && break; sleep 0.5; done
t_back=$(date +%s.%N)
sleep 2
r=$(stream_stop reboot)
update_down=$(sed -n 's/.*outage_ms \([0-9]*\).*/\1/p' <<<"$r")
log "  restart: VIP answering again $(awk -v a="$t_reboot" -v b="$t_back" 'BEGIN{printf "%.1f", b - a}')s after the request; stream: $r"
wait_serial "version $ver_next (slot B) is good" 1 400 || fail "slot B was not marked good"
update_doc > "$work/u1.json"
check "the firmware reports $ver_next from slot B" \
    "[[ \$(field system.version < '$work/u1.json') == '$ver_next' && \$(field system.booted < '$work/u1.json') == B ]]"
check "last boot: good" "[[ \$(field last_boot.result < '$work/u1.json') == good ]]"
check "the setting changed before the update is kept (health.timeout 450ms)" \
    "api GET /api/config | grep -q 'timeout: 450ms'"

# 4. the broken bundle: the box must come back on N+1 by itself
log "update: installing $ver_broken (its firmware exits at once)"
install_bundle "$work/bundles/broken.raucb"
check "the broken bundle installs (RAUC cannot know)" "[[ \$(field operation < '$work/install.json') == installed ]]"
ready_before=$(serial_count 'appliance: READY')
stream_start rollback
t_reboot=$(date +%s.%N)
api POST /api/update/reboot -o /dev/null
wait_serial "failed its trial" 1 600 || fail "the broken slot's trial did not fail"
t_failed=$(date +%s.%N)
wait_serial 'appliance: READY' $((ready_before + 1)) 600 || fail "no READY after the rollback"
for _ in $(seq 120); do vip_answers && break; sleep 0.5; done
t_back=$(date +%s.%N)
sleep 2
r=$(stream_stop rollback)
rollback_s=$(awk -v a="$t_reboot" -v b="$t_back" 'BEGIN{printf "%.1f", b - a}')
log "  rollback: trial failed $(awk -v a="$t_reboot" -v b="$t_failed" 'BEGIN{printf "%.1f", b - a}')s after the restart request, VIP answering again after ${rollback_s}s; stream: $r"
wait_serial "was rolled back\|back on version" 1 120 || true
update_doc > "$work/u2.json"
check "back on $ver_next in slot B by itself" \
    "[[ \$(field system.version < '$work/u2.json') == '$ver_next' && \$(field system.booted < '$work/u2.json') == B ]]"
check "last boot: rolled back ($(field last_boot.message < "$work/u2.json"))" "[[ \$(field last_boot.result < '$work/u2.json') == rolled_back ]]"
check "the broken slot A is marked bad" \
    "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(x[\"bootname\"]==\"A\" and x[\"boot_status\"]==\"bad\" for x in d[\"slots\"]) else 1)' '$work/u2.json'"
rollback_down=$(sed -n 's/.*outage_ms \([0-9]*\).*/\1/p' <<<"$r")
log "update summary: upload ${upload_next_s}s ($upload_lost lost: the upload shares the client's link with the stream in an emulated NIC), install ${install_next_s}s from the POST ($lost lost); update downtime ${update_down} ms; rollback downtime ${rollback_down} ms (software emulation)"
