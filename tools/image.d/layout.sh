# layout.sh: the disk layout, in MiB. Sourced by tools/image and vm-test.sh; image.yml's
# image-partition action must say the same (start/end of each partition).
# Two root slots (A, B) for A/B updates (docs/update.md): the image ships the system in A; B is
# written by the first update. The data partition is shared by both and survives updates.
IMG_MIB=4096
BOOT_START=1     BOOT_MIB=256     # FAT32 "BOOT": ESP (amd64: GRUB and its boot-slot state) / Pi firmware (arm64)
ROOT_START=257   ROOT_MIB=1280    # slot A: ext4 "appliance-root", mounted read-only
ROOTB_START=1537 ROOTB_MIB=1280   # slot B: the same, written by an update
DATA_START=2817  DATA_MIB=1278    # ext4 "appliance-data", /etc/appliance + /var/lib/appliance (+ update spool)
# GPT partition names (amd64): the kernel finds its root by them (root=PARTLABEL=...), not by the
# file system's label, which both slots share once B is written
PART_A=appliance-a PART_B=appliance-b
# MBR disk identifier (arm64): the same on every Pi image, so RAUC names its slots by
# /dev/disk/by-partuuid/41706c69-02|03 whether the box boots from SD or USB (MBR has no partition
# names); U-Boot passes root=PARTUUID=... of the slot it chose
PI_DISK_ID=0x41706c69
# GPT type GUIDs (amd64)
GPT_ESP=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
GPT_ROOT_X86_64=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
GPT_LINUX=0FC63DAF-8483-4772-8E79-3D69D8477DE4
