#!/usr/bin/env bash
# trial-test.sh: tests appliance-trial (boot/rootfs/usr/lib/appliance/boot) with both boot
# loaders' slot state, without a box: the script runs on this host against a folder standing for
# / (APPLIANCE_TRIAL_ROOT: /proc/cmdline, /etc/os-release, /data/var/lib/rauc, the spool), with
# the real appliance-boot-state, the boot loader's state in a file (GRUB: grubenv through
# grub-editenv; U-Boot: appliance.env through fw_setenv), and stand-ins for what it calls: `rauc
# status mark-*` (changing that state the way RAUC 1.8's grub and uboot backends do),
# `appliance update verify-boot` (passes or not), systemctl (records a reboot), setpriv. Between
# runs a "boot" takes the slot the boot loader would choose and counts it, as grub.cfg and
# boot.scr do.
#
# Covers, for each boot loader: an established slot is kept; an update that passes its trial is
# kept and reported good; one that fails is marked bad, the box restarts, the old slot reports the
# rollback once and is first again; a slot passed over after 3 failed boots is reported once; a
# failed trial with nothing to go back to stays; damaged slot state is rebuilt.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
boot_dir=$root/boot/rootfs/usr/lib/appliance/boot
declare -A pkg_of=([grub-editenv]=grub-common [mkenvimage]=u-boot-tools [fw_setenv]=libubootenv-tool)
missing=()
for c in "${!pkg_of[@]}"; do command -v "$c" >/dev/null || missing+=("${pkg_of[$c]}"); done
if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
work=$(mktemp -d /tmp/trial-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }

# ---- stand-ins, in PATH
mkdir -p "$work/bin"
cat > "$work/bin/rauc" <<'EOF'
#!/bin/bash
# rauc status mark-good|mark-bad|mark-active booted|other, as RAUC 1.8's backends write them
set -euo pipefail
[[ $1 == status ]] || exit 2
booted=$(sed -n 's/.*rauc\.slot=\([AB]\).*/\1/p' "$APPLIANCE_TRIAL_ROOT/proc/cmdline")
other=A; [[ $booted == A ]] && other=B
slot=$booted; [[ ${3:-booted} == other ]] && slot=$other
echo "$2 $slot" >> "$TEST_WORK/rauc.log"
loader=$(sed -n 's/^bootloader=//p' "$APPLIANCE_RAUC_CONF")
if [[ $loader == grub ]]; then
    env=$(sed -n 's/^grubenv=//p' "$APPLIANCE_RAUC_CONF")
    case $2 in
        mark-good) grub-editenv "$env" set "${slot}_OK=1" "${slot}_TRY=0" ;;
        mark-bad) grub-editenv "$env" set "${slot}_OK=0" "${slot}_TRY=0" ;;
        mark-active)
            order=$(grub-editenv "$env" list | sed -n 's/^ORDER=//p'); new=$slot
            for s in $order; do [[ $s == "$slot" ]] || new="$new $s"; done
            grub-editenv "$env" set ORDER="$new" "${slot}_OK=1" "${slot}_TRY=0" ;;
    esac
else
    fw() { fw_setenv -c "$APPLIANCE_FW_ENV_CONFIG" "$@"; }
    case $2 in
        mark-good) fw "BOOT_${slot}_LEFT" 3 ;;
        mark-bad) fw "BOOT_${slot}_LEFT" 0 ;;
        mark-active)
            order=$(fw_printenv -c "$APPLIANCE_FW_ENV_CONFIG" -n BOOT_ORDER); new=$slot
            for s in $order; do [[ $s == "$slot" ]] || new="$new $s"; done
            fw "BOOT_${slot}_LEFT" 3; fw BOOT_ORDER "$new" ;;
    esac
fi
EOF
cat > "$work/bin/appliance" <<'EOF'
#!/bin/sh
# appliance update verify-boot: as the test says ($TEST_WORK/verify: "ok" or a reason)
v=$(cat "$TEST_WORK/verify"); [ "$v" = ok ] && { echo "switch programmed, VIP served"; exit 0; }
echo "$v"; exit 1
EOF
cat > "$work/bin/systemctl" <<'EOF'
#!/bin/sh
case "$*" in
    *NRestarts*) echo 0 ;;
    *is-active*) exit 1 ;;
    *reboot*) echo reboot >> "$TEST_WORK/reboots" ;;
