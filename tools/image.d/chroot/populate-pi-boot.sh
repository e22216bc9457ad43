#!/bin/bash
# populate-pi-boot.sh: run inside the arm64 image's root (chroot) after configure-rootfs.sh. Fills
# /boot/firmware (the Pi's FAT boot partition) for A/B boots (docs/update.md):
#   the Pi firmware (raspi-firmware put it there) reads config.txt, which loads U-Boot
#   (kernel=u-boot.bin: /etc/default/raspi-firmware) with the board's device tree (bcm*.dtb);
#   U-Boot runs boot.scr (pi-boot.cmd), which chooses slot A or B from appliance.env and boots
#   that slot's own kernel and initramfs from its /boot.
#
# Why U-Boot and not the Pi's own tryboot: the tryboot flag is set by the Raspberry Pi kernel's
# firmware driver on `reboot "0 tryboot"` (or through its /dev/vcio); Debian's kernel, the only one
# this build can install, has neither (docs/update.md, "Raspberry Pi").
set -euo pipefail
fw=/boot/firmware
here=$(cd "$(dirname "$0")" && pwd)
kver=$(ls /lib/modules | sort -V | tail -1)
[[ -f /boot/vmlinuz-$kver && -f /boot/initrd.img-$kver ]] || { echo "no kernel/initrd for $kver" >&2; exit 1; }
[[ -f $fw/config.txt && -f $fw/cmdline.txt ]] || { echo "no config.txt/cmdline.txt in $fw (raspi-firmware)" >&2; exit 1; }
grep -q '^kernel=u-boot.bin$' "$fw/config.txt" || { echo "config.txt does not load U-Boot (/etc/default/raspi-firmware)" >&2; exit 1; }
# stable names inside the slot, for boot.scr
ln -sf "vmlinuz-$kver" /boot/vmlinuz
ln -sf "initrd.img-$kver" /boot/initrd.img

# U-Boot for 64-bit Pis (3, 4), and the device trees the firmware hands it (raspi-firmware copies
# them only when it boots the kernel itself). They come from the image's kernel: an update's
# kernel runs on them.
install -m 0644 /usr/lib/u-boot/rpi_arm64/u-boot.bin "$fw/u-boot.bin"
cp /usr/lib/linux-image-"$kver"/broadcom/bcm*.dtb "$fw/"
rm -f "$fw"/vmlinuz-* "$fw"/initrd.img-*

# The kernel command line: raspi-firmware's (consoles, rootwait, ...) without its root= and rw;
# boot.scr adds the chosen slot's root=PARTUUID= and rauc.slot=.
cmdline=$(tr -d '\r\n' < "$fw/cmdline.txt" | sed -E -e 's/(^| )(root|rw|ro)(=[^ ]*)?( |$)/ /g' -e 's/(^| )(root|rw|ro)(=[^ ]*)?( |$)/ /g' -e 's/  +/ /g' -e 's/^ //' -e 's/ $//')
cmdline="$cmdline ro"
sed "s|@CMDLINE@|$cmdline|" "$here/pi-boot.cmd" > /run/appliance-boot.cmd
mkimage -q -A arm64 -O linux -T script -C none -n "appliance boot" -d /run/appliance-boot.cmd "$fw/boot.scr" >/dev/null
rm -f /run/appliance-boot.cmd

# Slot A holds the system the image ships; B is empty until the first update (0 boots: never
# chosen). 16 KiB with its CRC: the size in /etc/fw_env.config and boot.scr.
printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n' > /run/appliance-env.txt
mkenvimage -s 0x4000 -o "$fw/appliance.env" /run/appliance-env.txt
rm -f /run/appliance-env.txt
echo "populate-pi-boot: U-Boot, boot.scr (command line: $cmdline), appliance.env, $(ls "$fw"/bcm*.dtb | wc -l) device trees"
