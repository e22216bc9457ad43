# vm-update-bundles.sh: sourced by vm-test.sh --update before the VM boots. Makes, in the
# background, the bundles the update test installs, all from the image under test:
#   next.raucb     the same system as version N+1 (N: the image's IMAGE_VERSION)
#   broken.raucb   version N+2 whose firmware exits at once
#   foreign.raucb  N+1 signed by a key the box does not trust
#   unsigned.raucb N+1 with its signature cut off
# shellcheck shell=bash
ver_n=$(dd if="$img" bs=1M skip="$ROOT_START" count="$ROOT_MIB" status=none 2>/dev/null \
    | { cat > "$work/slotA.ext4"; debugfs -R "cat /usr/lib/os-release" "$work/slotA.ext4" 2>/dev/null; } | sed -n 's/^IMAGE_VERSION=//p')
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
    "$root/tools/image" bundle amd64 --from-image "$img" --version "$ver_next" --out "$b/next.raucb"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -keyout "$b/foreign.key" -out "$b/foreign.cert" \
        -subj "/CN=not the appliance's signing key" 2>/dev/null
    rauc resign --no-verify --cert "$b/foreign.cert" --key "$b/foreign.key" "$b/next.raucb" "$b/foreign.raucb" >/dev/null
    # a bundle ends with its CMS signature and the signature's size (8 bytes, big-endian)
    size=$(stat -c %s "$b/next.raucb")
    sig=$(tail -c 8 "$b/next.raucb" | od -An -t u8 --endian=big | tr -d ' ')
    head -c $((size - 8 - sig)) "$b/next.raucb" > "$b/unsigned.raucb"
    "$root/tools/image" bundle amd64 --from-image "$img" --version "$ver_broken" --firmware "$b/broken-fw" --out "$b/broken.raucb"
    touch "$b/done"
) > "$work/bundles.log" 2>&1 &
bundles_pid=$!