esac
EOF
cat > "$work/bin/setpriv" <<'EOF'
#!/bin/sh
while [ "$1" != -- ]; do shift; done; shift; exec "$@"
EOF
chmod +x "$work/bin"/*
export TEST_WORK=$work APPLIANCE_TRIAL_LIMIT=2 APPLIANCE_RAUC_CONF=$work/system.conf APPLIANCE_FW_ENV_CONFIG=$work/fw_env.config
export APPLIANCE_TRIAL_ROOT=$work/sys PATH=$work/bin:$PATH
sys=$work/sys
state=$sys/data/var/lib/rauc lastboot=$sys/var/lib/appliance/update/last-boot.json

setup() {    # setup grub|uboot: a box as flashed (A good and first, B never written)
    rm -rf "$sys" "$work/rauc.log" "$work/reboots"
    mkdir -p "$sys/proc" "$sys/etc" "$state" "$sys/usr/lib/appliance/boot" "$sys/var/lib/appliance/update"
    cp "$boot_dir/appliance-boot-state" "$sys/usr/lib/appliance/boot/"
    printf '#!/bin/sh\necho "$*" >> "%s/console.log"\n' "$work" > "$sys/usr/lib/appliance/boot/appliance-console"
    chmod +x "$sys/usr/lib/appliance/boot/appliance-console"
    loader=$1
    if [[ $loader == grub ]]; then
        printf '[system]\nbootloader=grub\ngrubenv=%s\n' "$work/grubenv" > "$work/system.conf"
        rm -f "$work/grubenv"; grub-editenv "$work/grubenv" create
        grub-editenv "$work/grubenv" set ORDER="A B" A_OK=1 A_TRY=0 B_OK=0 B_TRY=0
    else
        printf '[system]\nbootloader=uboot\n' > "$work/system.conf"
        printf '%s 0x0000 0x4000\n' "$work/appliance.env" > "$work/fw_env.config"
        printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n' > "$work/env.txt"
        mkenvimage -s 0x4000 -o "$work/appliance.env" "$work/env.txt"
    fi
}
# the slot the boot loader chooses, counted (grub.cfg: first in ORDER with _OK=1 and _TRY<3,
# _TRY+1; boot.scr: first in BOOT_ORDER with _LEFT>0, _LEFT-1); then its system, version VERSION
boot() {     # boot VERSION
    local s slot="" v
    if [[ $loader == grub ]]; then
        for s in $(grub-editenv "$work/grubenv" list | sed -n 's/^ORDER=//p'); do
            v=$(grub-editenv "$work/grubenv" list)
            if grep -q "^${s}_OK=1$" <<<"$v" && ! grep -q "^${s}_TRY=3$" <<<"$v"; then slot=$s; break; fi
        done
        local t; t=$(grub-editenv "$work/grubenv" list | sed -n "s/^${slot}_TRY=//p")
        grub-editenv "$work/grubenv" set "${slot}_TRY=$(( ${t:-0} + 1 ))"
    else
        for s in $(fw_printenv -c "$work/fw_env.config" -n BOOT_ORDER); do
            v=$(fw_printenv -c "$work/fw_env.config" -n "BOOT_${s}_LEFT")
            if ((v > 0)); then slot=$s; fw_setenv -c "$work/fw_env.config" "BOOT_${s}_LEFT" $((v - 1)); break; fi
        done
    fi
    printf 'BOOT_IMAGE=/boot/vmlinuz root=x rauc.slot=%s ro\n' "$slot" > "$sys/proc/cmdline"
    printf 'ID=debian\nIMAGE_ID=appliance\nIMAGE_VERSION=%s\n' "$1" > "$sys/etc/os-release"
    booted=$slot
}
trial() { rm -f "$work/console.log"; trial_rc=0; bash "$boot_dir/appliance-trial" >/dev/null 2>&1 || trial_rc=$?; }
install() {  # install VERSION: what RAUC and appliance-update-installed leave for the next boot
    rauc status mark-active other
    local other=A; [[ $booted == A ]] && other=B
    printf '%s %s 2026-12-02T00:00:00Z installed\n' "$other" "$1" > "$state/trial"
}
result() { sed -n 's/.*"result":"\([a-z_]*\)".*/\1/p' "$lastboot" 2>/dev/null; }
message() { sed -n 's/.*"message":"\([^"]*\)".*/\1/p' "$lastboot" 2>/dev/null; }
order() { "$sys/usr/lib/appliance/boot/appliance-boot-state" show | sed -n 's/^\(BOOT_\)\{0,1\}ORDER=//p'; }

