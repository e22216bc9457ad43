#!/usr/bin/env bash
# flash-test.sh [IMG]: tests `tools/image flash` on loop devices (no real disk is touched).
#   - refuses: a regular file, a missing path, the disk holding /, a mounted disk
#   - writes: an unmounted loop device, with bmaptool; the device then reads back as the image;
#     the same from the image as shipped (IMG.xz, its IMG.bmap found beside it)
# Without IMG a small stand-in image is made (so CI can run it without building the real one).
# Needs root and loop devices (no partition support needed). Cleans up after itself.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
root=$(cd "$(dirname "$0")/../.." && pwd)
tool=$root/tools/image
work=$(mktemp -d /tmp/flash-test.XXXXXX)
loops=() mnt=""
passed=0 failed=0
cleanup() {
    set +e
    [[ -n $mnt ]] && umount "$mnt" 2>/dev/null
    for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }
expect_refusal() {   # DESCRIPTION PATTERN ARGS...
    local what=$1 pat=$2 out rc=0; shift 2
    out=$("$tool" flash "$@" --yes 2>&1) || rc=$?
    if ((rc != 0)) && [[ $out == *"refusing"*$pat* ]]; then ok "refuses $what ($out)"
    else bad "$what: rc=$rc, output: $out"; fi
}

img=${1:-}
if [[ -z $img ]]; then
    img=$work/small.img
    truncate -s 64M "$img"
    printf 'label: gpt\nstart=2048, size=16384, type=L, name="a"\n' | sfdisk -q "$img"
    head -c 3M /dev/urandom | dd of="$img" bs=1M seek=1 conv=notrunc status=none
    bmaptool create -o "$img.bmap" "$img" 2>/dev/null
fi
size=$(stat -c %s "$img")

# refusals
expect_refusal "a missing path" "does not exist" "$img" "$work/plain-file"
touch "$work/plain-file"
expect_refusal "a regular file" "not a block device" "$img" "$work/plain-file"
rootdev=$(findmnt -no SOURCE / || true)
if [[ -b $rootdev ]]; then
    rootdisk=/dev/$(lsblk -ndo PKNAME "$rootdev" 2>/dev/null | head -1)
    [[ $rootdisk == /dev/ ]] && rootdisk=$rootdev
    expect_refusal "the disk holding / ($rootdisk)" "root file system" "$img" "$rootdisk"
else
    echo "skip: / is not on a block device here ($rootdev)"
fi
truncate -s 64M "$work/mounted.disk"
mkfs.ext4 -q -F "$work/mounted.disk"
l=$(losetup -f --show "$work/mounted.disk"); loops+=("$l")
mnt=$work/mnt; mkdir -p "$mnt"; mount "$l" "$mnt"
expect_refusal "a mounted disk ($l on $mnt)" "in use" "$img" "$l"
# the same through a fake block-device node of our own (another name for the same disk)
mknod "$work/fake-sdx" b "$(stat -c %t "$l" | xargs printf '%d')" "$(stat -c %T "$l" | xargs printf '%d')"
expect_refusal "a mounted disk by another device node" "in use" "$img" "$work/fake-sdx"
umount "$mnt"; mnt=""

# a real write to an unmounted loop device
truncate -s "$size" "$work/target.disk"
t=$(losetup -f --show "$work/target.disk"); loops+=("$t")
if "$tool" flash "$img" "$t" --yes >"$work/flash.log" 2>&1; then
    if cmp -s -n "$size" "$img" "$t"; then ok "writes an unmounted disk ($t) and it reads back as the image"
    else bad "flash to $t: content differs"; fi
else bad "flash to $t failed: $(tail -3 "$work/flash.log")"; fi

# the image as offices download it: .img.xz with the .bmap of the image inside
xz -T0 -k -f -c "$img" > "$work/shipped.img.xz"
cp "$img.bmap" "$work/shipped.img.bmap"
dd if=/dev/zero of="$t" bs=1M count=$((size / 1048576)) conv=notrunc status=none
if "$tool" flash "$work/shipped.img.xz" "$t" --yes >"$work/flash.log" 2>&1; then
    if ! grep -q "no .*bmap" "$work/flash.log" && cmp -s -n "$size" "$img" "$t"; then ok "writes IMG.xz with its IMG.bmap, and the disk reads back as the image"
    else bad "flash of .img.xz to $t: $(grep -q "no .*bmap" "$work/flash.log" && echo "bmap not found" || echo "content differs")"; fi
else bad "flash of .img.xz to $t failed: $(tail -3 "$work/flash.log")"; fi
truncate -s $((size / 2)) "$work/small.disk"
s=$(losetup -f --show "$work/small.disk"); loops+=("$s")
expect_refusal_plain() {   # as expect_refusal, for refusals made after the device checks
    local what=$1 pat=$2 out rc=0; shift 2
    out=$("$tool" flash "$@" --yes 2>&1) || rc=$?
    if ((rc != 0)) && [[ $out == *$pat* ]]; then ok "refuses $what ($out)"; else bad "$what: rc=$rc, output: $out"; fi
}
expect_refusal_plain "a disk smaller than the image inside the .xz" "smaller than the image" "$work/shipped.img.xz" "$s"

echo "$passed passed, $failed failed"
((failed == 0))
