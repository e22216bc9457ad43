#!/bin/bash
# populate-esp.sh: run inside the amd64 image's root (chroot). Fills /boot/efi (the EFI system
# partition: a plain folder here, the mounted FAT partition under debos) with GRUB and the state
# of the two system slots. The removable-media path EFI/BOOT/BOOTX64.EFI needs no NVRAM entry.
#
# Why GRUB (docs/update.md): RAUC drives its environment block directly (bootloader=grub), and
# GRUB reads ext4, so each slot carries its own kernel and initrd in /boot: an update replaces
# kernel and system together, and the ESP never changes after the image is flashed.
set -euo pipefail
esp=/boot/efi
kver=$(ls /lib/modules | sort -V | tail -1)
[[ -f /boot/vmlinuz-$kver && -f /boot/initrd.img-$kver ]] || { echo "no kernel/initrd for $kver" >&2; exit 1; }
# stable names inside the slot, for grub.cfg
ln -sf "vmlinuz-$kver" /boot/vmlinuz
ln -sf "initrd.img-$kver" /boot/initrd.img
install -d "$esp/EFI/BOOT" "$esp/EFI/appliance"
# the kernel command line, without root= (each slot's entry names its own partition)
cmdline=$(sed -E 's/(^| )root=[^ ]*//' /etc/kernel/cmdline)

# The image's GRUB: the few modules it needs built in, and a first config that loads the real one
# from the ESP (so a lab or a support engineer can read and change it without rebuilding GRUB).
cat > /run/appliance-grub-early.cfg <<'CFG'
regexp --set 1:espdev '^(\([^)]*\))' "$cmdpath"
configfile "${espdev}/EFI/appliance/grub.cfg"
CFG
grub-mkstandalone -O x86_64-efi -o "$esp/EFI/BOOT/BOOTX64.EFI" \
    --modules="part_gpt part_msdos fat ext2 normal configfile linux loadenv test regexp echo search reboot sleep" \
    --locales= --themes= --fonts= \
    "boot/grub/grub.cfg=/run/appliance-grub-early.cfg"
rm -f /run/appliance-grub-early.cfg

# Slot selection: RAUC's GRUB scheme (ORDER, <slot>_OK, <slot>_TRY in grubenv; RAUC sets them on
# install, mark-good, mark-bad), with a counter: every boot of a slot adds one to its _TRY, its
# boot check (appliance-trial) sets it back to 0. After 3 boots that never got that far (a kernel
# panic restarts after 10 s, a hang through the watchdog) the next slot in ORDER boots instead.
cat > "$esp/EFI/appliance/grub.cfg" <<CFG
# Appliance boot: choose slot A or B (docs/update.md). Written by the image build.
set timeout=0
set timeout_style=hidden
# the kernel keeps the firmware's text console (no video mode to look for)
set gfxpayload=text
regexp --set 1:espdev '^(\\([^)]*\\))' "\$cmdpath"
regexp --set 1:disk '^\\(([^,)]*)' "\$cmdpath"
export disk
set envfile="\${espdev}/EFI/appliance/grubenv"
set ORDER="A B"
set A_OK=0
set A_TRY=0
set B_OK=0
set B_TRY=0
load_env --file "\$envfile"

set slot=""
for s in \$ORDER; do
    if [ "\$s" = A ]; then ok="\$A_OK"; try="\$A_TRY"; fi
    if [ "\$s" = B ]; then ok="\$B_OK"; try="\$B_TRY"; fi
    if [ "\$ok" = 1 ]; then
        if [ "\$try" = 0 -o "\$try" = 1 -o "\$try" = 2 ]; then slot="\$s"; break; fi
    fi
done
if [ -z "\$slot" ]; then
    # every good slot used its attempts: never refuse to boot, take the first good one again
    for s in \$ORDER; do
        if [ "\$s" = A -a "\$A_OK" = 1 ]; then slot=A; break; fi
        if [ "\$s" = B -a "\$B_OK" = 1 ]; then slot=B; break; fi
    done
    if [ -z "\$slot" ]; then slot=A; fi
    echo "appliance: no slot left to try; booting \$slot"
fi
if [ "\$slot" = A ]; then
    if [ "\$A_TRY" = 0 ]; then A_TRY=1; elif [ "\$A_TRY" = 1 ]; then A_TRY=2; else A_TRY=3; fi
    default=0
    fallback=1
else
    if [ "\$B_TRY" = 0 ]; then B_TRY=1; elif [ "\$B_TRY" = 1 ]; then B_TRY=2; else B_TRY=3; fi
    default=1
    fallback=0
fi
# (fallback: a slot whose kernel or initrd cannot even be loaded boots the other one at once,
# instead of waiting at GRUB's prompt for a keyboard the box does not have)
save_env --file "\$envfile" A_TRY B_TRY
echo "appliance: booting slot \$slot (ORDER=\$ORDER A_OK=\$A_OK A_TRY=\$A_TRY B_OK=\$B_OK B_TRY=\$B_TRY)"

menuentry "Appliance slot A" {
    linux (\$disk,gpt2)/boot/vmlinuz root=PARTLABEL=appliance-a rauc.slot=A panic=10 $cmdline
    initrd (\$disk,gpt2)/boot/initrd.img
}
menuentry "Appliance slot B" {
    linux (\$disk,gpt3)/boot/vmlinuz root=PARTLABEL=appliance-b rauc.slot=B panic=10 $cmdline
    initrd (\$disk,gpt3)/boot/initrd.img
}
CFG

# Slot A holds the system the image ships; B is empty until the first update.
grub-editenv "$esp/EFI/appliance/grubenv" create
grub-editenv "$esp/EFI/appliance/grubenv" set ORDER="A B" A_OK=1 A_TRY=0 B_OK=0 B_TRY=0
