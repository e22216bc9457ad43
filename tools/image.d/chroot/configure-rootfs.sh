#!/bin/bash
# configure-rootfs.sh ARCH: run by image.yml inside the image's root (chroot). Makes the system
# read-mostly and enables the appliance's units.
set -euo pipefail
arch=${1:?usage: configure-rootfs.sh amd64|arm64}
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
#   /                 ext4, read-only (kernel "ro" and fstab)
#   /var              overlay: the image's /var below, RAM above (lost at reboot)
#   /etc/openvswitch  RAM: OVS database and system-id, rebuilt at every boot by appliance-bridge
#   /tmp              RAM
#   /data             ext4, read-write: only the appliance's settings and state, bound onto
#                     /etc/appliance and /var/lib/appliance; and timesyncd's last time (a Pi has
#                     no battery-backed clock: it starts from the last synchronised time, not 1970)
#   $bootmnt          FAT, read-only, mounted on first access (first boot reads appliance/ there)
cat > /etc/fstab <<FSTAB
# <file system>          <mount point>        <type>   <options>                                     <dump> <pass>
LABEL=appliance-root     /                    ext4     ro,noatime,errors=remount-ro                  0 1
LABEL=appliance-data     /data                ext4     rw,noatime,nosuid,nodev,noexec,commit=5       0 2
LABEL=BOOT               $bootmnt       vfat     ro,noauto,x-systemd.automount,x-systemd.idle-timeout=30,umask=0077,nofail  0 0
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

systemctl enable appliance-firstboot.service appliance-bridge.service appliance.service \
    appliance-dhcp.service appliance-time.service appliance-time.path openvswitch-switch.service systemd-resolved.service systemd-timesyncd.service
# Nothing on a read-only appliance for these to do; systemd-firstboot would prompt on the console.
systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
    fstrim.timer dpkg-db-backup.timer systemd-firstboot.service
# ovs-record-hostname only writes the host name into OVSDB, but it is RequiredBy
# openvswitch-switch and needs network-online.target. Disable it (never mask a unit that another
# one Requires=: systemd then drops jobs of that transaction, and OVS randomly did not start).
systemctl disable ovs-record-hostname.service
