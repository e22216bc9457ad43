#!/bin/bash
# configure-rootfs.sh ARCH: run by image.yml inside the image's root (chroot). Makes the system
# read-mostly and enables the appliance's units.
set -euo pipefail
arch=${1:?usage: configure-rootfs.sh amd64|arm64 [VERSION]}
version=${2:-unknown}
if [[ $arch == amd64 ]]; then bootmnt=/boot/efi; else bootmnt=/boot/firmware; fi

# The initramfs, once (boot/preinstall deferred it): kernel-install hooks then copy it where the
# boot loader wants it (arm64: raspi-firmware's post-update hook into /boot/firmware).
sed -i 's/^update_initramfs=.*/update_initramfs=yes/' /etc/initramfs-tools/update-initramfs.conf
for k in /lib/modules/*; do
    k=${k##*/}
    [[ -e /boot/initrd.img-$k ]] || update-initramfs -c -k "$k"
done

# Users (appliance, gpio) now: /etc/passwd is read-only on the box.
systemd-sysusers

# Read-mostly layout:
#   /                 ext4, read-only (kernel "ro"): one of two slots (A/B, docs/update.md), found
#                     by GPT partition name on amd64 (root=PARTLABEL=appliance-a|b from GRUB), by
#                     partition UUID on the Pi (root=PARTUUID=41706c69-02|03 from U-Boot): no
#                     fstab line, since both slots carry the same file system label once B has
#                     been written
#   /var              overlay: the image's /var below, RAM above (lost at reboot)
#   /etc/openvswitch  RAM: OVS database and system-id, rebuilt at every boot by appliance-bridge
#   /tmp              RAM
#   /data             ext4, read-write: only the appliance's settings and state, bound onto
#                     /etc/appliance and /var/lib/appliance; and timesyncd's last time (a Pi has
#                     no battery-backed clock: it starts from the last synchronised time, not 1970)
#   $bootmnt          FAT, mounted on first access (first boot reads appliance/ there),
#                     read-write for the slots' boot state RAUC keeps there (amd64:
#                     EFI/appliance/grubenv for GRUB, arm64: appliance.env for U-Boot)
bootopts="rw,noauto,x-systemd.automount,x-systemd.idle-timeout=30,umask=0077,flush,nofail"
cat > /etc/fstab <<FSTAB
# <file system>          <mount point>        <type>   <options>                                     <dump> <pass>
LABEL=appliance-data     /data                ext4     rw,noatime,nosuid,nodev,noexec,commit=5       0 2
LABEL=BOOT               $bootmnt       vfat     $bootopts  0 0
/data/etc/appliance      /etc/appliance       none     bind,x-systemd.requires-mounts-for=/data       0 0
/data/var/lib/appliance  /var/lib/appliance   none     bind,x-systemd.requires-mounts-for=/data       0 0
/data/var/lib/timesync   /var/lib/systemd/timesync  none  bind,nofail,x-systemd.requires-mounts-for=/data,x-systemd.requires-mounts-for=/var  0 0
overlay                  /var                 overlay  lowerdir=/var,upperdir=/run/var-rw/upper,workdir=/run/var-rw/work,x-systemd.requires=appliance-var-rw.service  0 0
tmpfs                    /etc/openvswitch     tmpfs    mode=0755,size=16m                            0 0
tmpfs                    /tmp                 tmpfs    mode=1777,nosuid,nodev,size=64m               0 0
FSTAB
install -d -m 0755 /data /etc/appliance /var/lib/appliance "$bootmnt"
# what the data partition starts with (tools/image moves /data into its own file system; debos
# copies it onto the mounted partition)
install -d -m 0755 /data/etc/appliance
install -d -m 0750 /data/var/lib/appliance
install -d -m 0755 /data/var/lib/timesync /var/lib/systemd/timesync
chown appliance:appliance /data/var/lib/appliance
# update spool (bundles uploaded to the firmware) and RAUC's state (slot status, trial marker)
install -d -m 0750 -o appliance -g appliance /data/var/lib/appliance/update
install -d -m 0755 /data/var/lib/rauc

# where an office may drop appliance.yml, ports.conf, management.conf, api.token before first boot
install -d "$bootmnt/appliance"
sed 's/$/\r/' > "$bootmnt/appliance/README.txt" <<'TXT'
Files put in this folder before the first boot are used instead of the defaults:
  appliance.yml     the firmware's configuration
  ports.conf        which network socket is which OpenFlow port
  management.conf   DHCP (default) or static management address
  api.token         the API token (else one is generated and printed on the console)
