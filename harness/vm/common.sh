# harness/vm/common.sh -- shared host-side helpers for the VM rig scripts.
# Sourced (never executed) by fetch-kernel.sh, build-initramfs.sh, make-payload.sh,
# probe-accel.sh and run-guest.sh.
# Must not: run commands at source time beyond setting variables, or write anywhere
# except the cache directory.

FF_CACHE="${FLASHFAULT_CACHE:-${HOME:-/tmp}/.cache/flashfault}"
FF_VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

vm_log() { printf '[vm] %s\n' "$*" >&2; }
vm_die() { printf '[vm] error: %s\n' "$*" >&2; exit 1; }
vm_need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || vm_die "required command '$c' not found (install it: see harness/vm/README.md)"
    done
}
# Seconds since the epoch with microseconds (bash 5 EPOCHREALTIME).
vm_now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
vm_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Fill the array QEMU_ARGV with the qemu command line for one boot.
# vm_qemu_argv ACCEL(kvm|tcg) MEM KERNEL INITRD CONSOLE_FILE KMSG_FILE [EXTRA_KERNEL_ARGS]
# ttyS0 is the console (CONSOLE_FILE). The guest's /dev/kmsg records go to KMSG_FILE through
# a virtio serial port named flashfault.kmsg, streamed by /init as they appear (guest/init):
# a 16550 UART under TCG moves ~40 KB/s, far too slow for a kernel that dumps hex.
# Boot time matters (a campaign boots often): cryptomgr.notests skips the crypto
# self-tests and apparmor=0 the policy setup, neither of which a flash test needs.
# no_timer_check: an overloaded TCG host can miss the IO-APIC timer test ("IO-APIC + timer
# doesn't work!" panic at boot); the check proves nothing about flash.
# log_buf_len=16M (128 times Debian's; FLASHFAULT_LOG_BUF_LEN) lets the ring buffer absorb a
# burst while the stream catches up: under TCG on a loaded host /dev/kmsg drains at ~0.7 of
# the rate UBI dumps hex, so a 4M ring lost records of a 14 MB flood. printk.devkmsg=on
# keeps the guest's marker records from being rate-limited.
# Scenarios may append arguments, but only those harness/campaign/kernel_args.cc allows.
FF_KERNEL_ARGS="console=ttyS0 panic=-1 quiet loglevel=4 rdinit=/init 8250.nr_uarts=1 mitigations=off i8042.noaux i8042.nopnp tsc=reliable cryptomgr.notests apparmor=0 no_timer_check log_buf_len=${FLASHFAULT_LOG_BUF_LEN:-16M} printk.devkmsg=on"
vm_qemu_argv() {
    local accel="$1" mem="$2" kernel="$3" initrd="$4" console="$5" kmsg="$6" extra="${7:-}"
    # qemu64 plus what every x86-64 machine of the last fifteen years has: programs built
    # for the host (libFuzzer's runtime uses popcnt) must not die of SIGILL in the guest.
    # RDRAND lets the kernel seed its CRNG while it boots on one CPU: without it the CRNG
    # became ready seconds into the run, and flipping its static key (text patching) while
    # another vCPU ran urandom_read_iter killed 6.12 under TCG with an int3 Oops.
    local cpu=qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt,+rdrand acc=tcg,thread=multi
    if [ "$accel" = kvm ]; then cpu=host; acc=kvm; fi
    QEMU_ARGV=("${FLASHFAULT_QEMU:-qemu-system-x86_64}" -nographic -no-reboot -nodefaults
        -no-user-config ${FLASHFAULT_QEMU_BIOS:+-bios "$FLASHFAULT_QEMU_BIOS"} -monitor none -serial "file:$console" -net none
        -device virtio-serial-pci,id=ffvs -chardev "file,id=ffkmsg,path=$kmsg"
        -device virtserialport,bus=ffvs.0,chardev=ffkmsg,name=flashfault.kmsg
        -accel "$acc" -cpu "$cpu" -m "$mem" -smp 2
        -kernel "$kernel" -initrd "$initrd" -append "$FF_KERNEL_ARGS${extra:+ $extra}")
}