for loader in grub uboot; do
    setup "$loader"
    boot 1.0; echo ok > "$work/verify"; trial
    [[ $booted == A && $trial_rc == 0 && ! -e $lastboot ]] && "$sys/usr/lib/appliance/boot/appliance-boot-state" ok A \
        && ok "$loader: the image as flashed boots A and keeps it, reports nothing" || bad "$loader: first boot: slot $booted rc $trial_rc, $(result)"

    install 2.0; boot 2.0; trial
    [[ $booted == B && $(result) == good && ! -e $state/trial && ! -e $work/reboots ]] && "$sys/usr/lib/appliance/boot/appliance-boot-state" ok B \
        && ok "$loader: 2.0 in B passes its trial: kept, reported good" || bad "$loader: good trial: slot $booted, $(result): $(message)"

    install 3.0; boot 3.0; echo "no healthy server serves the VIP" > "$work/verify"; trial
    [[ $booted == A && -e $work/reboots && -e $state/trial-failed ]] && ! "$sys/usr/lib/appliance/boot/appliance-boot-state" ok A \
        && ok "$loader: 3.0 in A fails its trial: marked bad, restart asked" || bad "$loader: failed trial: slot $booted, reboots $(cat "$work/reboots" 2>/dev/null), $(cat "$work/rauc.log")"
    rm -f "$work/reboots"; echo ok > "$work/verify"
    boot 2.0; trial
    m=$(message)
    [[ $booted == B && $(result) == rolled_back && $m == *"version 3.0 (slot A) was rolled back: not served within 2 s"* && ! -e $state/trial && $(order) == "B A" ]] \
        && ok "$loader: back on 2.0 in B by itself, rollback reported ($m), B first again" || bad "$loader: rollback: slot $booted, $(result): $m, order $(order)"
    rm -f "$lastboot"; boot 2.0; trial
    [[ $booted == B && ! -e $lastboot ]] && ok "$loader: the next boot reports nothing more" || bad "$loader: after the rollback: slot $booted, $(result): $(message)"

    # A (good, first) fails 3 boots without a trial (power cuts, a hang): B was chosen
    install 4.0; boot 4.0; trial; rm -f "$lastboot"
    for _ in 1 2 3; do boot 4.0; [[ $booted == A ]] || break; done       # 3 boots that never got to the trial
    boot 2.0; trial
    m=$(message)
    [[ $booted == B && $(result) == rolled_back && $m == "slot A did not finish booting 3 times"* && $(order) == "B A" ]] \
        && ok "$loader: A passed over after 3 failed boots: reported ($m), B first" || bad "$loader: passed over: slot $booted, $(result): $m, order $(order)"
    rm -f "$lastboot"; boot 2.0; trial
    [[ ! -e $lastboot ]] && ok "$loader: said once" || bad "$loader: reported again: $(message)"

    # a failed trial with no good system to go back to (its mark lost, e.g. with damaged slot
    # state rebuilt): stays, and says so
    setup "$loader"; boot 1.0; echo ok > "$work/verify"; trial
    install 2.0; rauc status mark-bad booted; boot 2.0; echo "the firmware exits at once" > "$work/verify"; trial
    [[ $booted == B && $(result) == failed && ! -e $work/reboots && $(message) == *"kept, since slot A holds no good system"* ]] \
        && ok "$loader: failed trial with nothing to go back to: stays on B, reported failed" || bad "$loader: nothing to go back to: slot $booted, $(result): $(message), reboots $(cat "$work/reboots" 2>/dev/null)"

    # the slot state unreadable (a power cut while it was written): rebuilt with the running slot
    setup "$loader"; boot 1.0
    if [[ $loader == grub ]]; then printf 'garbage' > "$work/grubenv"; else printf 'garbage' | dd of="$work/appliance.env" conv=notrunc status=none; fi
    trial
    [[ $(order) == "A B" && $(cat "$work/console.log") == *"rebuilt with slot A first"* ]] && "$sys/usr/lib/appliance/boot/appliance-boot-state" ok A \
        && ok "$loader: damaged slot state rebuilt, A first and good" || bad "$loader: damaged state: order '$(order)', console: $(cat "$work/console.log")"
done
echo "$passed passed, $failed failed"
((failed == 0))
