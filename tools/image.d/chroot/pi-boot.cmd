# Appliance boot (Raspberry Pi image): choose system slot A or B (docs/update.md). U-Boot runs
# this as boot.scr from the boot partition; populate-pi-boot.sh fills in @CMDLINE@ and compiles it.
#
# Slot state: RAUC's U-Boot scheme (BOOT_ORDER, BOOT_A_LEFT, BOOT_B_LEFT), kept in appliance.env
# on the boot partition, a U-Boot environment block of 16 KiB with its CRC, which RAUC writes
# through fw_setenv (/etc/fw_env.config) on install, mark-good and mark-bad. Every boot takes one
# from the chosen slot's count; its boot check (appliance-trial, rauc status mark-good) sets it
# back to 3. A slot whose count reached 0 (3 boots that never got that far, or marked bad) is
# passed over. Only these three variables are read and written: the rest of U-Boot's own
# environment stays U-Boot's (its uboot.env is a different file).
# (U-Boot's shell: hush; setexpr computes in hex, the same as decimal for 0 to 3.)

setenv BOOT_ORDER "A B"
setenv BOOT_A_LEFT 3
setenv BOOT_B_LEFT 0
# a free place to read files into before the kernel: where the kernel goes later
if load ${devtype} ${devnum}:1 ${kernel_addr_r} appliance.env; then
    if env import -c ${kernel_addr_r} 0x4000 BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT; then
        true
    else
        echo "appliance: appliance.env is damaged; slot A first"
        setenv BOOT_ORDER "A B"
        setenv BOOT_A_LEFT 3
        setenv BOOT_B_LEFT 0
    fi
else
    echo "appliance: no appliance.env; slot A first"
fi

setenv slot
for s in "${BOOT_ORDER}"; do
    if test -z "${slot}"; then
        if test "${s}" = A; then
            if test ${BOOT_A_LEFT} -gt 0; then setenv slot A; setexpr BOOT_A_LEFT ${BOOT_A_LEFT} - 1; fi
        elif test "${s}" = B; then
            if test ${BOOT_B_LEFT} -gt 0; then setenv slot B; setexpr BOOT_B_LEFT ${BOOT_B_LEFT} - 1; fi
        fi
    fi
done
if test -z "${slot}"; then
    # every slot used its attempts or is marked bad: never refuse to boot, take the first in
    # the order again (its boot check then decides)
    for s in "${BOOT_ORDER}"; do
        if test -z "${slot}"; then setenv slot ${s}; fi
    done
    if test "${slot}" != A -a "${slot}" != B; then setenv slot A; fi
    echo "appliance: no slot has boots left; booting ${slot}"
fi
env export -c -s 0x4000 ${kernel_addr_r} BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT
fatwrite ${devtype} ${devnum}:1 ${kernel_addr_r} appliance.env 0x4000 || echo "appliance: could not save appliance.env"
echo "appliance: booting slot ${slot} (BOOT_ORDER=${BOOT_ORDER} BOOT_A_LEFT=${BOOT_A_LEFT} BOOT_B_LEFT=${BOOT_B_LEFT})"

# The slot's own kernel and initramfs (its /boot, like GRUB on amd64): an update replaces kernel
# and system together. The device tree is the one the Pi firmware loaded from this partition
# (with the firmware's fixups), at fdt_addr; QEMU's board passes its own the same way.
# The initramfs goes 96 MiB above the kernel: Debian's arm64 kernel (33 MB, more once
# unpacked) would run into the board's default ramdisk_addr_r.
setexpr rd_addr ${kernel_addr_r} + 0x6000000
test -n "${fdt_addr}" || setenv fdt_addr ${fdtcontroladdr}
setenv boot_slot 'if test ${slot} = A; then setenv rootpart 2; else setenv rootpart 3; fi; part uuid ${devtype} ${devnum}:${rootpart} rootuuid; if load ${devtype} ${devnum}:${rootpart} ${kernel_addr_r} /boot/vmlinuz; then if load ${devtype} ${devnum}:${rootpart} ${rd_addr} /boot/initrd.img; then setenv bootargs "root=PARTUUID=${rootuuid} rauc.slot=${slot} panic=10 @CMDLINE@ ${appliance_bootargs}"; echo "appliance: slot ${slot}: ${bootargs}"; booti ${kernel_addr_r} ${rd_addr}:${filesize} ${fdt_addr}; fi; fi'
# appliance_bootargs: empty on the box; the image test's copy adds its board's console
if load ${devtype} ${devnum}:1 ${rd_addr} bootargs.txt; then env import -t ${rd_addr} ${filesize} appliance_bootargs; fi
run boot_slot
# Its kernel or initramfs could not be loaded at all: the other slot at once, without a count
# (GRUB's fallback entry on amd64), rather than stopping at a prompt no one sees.
if test ${slot} = A; then setenv slot B; else setenv slot A; fi
echo "appliance: the kernel of the chosen slot cannot be loaded; trying slot ${slot}"
run boot_slot
echo "appliance: no slot could be booted"
