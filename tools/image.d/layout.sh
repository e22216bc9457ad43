# layout.sh: the disk layout, in MiB. Sourced by tools/image and vm-test.sh; image.yml's
# image-partition action must say the same (start/end of each partition).
IMG_MIB=2048
BOOT_START=1    BOOT_MIB=256     # FAT32 "BOOT": ESP (amd64) / Pi firmware (arm64)
ROOT_START=257  ROOT_MIB=1536    # ext4 "appliance-root", mounted read-only
DATA_START=1793 DATA_MIB=254     # ext4 "appliance-data", /etc/appliance + /var/lib/appliance
# GPT type GUIDs (amd64)
GPT_ESP=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
GPT_ROOT_X86_64=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
GPT_LINUX=0FC63DAF-8483-4772-8E79-3D69D8477DE4
