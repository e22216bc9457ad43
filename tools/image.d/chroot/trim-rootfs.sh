#!/bin/bash
# trim-rootfs.sh: run inside the image's root (chroot) last: drop what a read-only box never uses.
# Not /tmp: debos has this script's folder bind-mounted there.
set -euo pipefail
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/*.log \
    /var/log/apt/* /usr/share/man/* /usr/share/info/* /var/tmp/*
find /usr/share/locale -name '*.mo' -delete
find /usr/share/doc -type f ! -name copyright -delete
