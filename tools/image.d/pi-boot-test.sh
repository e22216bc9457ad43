#!/usr/bin/env bash
# pi-boot-test.sh: tests the Raspberry Pi image's A/B boot script (tools/image.d/chroot/pi-boot.cmd)
# without a Pi and without building the image: real U-Boot (Debian's u-boot-qemu, the qemu_arm64
# build, on QEMU's aarch64 "virt" board) runs the compiled boot.scr from a small disk laid out
# like the image (MBR with the image's disk identifier; 1 FAT "BOOT" with boot.scr and
# appliance.env; 2 and 3 ext4 slots with a /boot/vmlinuz and /boot/initrd.img). The "kernel" is
# a valid arm64 Image header over an endless loop, so "Starting kernel" is where a boot ends.
# Between boots the slot state is changed the way RAUC's U-Boot backend does it: fw_setenv (the
# image's /etc/fw_env.config, pointed at a copy of the FAT file) of BOOT_ORDER and BOOT_x_LEFT.
#
# Covers: the image as flashed boots A and counts; an installed slot (RAUC: first in the order,
# 3 boots) boots next; a slot that never passes its boot check is left after 3 boots; a kept one
# (mark-good) stays; a damaged or missing appliance.env boots A; a slot without a loadable kernel
# falls back to the other at once; a slot marked bad is passed over; no boots left anywhere
# still boots. Needs root only for apt; nothing is mounted. Cleans up after itself.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tools/image.d/layout.sh"
declare -A pkg_of=([qemu-system-aarch64]=qemu-system-arm [mkimage]=u-boot-tools [mkenvimage]=u-boot-tools
                   [fw_setenv]=libubootenv-tool [mcopy]=mtools [mkfs.vfat]=dosfstools [debugfs]=e2fsprogs [sfdisk]=fdisk)
