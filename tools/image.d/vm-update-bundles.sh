# vm-update-bundles.sh: sourced by vm-test.sh --update before the VM boots. Makes, in the
# background, the bundles the update test installs, all from the image under test:
#   next.raucb     the same system as version N+1 (N: the image's IMAGE_VERSION)
#   broken.raucb   version N+2 whose firmware exits at once
#   foreign.raucb  N+1 signed by a key the box does not trust
#   unsigned.raucb N+1 with its signature cut off
# Signed with the pair the image was built with: --key/--cert given to the test, else tools/image's
# default (artifacts/keys/).
# shellcheck shell=bash
sign_args=()
[[ -n $sign_key ]] && sign_args=(--key "$sign_key" --cert "$sign_cert")
dd if="$img" of="$work/slotA.ext4" bs=1M skip="$ROOT_START" count="$ROOT_MIB" conv=sparse status=none
ver_n=$(debugfs -R "cat /usr/lib/os-release" "$work/slotA.ext4" 2>/dev/null | sed -n 's/^IMAGE_VERSION=//p')
mkdir -p "$work/bundles"
debugfs -R "cat /etc/rauc/keyring.pem" "$work/slotA.ext4" > "$work/bundles/image-keyring.pem" 2>/dev/null
rm -f "$work/slotA.ext4"
[[ -n $ver_n ]] || fail "the image has no IMAGE_VERSION: not an A/B image (tools/image build amd64)"
ver_next=$ver_n.next ver_broken=$ver_n.broken
log "update test: image version $ver_n; making bundles $ver_next, $ver_broken (broken firmware), foreign-signed, unsigned"
mkdir -p "$work/bundles/broken-fw"
printf '#!/bin/sh\necho "appliance: this firmware is broken on purpose (tools/image test --update)" >&2\nexit 1\n' \
    > "$work/bundles/broken-fw/appliance"
chmod 755 "$work/bundles/broken-fw/appliance"
(
    set -e
    b=$work/bundles
    "$root/tools/image" bundle amd64 --from-image "$img" --version "$ver_next" "${sign_args[@]}" --out "$b/next.raucb"
    rauc info --keyring "$b/image-keyring.pem" "$b/next.raucb" >/dev/null 2>&1 \
        || { echo "the image does not trust the key the bundles are signed with: give the test the image's --key/--cert"; exit 1; }
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -keyout "$b/foreign.key" -out "$b/foreign.cert" \
        -subj "/CN=not the appliance's signing key" 2>/dev/null
    rauc resign --no-verify --keyring "$b/foreign.cert" --cert "$b/foreign.cert" --key "$b/foreign.key" "$b/next.raucb" "$b/foreign.raucb" >/dev/null
    # a bundle ends with its CMS signature and the signature's size (8 bytes, big-endian)
    size=$(stat -c %s "$b/next.raucb")
    sig=$(tail -c 8 "$b/next.raucb" | od -An -t u8 --endian=big | tr -d ' ')
    head -c $((size - 8 - sig)) "$b/next.raucb" > "$b/unsigned.raucb"
    "$root/tools/image" bundle amd64 --from-image "$img" --version "$ver_broken" --firmware "$b/broken-fw" "${sign_args[@]}" --out "$b/broken.raucb"
    touch "$b/done"
) > "$work/bundles.log" 2>&1 &
bundles_pid=$!