They are read once, at the first boot. Later changes go to /etc/appliance on the box.
TXT

# Transient machine id (the root is read-only): systemd makes one in /run at every boot.
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
ln -sf /etc/machine-id /var/lib/dbus/machine-id
ln -sf ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf

# Kernel command line (amd64; the Pi's comes from raspi-firmware, /etc/default/raspi-firmware).
echo "root=LABEL=appliance-root ro rootwait console=tty0 console=ttyS0,115200n8 loglevel=4 systemd.show_status=yes" > /etc/kernel/cmdline

# The system's version (IMAGE_VERSION: the firmware reports it; update bundles carry the same).
sed -i -e '/^IMAGE_ID=/d' -e '/^IMAGE_VERSION=/d' /usr/lib/os-release
printf 'IMAGE_ID=appliance\nIMAGE_VERSION=%s\n' "$version" >> /usr/lib/os-release

# A hung kernel or systemd restarts the box (the hardware watchdog: iTCO on mini-PCs, the Pi's
# bcm2835; none: no effect); with GRUB's boot counter a slot that keeps hanging is left.
install -d /etc/systemd/system.conf.d
printf '[Manager]\nRuntimeWatchdogSec=30s\n' > /etc/systemd/system.conf.d/appliance-watchdog.conf

# A/B updates (docs/update.md): RAUC writes the slot not running; the boot loader chooses the
# slot (amd64: GRUB; arm64: U-Boot, which the Pi firmware starts).
install -d /etc/rauc
[[ -s /etc/rauc/keyring.pem ]] || { echo "configure-rootfs: no /etc/rauc/keyring.pem (the update signing certificate)" >&2; exit 1; }
if [[ $arch == amd64 ]]; then
    slot_a=/dev/disk/by-partlabel/appliance-a slot_b=/dev/disk/by-partlabel/appliance-b
    bootconf="bootloader=grub
grubenv=/boot/efi/EFI/appliance/grubenv"
    where="Slot A: GPT partition 2 (appliance-a), slot B: 3 (appliance-b)"
else
    # MBR: partitions by disk identifier and number (tools/image.d/layout.sh PI_DISK_ID)
    slot_a=/dev/disk/by-partuuid/41706c69-02 slot_b=/dev/disk/by-partuuid/41706c69-03
    bootconf="bootloader=uboot"
    where="Slot A: MBR partition 2, slot B: 3; U-Boot's slot state in /boot/firmware/appliance.env (/etc/fw_env.config)"
    # RAUC's U-Boot backend runs fw_printenv/fw_setenv, which read this: the file boot.scr reads
    # and writes, 16 KiB (tools/image.d/chroot/pi-boot.cmd)
    printf '# U-Boot environment of the slots (docs/update.md): file, offset, size\n/boot/firmware/appliance.env 0x0000 0x4000\n' > /etc/fw_env.config
fi
cat > /etc/rauc/system.conf <<CONF
# RAUC on the appliance (docs/update.md). $where.
[system]
compatible=appliance-$arch
$bootconf
statusfile=/data/var/lib/rauc/status.raucs
# / is read-only: RAUC mounts bundles and slots under /run
mountprefix=/run/rauc
# only verity bundles (their every block is checked as it is read; plain ones are not accepted)
bundle-formats=-plain

[keyring]
path=/etc/rauc/keyring.pem

[handlers]
pre-install=/usr/lib/appliance/boot/appliance-update-pre
post-install=/usr/lib/appliance/boot/appliance-update-installed

[slot.rootfs.0]
device=$slot_a
type=ext4
bootname=A

[slot.rootfs.1]
device=$slot_b
type=ext4
bootname=B
CONF
systemctl enable appliance-trial.service appliance-reboot.path

systemctl enable appliance-firstboot.service appliance-bridge.service appliance.service \
    appliance-dhcp.service appliance-time.service appliance-time.path openvswitch-switch.service systemd-resolved.service systemd-timesyncd.service
# Nothing on a read-only appliance for these to do; systemd-firstboot would prompt on the console.
systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
    fstrim.timer dpkg-db-backup.timer systemd-firstboot.service
# ovs-record-hostname only writes the host name into OVSDB, but it is RequiredBy
# openvswitch-switch and needs network-online.target. Disable it (never mask a unit that another
# one Requires=: systemd then drops jobs of that transaction, and OVS randomly did not start).
systemctl disable ovs-record-hostname.service