missing=()
for c in "${!pkg_of[@]}"; do command -v "$c" >/dev/null || missing+=("${pkg_of[$c]}"); done
[[ -f /usr/lib/u-boot/qemu_arm64/u-boot.bin ]] || missing+=(u-boot-qemu)
if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
work=$(mktemp -d /tmp/pi-boot-test.XXXXXX)
qemu_pid=""
cleanup() {
    if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then kill "$qemu_pid"; wait "$qemu_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }
export MTOOLS_SKIP_CHECK=1

# the disk: MiB 1-41 FAT32 (its smallest sane size), 41-57 slot A, 57-73 slot B
s=2048
truncate -s 74M "$work/disk.img"
sfdisk -q "$work/disk.img" <<EOF
label: dos
label-id: $PI_DISK_ID
unit: sectors
start=$((1 * s)), size=$((40 * s)), type=c, bootable
start=$((41 * s)), size=$((16 * s)), type=83
start=$((57 * s)), size=$((16 * s)), type=83
EOF
# the boot script as the image build makes it (populate-pi-boot.sh), with a known command line
cmdline="console=tty0 console=ttyS1,115200 fsck.repair=yes net.ifnames=0 rootwait ro"
sed "s|@CMDLINE@|$cmdline|" "$root/tools/image.d/chroot/pi-boot.cmd" > "$work/boot.cmd"
mkimage -q -A arm64 -O linux -T script -C none -n "appliance boot" -d "$work/boot.cmd" "$work/boot.scr" >/dev/null
printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n' > "$work/env.txt"
mkenvimage -s 0x4000 -o "$work/appliance.env" "$work/env.txt"
# the virt board's console is its PL011 (the box's copy has none of this file)
printf 'appliance_bootargs=console=ttyAMA0,115200\n' > "$work/bootargs.txt"
mkfs.vfat -F 32 -n BOOT -C "$work/boot.vfat" $((40 * 1024)) >/dev/null
mcopy -i "$work/boot.vfat" "$work/boot.scr" "$work/appliance.env" "$work/bootargs.txt" ::/
dd if="$work/boot.vfat" of="$work/disk.img" bs=1M seek=1 conv=notrunc status=none
# an arm64 Image header (magic "ARM\x64" at 56, 4 KiB pages, anywhere in memory) over "b ." 
python3 - "$work/Image" <<'EOF'
import struct, sys
code = struct.pack('<I', 0x14000000)            # b . (stay here: the test stops at "Starting kernel")
hdr = code + struct.pack('<I', 0) + struct.pack('<QQQQQQ', 0, 0x10000, 0xa, 0, 0, 0) + b'ARM\x64' + struct.pack('<I', 0)
open(sys.argv[1], 'wb').write(hdr + b'\0' * (0x10000 - len(hdr)))
EOF
for slot in A B; do
    mkdir -p "$work/tree$slot/boot"
    cp "$work/Image" "$work/tree$slot/boot/vmlinuz-6.1.0-test-arm64"
    head -c 4096 /dev/urandom > "$work/tree$slot/boot/initrd.img-6.1.0-test-arm64"
    ln -s vmlinuz-6.1.0-test-arm64 "$work/tree$slot/boot/vmlinuz"
    ln -s initrd.img-6.1.0-test-arm64 "$work/tree$slot/boot/initrd.img"
    truncate -s 16M "$work/slot$slot.ext4"
    mkfs.ext4 -q -F -L appliance-root -d "$work/tree$slot" "$work/slot$slot.ext4"
done
dd if="$work/slotA.ext4" of="$work/disk.img" bs=1M seek=41 conv=notrunc status=none
dd if="$work/slotB.ext4" of="$work/disk.img" bs=1M seek=57 conv=notrunc status=none

# the slot state, as RAUC changes it on the box: fw_setenv with the image's fw_env.config, here on
# a copy taken out of the FAT and put back
fwcfg=$work/fw_env.config
env_out() { mcopy -o -n -i "$work/disk.img@@1M" ::/appliance.env "$work/appliance.env"; }
env_in() { mcopy -o -i "$work/disk.img@@1M" "$work/appliance.env" ::/appliance.env; }
printf '%s 0x0000 0x4000\n' "$work/appliance.env" > "$fwcfg"
setenv() { env_out; fw_setenv -c "$fwcfg" "$@"; env_in; }           # setenv NAME VALUE
state() { env_out; fw_printenv -c "$fwcfg" 2>/dev/null | grep '^BOOT_' | sort | tr '\n' ' '; }

# boot: U-Boot until the "kernel" starts (or gives up); its console output in $work/serial.log
boots=0
boot() {
    boots=$((boots + 1))
    rm -f "$work/serial.log"
    qemu-system-aarch64 -machine virt -cpu cortex-a57 -m 512 -nographic -bios /usr/lib/u-boot/qemu_arm64/u-boot.bin \
        -drive "file=$work/disk.img,format=raw,if=virtio" -nic none -monitor none -serial "file:$work/serial.log" 2>>"$work/qemu.err" &
    qemu_pid=$!
    local _
    for _ in $(seq 600); do
        grep -q -a -E 'Starting kernel|no slot could be booted' "$work/serial.log" 2>/dev/null && break
        kill -0 "$qemu_pid" 2>/dev/null || break
        sleep 0.1
    done
    sleep 0.2
    kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true; qemu_pid=""
    tr -d '\r' < "$work/serial.log" > "$work/serial.txt"
}
booted() { sed -n 's/^appliance: slot \([AB]\): .*/\1/p' "$work/serial.txt" | tail -1; }
started() { grep -q 'Starting kernel' "$work/serial.txt"; }
expect() {   # expect WHAT SLOT STATE
    local what=$1 want=$2 st=$3 got have
    got=$(booted); have=$(state)
    if [[ $got == "$want" ]] && started && [[ $have == "$st" ]]; then ok "$what: slot $got started; $have"
    else bad "$what: wanted slot $want started and '$st', got slot '${got:-none}' ($(started && echo started || echo not started)), '$have'"; sed 's/^/    | /' "$work/serial.txt" | grep -a -E 'appliance|Starting|Error|error|Bad|Failed|Unknown|not' | head -20; fi
}

boot
expect "the image as flashed" A "BOOT_A_LEFT=2 BOOT_B_LEFT=0 BOOT_ORDER=A B "
line=$(grep -a '^appliance: slot A: ' "$work/serial.txt" | tail -1)
want="root=PARTUUID=${PI_DISK_ID#0x}-02 rauc.slot=A panic=10 $cmdline"
[[ $line == *"$want"* && $line == *"console=ttyAMA0,115200" ]] && ok "its command line: ${line#appliance: slot A: }" || bad "command line: '$line' (wanted '$want ...')"

# mark-good of the running slot (appliance-trial at every boot)
setenv BOOT_A_LEFT 3
boot
expect "A kept (mark-good), next boot" A "BOOT_A_LEFT=2 BOOT_B_LEFT=0 BOOT_ORDER=A B "

# an install to B: RAUC marks B bad while writing, then primary (first in the order, 3 boots)
setenv BOOT_B_LEFT 0; setenv BOOT_B_LEFT 3; setenv BOOT_ORDER "B A"
boot
expect "after an install to B" B "BOOT_A_LEFT=2 BOOT_B_LEFT=2 BOOT_ORDER=B A "
line=$(grep -a '^appliance: slot B: ' "$work/serial.txt" | tail -1)
[[ $line == *"root=PARTUUID=${PI_DISK_ID#0x}-03 rauc.slot=B "* ]] && ok "B's root is partition 3" || bad "B's command line: $line"

# B never passes its boot check (kernel panic, hang): 2 more boots of B, then A by itself
boot; expect "B's second boot without mark-good" B "BOOT_A_LEFT=2 BOOT_B_LEFT=1 BOOT_ORDER=B A "
boot; expect "B's third boot without mark-good" B "BOOT_A_LEFT=2 BOOT_B_LEFT=0 BOOT_ORDER=B A "
boot; expect "after 3 failed boots of B: back on A" A "BOOT_A_LEFT=1 BOOT_B_LEFT=0 BOOT_ORDER=B A "

# a trial that passes: B installed again and kept
setenv BOOT_A_LEFT 3; setenv BOOT_B_LEFT 3; setenv BOOT_ORDER "B A"
boot; setenv BOOT_B_LEFT 3
boot; expect "B kept (mark-good) stays" B "BOOT_A_LEFT=3 BOOT_B_LEFT=2 BOOT_ORDER=B A "

# a trial that fails in the firmware: appliance-trial marks B bad (0) and restarts
setenv BOOT_B_LEFT 0
boot; expect "B marked bad: A" A "BOOT_A_LEFT=2 BOOT_B_LEFT=0 BOOT_ORDER=B A "

# nothing left anywhere: the first in the order boots all the same (its boot check decides)
setenv BOOT_A_LEFT 0
boot; expect "no boots left anywhere" B "BOOT_A_LEFT=0 BOOT_B_LEFT=0 BOOT_ORDER=B A "
grep -q 'appliance: no slot has boots left; booting B' "$work/serial.txt" && ok "it says so on the console" || bad "no message for 'no boots left'"

# B's kernel cannot be loaded: A at once, B's count taken
setenv BOOT_A_LEFT 3; setenv BOOT_B_LEFT 3
debugfs -w -R "rm /boot/vmlinuz" "$work/slotB.ext4" >/dev/null 2>&1
dd if="$work/slotB.ext4" of="$work/disk.img" bs=1M seek=57 conv=notrunc status=none
boot; expect "B without a kernel: A at once" A "BOOT_A_LEFT=3 BOOT_B_LEFT=2 BOOT_ORDER=B A "
grep -q 'appliance: the kernel of the chosen slot cannot be loaded; trying slot A' "$work/serial.txt" && ok "it says so on the console" || bad "no message for the fallback"

# appliance.env damaged (a power cut while it was written): A first, and the file is whole again
env_out; printf 'garbage' | dd of="$work/appliance.env" bs=1 seek=0 conv=notrunc status=none; env_in
boot; expect "appliance.env damaged" A "BOOT_A_LEFT=2 BOOT_B_LEFT=0 BOOT_ORDER=A B "
grep -q 'appliance: appliance.env is damaged' "$work/serial.txt" && ok "it says so on the console" || bad "no message for the damaged file"

# appliance.env missing: A first, the file made again
mdel -i "$work/disk.img@@1M" ::/appliance.env
boot; expect "appliance.env missing" A "BOOT_A_LEFT=2 BOOT_B_LEFT=0 BOOT_ORDER=A B "

# after U-Boot rewrote appliance.env on every boot: the FAT is still consistent. (U-Boot leaves
# FAT32's free-cluster count, a hint that Linux recomputes, stale: not counted as damage.)
dd if="$work/disk.img" of="$work/boot-after.vfat" bs=1M skip=1 count=40 status=none
out=$(fsck.vfat -n "$work/boot-after.vfat" 2>&1 | grep -v -E '^fsck.fat |^Free cluster summary|Auto-correcting|^Leaving filesystem unchanged|^$|files, [0-9]+/[0-9]+ clusters$' || true)
[[ -z $out ]] && ok "the boot partition checks clean after $boots boots' writes" || bad "fsck.vfat: $out"

echo "$passed passed, $failed failed"
((failed == 0))
