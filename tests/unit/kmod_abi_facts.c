/*
 * The kernel's side of the MUSE ABI drift check: kmod/muse_abi.h compiled
 * as C, the language muse.ko is built in, and measured (sizes, offsets,
 * signedness, constant values) into a table that muse_abi_drift_test.cc
 * compares with harness/muse/muse_abi.h. kmod/muse_abi.h includes only uapi
 * headers (<linux/types.h> for __u32/__u64, <linux/fuse.h>, <linux/ioctl.h>),
 * which Debian's linux-libc-dev installs for userspace, so no shim is
 * needed; <mtd/mtd-abi.h> is the uapi header the kernel's MTD core takes
 * the TYPE and FLAGS values from. This file only measures: it must never
 * state a number itself.
 */
#include <stddef.h>

#include <mtd/mtd-abi.h>

#include "kmod/muse_abi.h"
#include "tests/unit/abi_facts.h"

#define MEMBER(type, f) (((type *)0)->f)
/* -1 converted to the member's type is below 1 only for a signed type. */
#define SIGNED(x) ((__typeof__(x))-1 < (__typeof__(x))1)

#define STRUCT(name, type) {FF_ABI_STRUCT, name, sizeof(type), 0, 0}
#define FIELD(name, type, f)                                                   \
  {FF_ABI_FIELD, name "." #f, offsetof(type, f), sizeof(MEMBER(type, f)),     \
   SIGNED(MEMBER(type, f))}
#define ARRAY_FIELD(name, type, f)                                             \
  {FF_ABI_FIELD, name "." #f, offsetof(type, f), sizeof(MEMBER(type, f)),     \
   SIGNED(MEMBER(type, f)[0])}
#define VALUE(macro) {FF_ABI_VALUE, #macro, (unsigned long long)(macro), 0, 0}

