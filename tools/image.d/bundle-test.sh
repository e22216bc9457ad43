#!/usr/bin/env bash
# bundle-test.sh: tests `tools/image bundle` (amd64 and arm64) without building the real image
# (CI): a stand-in image whose slot A holds a tiny system (os-release with IMAGE_VERSION, a
# firmware file) becomes a bundle that real RAUC verifies with the signing certificate and
# refuses with another one; the version and the firmware given are the ones inside; the old
# firmware and version are not; an arm64 bundle carries the Pi's compatible.
# Needs root (debugfs on files only, nothing mounted). Cleans up after itself.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tools/image.d/layout.sh"
work=$(mktemp -d /tmp/bundle-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }
command -v rauc >/dev/null && command -v unsquashfs >/dev/null && command -v debugfs >/dev/null && command -v openssl >/dev/null \
    || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends rauc squashfs-tools e2fsprogs openssl >/dev/null

# the stand-in image: slot A with a small system, sparse elsewhere
mkdir -p "$work/tree/usr/lib/appliance/bin" "$work/tree/boot"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nIMAGE_ID=appliance\nIMAGE_VERSION=1.0.0\n' > "$work/tree/usr/lib/os-release"
printf '#!/bin/sh\necho old firmware\n' > "$work/tree/usr/lib/appliance/bin/appliance"
head -c 300000 /dev/urandom > "$work/tree/boot/vmlinuz-test"   # squashfs needs more than 4 KiB
chmod 755 "$work/tree/usr/lib/appliance/bin/appliance"
truncate -s "${ROOT_MIB}M" "$work/root.ext4"
mkfs.ext4 -q -F -L appliance-root -d "$work/tree" "$work/root.ext4"
truncate -s "${IMG_MIB}M" "$work/test.img"
dd if="$work/root.ext4" of="$work/test.img" bs=1M seek="$ROOT_START" conv=notrunc,sparse status=none
mkdir -p "$work/fw"; printf '#!/bin/sh\necho new firmware\n' > "$work/fw/appliance"; chmod 755 "$work/fw/appliance"
for k in signing other; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$work/$k.key" -out "$work/$k.cert" -subj "/CN=bundle-test $k" \
        -addext "keyUsage=critical,digitalSignature" 2>/dev/null
done

out=$("$root/tools/image" bundle amd64 --from-image "$work/test.img" --version 1.0.1 --firmware "$work/fw" \
    --key "$work/signing.key" --cert "$work/signing.cert" --out "$work/b.raucb" 2>&1) && ok "bundle made: ${out##*bundle: }" || bad "tools/image bundle: $out"
info=$(rauc info --keyring "$work/signing.cert" --output-format=json "$work/b.raucb" 2>/dev/null || true)
[[ $info == *'"compatible":"appliance-amd64"'* && $info == *'"version":"1.0.1"'* ]] \
    && ok "RAUC verifies it with the signing certificate: compatible appliance-amd64, version 1.0.1" || bad "rauc info: $info"
if rauc info --keyring "$work/other.cert" "$work/b.raucb" >/dev/null 2>&1; then bad "RAUC accepted it with another certificate"
else ok "RAUC refuses it with another certificate"; fi
unsquashfs -q -d "$work/x" "$work/b.raucb" >/dev/null 2>&1 || true
if [[ -f $work/x/root.ext4 ]]; then
    v=$(debugfs -R "cat /usr/lib/os-release" "$work/x/root.ext4" 2>/dev/null | sed -n 's/^IMAGE_VERSION=//p')
    [[ $v == 1.0.1 ]] && ok "the system inside says IMAGE_VERSION=1.0.1" || bad "IMAGE_VERSION inside: '$v'"
    f=$(debugfs -R "cat /usr/lib/appliance/bin/appliance" "$work/x/root.ext4" 2>/dev/null)
    [[ $f == *"new firmware"* ]] && ok "the firmware inside is the one given" || bad "firmware inside: $f"
    m=$(debugfs -R "stat /usr/lib/appliance/bin/appliance" "$work/x/root.ext4" 2>/dev/null | grep -o -E 'Mode: +[0-7]+|User: +[0-9]+' | tr -s ' ' | tr '\n' ' ')
    [[ $m == *"Mode: 0755"*"User: 0"* ]] && ok "executable and root's ($m)" || bad "firmware file: $m"
    e2fsck -fn "$work/x/root.ext4" >/dev/null 2>&1 && ok "its file system checks clean" || bad "e2fsck of the bundle's file system"
else bad "no root.ext4 in the bundle"; fi
v=$(debugfs -R "cat /usr/lib/os-release" "$work/root.ext4" 2>/dev/null | sed -n 's/^IMAGE_VERSION=//p')
[[ $v == 1.0.0 ]] && ok "the image itself is unchanged" || bad "the image changed: $v"
# the Raspberry Pi's: the same system, for the Pi's compatible (a box of the other kind refuses it)
out=$("$root/tools/image" bundle arm64 --from-image "$work/test.img" --version 1.0.2 \
    --key "$work/signing.key" --cert "$work/signing.cert" --out "$work/pi.raucb" 2>&1) && ok "arm64 bundle made: ${out##*bundle: }" || bad "tools/image bundle arm64: $out"
info=$(rauc info --keyring "$work/signing.cert" --output-format=json "$work/pi.raucb" 2>/dev/null || true)
[[ $info == *'"compatible":"appliance-arm64"'* && $info == *'"version":"1.0.2"'* ]] \
    && ok "RAUC verifies the arm64 bundle: compatible appliance-arm64, version 1.0.2" || bad "rauc info (arm64): $info"
out=$("$root/tools/image" bundle amd64 --from-image "$work/test.img" --version 'bad version' --key "$work/signing.key" --cert "$work/signing.cert" 2>&1) \
    && bad "a version with a space was accepted" || ok "a version with a space is refused (${out##*: })"

echo "$passed passed, $failed failed"
((failed == 0))
