/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MUSE wire format: the opcodes and argument structs exchanged with the
 * userspace server on /dev/muse, as fixed by the "MUSE v3" series and
 * docs/muse-protocol.md of this project.  Userspace has its own copy
 * (harness/muse/muse_abi.h); tests/unit/muse_abi_drift_test.cc compiles
 * both and fails when any size, offset or value differs.
 *
 * This header only describes bytes on the wire.  It must not grow any
 * kernel-internal state; every struct keeps an explicit padding field so
 * that 32- and 64-bit servers see the same layout.
 *
 * "flashfault extensions v1" (docs/muse-protocol.md, "Extensions this
 * project added") are announced with fuse_minor >= MUSE_EXT_MINOR and
 * enabled only when the server answers the INIT key FFEXT=1; they add
 * combined data+OOB requests and struct muse_read_out_ext as the reply of
 * every MUSE_READ.
 */
#ifndef MUSE_ABI_H
#define MUSE_ABI_H

#include <linux/types.h>
#include <linux/fuse.h>
#include <linux/ioctl.h>

/*
 * The FUSE version we announce in MUSE_INIT and the one we demand back.
 * v3 announces 33; any minor >= MUSE_EXT_MINOR offers the extensions.
 */
#define MUSE_KERNEL_VERSION		7
#define MUSE_V3_MINOR_VERSION		33
#define MUSE_EXT_MINOR			35
#define MUSE_MIN_SERVER_MINOR		34

/*
 * The one FUSE opcode sent besides these is FUSE_INTERRUPT; its header
 * unique is the interrupted request's with this bit set (requests' uniques
 * are even).
 */
#define MUSE_INT_REQ_BIT	1ULL

/* Opcodes live above the FUSE range so a FUSE server rejects them. */
enum muse_opcode {
	MUSE_INIT	= 8192,
	MUSE_ERASE	= 8193,
	MUSE_READ	= 8194,
	MUSE_WRITE	= 8195,
	MUSE_MARKBAD	= 8196,
	MUSE_ISBAD	= 8197,
	MUSE_SYNC	= 8198,
};

/* read_in.flags / write_in.flags */
#define MUSE_IO_INBAND		0x1
#define MUSE_IO_OOB_AUTO	0x2
#define MUSE_IO_OOB_PLACE	0x4
#define MUSE_IO_RAW		0x8
/*
 * Extensions only, in a combined request (MUSE_IO_INBAND plus one OOB
 * mode): bits 16..31 of flags are the OOB offset in the first page.
 */
#define MUSE_IO_MODE_MASK	0xffff
#define MUSE_IO_OOBOFFS_SHIFT	16

/* Largest key=value block the server may append to init_out. */
#define MUSE_INIT_INFO_MAX	4096

/* Lower bound for max_read and max_write, whatever the server asks. */
#define MUSE_MIN_IO_SIZE	4096

/* Minimum read() buffer: FUSE in-header plus FUSE write-in header. */
#define MUSE_MIN_READ_BUFFER	8192
#define MUSE_READ_BUFFER_OVERHEAD \
	(sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in))

/* Errors a reply header may carry: 0 or -1 ... -511. */
#define MUSE_MAX_ERRNO		511

/*
 * Set on every MUSE master (and so inherited by its partitions); servers
 * and tools see it in MEMGETINFO and in sysfs flags.  Never sent in FLAGS.
 */
#define MTD_MUSE		0x8000

struct muse_init_in {
	__u32 fuse_major;
	__u32 fuse_minor;
};

struct muse_init_out {
	__u32 fuse_major;
	__u32 fuse_minor;
	__u32 max_read;
	__u32 max_write;
};

struct muse_erase_in {
	__u64 addr;
	__u64 len;
};

struct muse_read_in {
	__u64 addr;
	__u64 len;
	__u32 flags;
	__u32 ooblen;		/* v3: padding (0); combined: OOB bytes */
};

struct muse_read_out {
	__u64 len;
	__u32 soft_error;
	__u32 padding;
};

/* Followed by len data bytes, then (combined requests) ooblen OOB bytes. */
struct muse_write_in {
	__u64 addr;
	__u64 len;
	__u32 flags;
	__u32 ooblen;		/* v3: padding (0); combined: OOB bytes */
};

/*
 * Extensions only: the reply of every MUSE_READ, followed by len data
 * bytes, then oob_len OOB bytes (0 unless the request was combined).
 * soft_error is 0 or -EUCLEAN (scrub whatever the count says) or -EBADMSG.
 */
struct muse_read_out_ext {
	__u64 len;
	__u32 soft_error;
	__u32 max_bitflips;		/* highest count in one ECC step */
	__u32 corrected_bitflips;	/* sum over the request */
	__u32 oob_len;
};

struct muse_write_out {
	__u64 len;
	__u32 soft_error;
	__u32 padding;
};

struct muse_markbad_in {
	__u64 addr;
};

struct muse_isbad_in {
	__u64 addr;
};

struct muse_isbad_out {
	__u32 result;
	__u32 padding;
};

/*
 * Direct reads (this project's extension, see docs/muse-protocol.md):
 * an ioctl on /dev/muse, before the INIT reply, shares the server's page store and a
 * map the server keeps.  Reads and isbad of eraseblocks whose "ask" bit is
 * clear are then served by the module from the store, without a request.
 */
#define MUSE_IOC_MAGIC		0xE6
#define MUSE_DIRECT_MAGIC	0x4D444D31	/* "MDM1" */

struct muse_direct_setup {
	__s32 store_fd;		/* a regular file open for reading */
	__u32 flags;		/* 0 */
	__u64 store_offset;	/* byte offset of page 0 in the file */
	__u64 page_stride;	/* bytes per page: WRITESIZE + OOBSIZE */
	__u64 map_addr;		/* server address of the map, page aligned */
	__u64 map_len;		/* bytes of the map, header included */
};

#define MUSE_DEV_IOC_DIRECT	_IOW(MUSE_IOC_MAGIC, 0, struct muse_direct_setup)

/*
 * The map, in server memory pinned by the module.  The server writes
 * magic, bypass and ask[]; the module adds to the counters atomically.
 */
struct muse_direct_map {
	__u32 magic;		/* MUSE_DIRECT_MAGIC */
	__u32 bypass;		/* non-zero: every read and isbad asks */
	__u64 reads;		/* reads served directly */
	__u64 read_bytes;	/* their bytes */
	__u64 isbad;		/* isbad answered directly */
	__u64 reserved[4];
	__u64 ask[];		/* bit b % 64 of word b / 64: block b asks */
};

#endif /* MUSE_ABI_H */