const struct ff_abi_fact ff_kmod_abi_facts[] = {
    /* The FUSE headers muse.ko frames every message with. */
    STRUCT("in_header", struct fuse_in_header),
    FIELD("in_header", struct fuse_in_header, len),
    FIELD("in_header", struct fuse_in_header, opcode),
    FIELD("in_header", struct fuse_in_header, unique),
    FIELD("in_header", struct fuse_in_header, nodeid),
    FIELD("in_header", struct fuse_in_header, uid),
    FIELD("in_header", struct fuse_in_header, gid),
    FIELD("in_header", struct fuse_in_header, pid),
    /*
     * uapi headers from FUSE 7.38 on split the last u32 into u16
     * total_extlen + u16 padding; muse.ko leaves both 0, so on the wire it
     * is the one u32 the userspace header calls padding.
     */
    {FF_ABI_FIELD, "in_header.padding",
     offsetof(struct fuse_in_header, total_extlen),
     sizeof(MEMBER(struct fuse_in_header, total_extlen)) +
         sizeof(MEMBER(struct fuse_in_header, padding)),
     0},
    STRUCT("out_header", struct fuse_out_header),
    FIELD("out_header", struct fuse_out_header, len),
    FIELD("out_header", struct fuse_out_header, error),
    FIELD("out_header", struct fuse_out_header, unique),
    STRUCT("interrupt_in", struct fuse_interrupt_in),
    FIELD("interrupt_in", struct fuse_interrupt_in, unique),

    /* Argument structs. */
    STRUCT("init_in", struct muse_init_in),
    FIELD("init_in", struct muse_init_in, fuse_major),
    FIELD("init_in", struct muse_init_in, fuse_minor),
    STRUCT("init_out", struct muse_init_out),
    FIELD("init_out", struct muse_init_out, fuse_major),
    FIELD("init_out", struct muse_init_out, fuse_minor),
    FIELD("init_out", struct muse_init_out, max_read),
    FIELD("init_out", struct muse_init_out, max_write),
    STRUCT("erase_in", struct muse_erase_in),
    FIELD("erase_in", struct muse_erase_in, addr),
    FIELD("erase_in", struct muse_erase_in, len),
    STRUCT("read_in", struct muse_read_in),
    FIELD("read_in", struct muse_read_in, addr),
    FIELD("read_in", struct muse_read_in, len),
    FIELD("read_in", struct muse_read_in, flags),
    FIELD("read_in", struct muse_read_in, ooblen),
    STRUCT("read_out", struct muse_read_out),
    FIELD("read_out", struct muse_read_out, len),
    FIELD("read_out", struct muse_read_out, soft_error),
    FIELD("read_out", struct muse_read_out, padding),
    STRUCT("read_out_ext", struct muse_read_out_ext),
    FIELD("read_out_ext", struct muse_read_out_ext, len),
    FIELD("read_out_ext", struct muse_read_out_ext, soft_error),
    FIELD("read_out_ext", struct muse_read_out_ext, max_bitflips),
    FIELD("read_out_ext", struct muse_read_out_ext, corrected_bitflips),
    FIELD("read_out_ext", struct muse_read_out_ext, oob_len),
    STRUCT("write_in", struct muse_write_in),
    FIELD("write_in", struct muse_write_in, addr),
    FIELD("write_in", struct muse_write_in, len),
    FIELD("write_in", struct muse_write_in, flags),
    FIELD("write_in", struct muse_write_in, ooblen),
    STRUCT("write_out", struct muse_write_out),
    FIELD("write_out", struct muse_write_out, len),
    FIELD("write_out", struct muse_write_out, soft_error),
    FIELD("write_out", struct muse_write_out, padding),
    STRUCT("markbad_in", struct muse_markbad_in),
    FIELD("markbad_in", struct muse_markbad_in, addr),
    STRUCT("isbad_in", struct muse_isbad_in),
    FIELD("isbad_in", struct muse_isbad_in, addr),
    STRUCT("isbad_out", struct muse_isbad_out),
    FIELD("isbad_out", struct muse_isbad_out, result),
    FIELD("isbad_out", struct muse_isbad_out, padding),

    /* Direct reads: the ioctl argument and the shared map's header. */
    STRUCT("direct_setup", struct muse_direct_setup),
    FIELD("direct_setup", struct muse_direct_setup, store_fd),
    FIELD("direct_setup", struct muse_direct_setup, flags),
    FIELD("direct_setup", struct muse_direct_setup, store_offset),
    FIELD("direct_setup", struct muse_direct_setup, page_stride),
    FIELD("direct_setup", struct muse_direct_setup, map_addr),
    FIELD("direct_setup", struct muse_direct_setup, map_len),
    STRUCT("direct_map", struct muse_direct_map),
    FIELD("direct_map", struct muse_direct_map, magic),
    FIELD("direct_map", struct muse_direct_map, bypass),
    FIELD("direct_map", struct muse_direct_map, reads),
    FIELD("direct_map", struct muse_direct_map, read_bytes),
    FIELD("direct_map", struct muse_direct_map, isbad),
    ARRAY_FIELD("direct_map", struct muse_direct_map, reserved),
    /* The ask bits start right after the header. */
    {FF_ABI_VALUE, "direct_map.ask offset",
     offsetof(struct muse_direct_map, ask), 0, 0},

    /* Opcodes. */
    VALUE(MUSE_INIT),
    VALUE(MUSE_ERASE),
    VALUE(MUSE_READ),
    VALUE(MUSE_WRITE),
    VALUE(MUSE_MARKBAD),
    VALUE(MUSE_ISBAD),
    VALUE(MUSE_SYNC),
    VALUE(FUSE_INTERRUPT),
    VALUE(MUSE_INT_REQ_BIT),

    /* I/O flags. */
    VALUE(MUSE_IO_INBAND),
    VALUE(MUSE_IO_OOB_AUTO),
    VALUE(MUSE_IO_OOB_PLACE),
    VALUE(MUSE_IO_RAW),
    VALUE(MUSE_IO_MODE_MASK),
    VALUE(MUSE_IO_OOBOFFS_SHIFT),

    /* Versions and limits. */
    VALUE(MUSE_KERNEL_VERSION),
    VALUE(MUSE_V3_MINOR_VERSION),
    VALUE(MUSE_MIN_SERVER_MINOR),
    VALUE(MUSE_EXT_MINOR),
    VALUE(MUSE_INIT_INFO_MAX),
    VALUE(MUSE_MIN_IO_SIZE),
    VALUE(MUSE_MIN_READ_BUFFER),
    VALUE(MUSE_READ_BUFFER_OVERHEAD),
    VALUE(MUSE_MAX_ERRNO),

    /* INIT key values: MTD types and flags. */
    VALUE(MTD_RAM),
    VALUE(MTD_ROM),
    VALUE(MTD_NORFLASH),
    VALUE(MTD_NANDFLASH),
    VALUE(MTD_DATAFLASH),
    VALUE(MTD_MLCNANDFLASH),
    VALUE(MTD_WRITEABLE),
    VALUE(MTD_BIT_WRITEABLE),
    VALUE(MTD_NO_ERASE),
    VALUE(MTD_MUSE),

    /* Direct reads. */
    VALUE(MUSE_DIRECT_MAGIC),
    VALUE(MUSE_DEV_IOC_DIRECT),
};

const unsigned long ff_kmod_abi_fact_count =
    sizeof(ff_kmod_abi_facts) / sizeof(ff_kmod_abi_facts[0]);
