#!/bin/bash
# populate-esp.sh: run inside the amd64 image's root (chroot). Fills /boot/efi (the EFI system
# partition: a plain folder here, the mounted FAT partition under debos) with systemd-boot, the
# kernel and the initramfs. The removable-media path EFI/BOOT/BOOTX64.EFI needs no NVRAM entry.
set -euo pipefail
esp=/boot/efi
kver=$(ls /lib/modules | sort -V | tail -1)
[[ -f /boot/vmlinuz-$kver && -f /boot/initrd.img-$kver ]] || { echo "no kernel/initrd for $kver" >&2; exit 1; }
install -d "$esp/EFI/BOOT" "$esp/EFI/systemd" "$esp/loader/entries" "$esp/appliance-os"
install -m 0644 /usr/lib/systemd/boot/efi/systemd-bootx64.efi "$esp/EFI/BOOT/BOOTX64.EFI"
install -m 0644 /usr/lib/systemd/boot/efi/systemd-bootx64.efi "$esp/EFI/systemd/systemd-bootx64.efi"
install -m 0644 "/boot/vmlinuz-$kver" "$esp/appliance-os/vmlinuz"
install -m 0644 "/boot/initrd.img-$kver" "$esp/appliance-os/initrd.img"
cat > "$esp/loader/loader.conf" <<CONF
default appliance.conf
timeout 0
console-mode keep
editor no
CONF
cat > "$esp/loader/entries/appliance.conf" <<CONF
title   Appliance (Debian 12, kernel $kver)
linux   /appliance-os/vmlinuz
initrd  /appliance-os/initrd.img
options $(cat /etc/kernel/cmdline)
CONF
