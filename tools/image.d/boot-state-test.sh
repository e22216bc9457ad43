#!/usr/bin/env bash
# boot-state-test.sh: tests appliance-boot-state (boot/rootfs/usr/lib/appliance/boot), the slot
# questions appliance-trial asks the boot loader, for both: GRUB's environment block (amd64,
# grub-editenv) and U-Boot's environment file (Raspberry Pi, fw_printenv/fw_setenv), each in a
# file laid out as the image build makes it (populate-esp.sh, populate-pi-boot.sh). The state is
# changed between checks the way RAUC's backends change it (ORDER/_OK/_TRY, BOOT_ORDER/_LEFT).
# Nothing is mounted; cleans up after itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tool=$root/boot/rootfs/usr/lib/appliance/boot/appliance-boot-state
declare -A pkg_of=([grub-editenv]=grub-common [mkenvimage]=u-boot-tools [fw_setenv]=libubootenv-tool)
missing=()
for c in "${!pkg_of[@]}"; do command -v "$c" >/dev/null || missing+=("${pkg_of[$c]}"); done
if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
work=$(mktemp -d /tmp/boot-state-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }
check() {    # check WHAT WANT COMMAND...: the command's output (and exit status as "rc=N" if not 0)
    local what=$1 want=$2 got rc=0; shift 2
    got=$("$@" 2>/dev/null) || rc=$?
    ((rc == 0)) || got="${got:+$got }rc=$rc"
    [[ $got == "$want" ]] && ok "$what: ${want:-(nothing)}" || bad "$what: wanted '$want', got '$got'"
}
export APPLIANCE_RAUC_CONF=$work/system.conf APPLIANCE_FW_ENV_CONFIG=$work/fw_env.config

# ---- GRUB (amd64)
genv=$work/grubenv
printf '[system]\ncompatible=appliance-amd64\nbootloader=grub\ngrubenv=%s\n' "$genv" > "$work/system.conf"
grub-editenv "$genv" create
grub-editenv "$genv" set ORDER="A B" A_OK=1 A_TRY=0 B_OK=0 B_TRY=0      # the image as flashed
check "grub, as flashed: repair does nothing" "" "$tool" repair A
check "grub, as flashed: A holds a good system" "" "$tool" ok A
check "grub, as flashed: B does not" "rc=1" "$tool" ok B
check "grub, as flashed: nothing passed over" "" "$tool" passed-over A
grub-editenv "$genv" set ORDER="B A" B_OK=1 B_TRY=3 A_TRY=1              # B installed, 3 boots that never finished
check "grub, B used its 3 boots, A runs: B was passed over" "B" "$tool" passed-over A
grub-editenv "$genv" set B_OK=0                                          # B marked bad after its trial
check "grub, B marked bad: not 'passed over' (left on purpose)" "" "$tool" passed-over A
check "grub, B marked bad: B holds no good system" "rc=1" "$tool" ok B
printf 'not a grub environment block' > "$genv"
check "grub, damaged: rebuilt" "the boot loader's slot state was damaged: rebuilt with slot B first" "$tool" repair B
v=$(grub-editenv "$genv" list | sort | tr '\n' ' ')
[[ $v == "B_OK=1 B_TRY=0 ORDER=B A " ]] && ok "grub, rebuilt: $v" || bad "grub, rebuilt: $v"
check "grub, rebuilt: A not good" "rc=1" "$tool" ok A

# ---- U-Boot (Raspberry Pi)
uenv=$work/appliance.env
printf '[system]\ncompatible=appliance-arm64\nbootloader=uboot\n' > "$work/system.conf"
printf '# as /etc/fw_env.config on the Pi image\n%s 0x0000 0x4000\n' "$uenv" > "$work/fw_env.config"
printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n' > "$work/env.txt"
mkenvimage -s 0x4000 -o "$uenv" "$work/env.txt"                          # the image as flashed
fw() { fw_setenv -c "$work/fw_env.config" "$@"; }
check "uboot, as flashed: repair does nothing" "" "$tool" repair A
check "uboot, as flashed: A has boots left" "" "$tool" ok A
check "uboot, as flashed: B has none (never written)" "rc=1" "$tool" ok B
check "uboot, as flashed: nothing passed over" "" "$tool" passed-over A
fw BOOT_B_LEFT 3; fw BOOT_ORDER "B A"                                    # RAUC: B installed (mark-active)
check "uboot, B installed and booted: nothing passed over" "" "$tool" passed-over B
check "uboot, B installed: A holds a system to go back to" "" "$tool" ok A
fw BOOT_B_LEFT 0                                                         # 3 boots of B, or mark-bad
check "uboot, B out of boots, A runs: B was passed over" "B" "$tool" passed-over A
check "uboot, B out of boots: B holds nothing to go back to" "rc=1" "$tool" ok B
fw BOOT_ORDER "A B"                                                      # appliance-trial: mark-active booted
check "uboot, A first again: told once" "" "$tool" passed-over A
printf 'garbage' | dd of="$uenv" conv=notrunc status=none                # a power cut while it was written
check "uboot, damaged: rebuilt" "the boot loader's slot state was damaged: rebuilt with slot B first" "$tool" repair B
v=$(fw_printenv -c "$work/fw_env.config" 2>/dev/null | sort | tr '\n' ' ')
[[ $v == "BOOT_A_LEFT=0 BOOT_B_LEFT=3 BOOT_ORDER=B A " ]] && ok "uboot, rebuilt: $v" || bad "uboot, rebuilt: $v"
[[ $(stat -c %s "$uenv") == 16384 ]] && ok "uboot, rebuilt: 16 KiB, as U-Boot reads it" || bad "uboot, rebuilt: $(stat -c %s "$uenv") bytes"
rm -f "$uenv"
check "uboot, missing: made again" "the boot loader's slot state was damaged: rebuilt with slot A first" "$tool" repair A
check "uboot, made again: A first" "" "$tool" ok A

echo "$passed passed, $failed failed"
((failed == 0))
