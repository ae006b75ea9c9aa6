/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of muse.ko, the out-of-tree "MTD in userspace" module.
 *
 * A connection (one open file of /dev/muse) carries a queue of requests to
 * the server and owns one master MTD.  The pieces are split by concept:
 *
 *   muse_dev.c    the character device: request queue, read/write/poll
 *   muse_conn.c   connection lifetime, MUSE_INIT, MTD (un)registration
 *   muse_mtd.c    MTD callbacks mapped onto MUSE requests
 *   muse_params.c parsing and checking of the INIT key=value block
 *   muse_parts.c  the PARTSCMDLINE (cmdlinepart syntax) parser
 *   muse_direct.c clean reads served from a store the server shares
 *   muse_main.c   module init/exit and the sysfs attribute
 *
 * Nothing here may depend on fs/fuse internals: stock kernels do not export
 * them, so the FUSE device protocol is implemented locally.
 */
#ifndef MUSE_H
#define MUSE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mtd/mtd.h>
#include <linux/mtd/partitions.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "muse_abi.h"

/* Request state bits, protected by muse_conn.lock. */
enum muse_req_flag {
	MUSE_REQ_PENDING,	/* on conn->pending, not yet read */
	MUSE_REQ_SENT,		/* handed to the server, on conn->processing */
	MUSE_REQ_INTERRUPTED,	/* the waiter caught a signal */
};

/**
 * struct muse_req - one request and, once answered, its reply
 *
 * The waiter owns one reference.  A second one belongs to the queue from
 * muse_req_queue() until the request is finished or dropped; whoever takes
 * the request out of circulation puts it.  While read() or write() copies
 * to or from the caller's buffers the request sits on no list, so an abort
 * cannot finish it under the copier's feet: the copier finishes it itself.
 */
struct muse_req {
	struct list_head list;		/* conn->pending or conn->processing */
	struct list_head intr_entry;	/* conn->interrupts */
	refcount_t count;
	unsigned long flags;		/* enum muse_req_flag bits */
	bool finished;			/* set with release semantics */
	wait_queue_head_t waitq;

	struct fuse_in_header ih;
	union {
		struct muse_init_in init;
		struct muse_erase_in erase;
		struct muse_read_in read;
		struct muse_write_in write;
		struct muse_markbad_in markbad;
		struct muse_isbad_in isbad;
	} in;
	unsigned int in_arg_size;
	const void *in_data;		/* MUSE_WRITE payload, caller's buffer */
	size_t in_data_size;
	const void *in_oob;		/* combined MUSE_WRITE: OOB after data */
	size_t in_oob_size;

	union {
		struct muse_init_out init;
		struct muse_read_out read;
		struct muse_read_out_ext read_ext;
		struct muse_write_out write;
		struct muse_isbad_out isbad;
	} out;
	unsigned int out_arg_size;	/* exact size of the reply argument */
	void *out_data;			/* variable part: read data, INIT keys */
	size_t out_data_max;
	void *out_oob;			/* bytes beyond out_data_max go here */
	size_t out_oob_max;
	size_t out_data_size;		/* bytes the server actually sent */

	int error;			/* header error or local failure */
	pid_t replier;			/* tgid of the task that replied */
};

/**
 * struct muse_params - geometry and options announced in MUSE_INIT
 */
struct muse_params {
	char *name;		/* master name and partition mtd-id */
	u32 type;		/* MTD_NANDFLASH etc. */
	u32 flags;		/* MTD_WRITEABLE | MTD_BIT_WRITEABLE | MTD_NO_ERASE */
	u64 size;		/* total bytes */
	u32 writesize;		/* page size, 1 for NOR */
	u32 writebufsize;	/* power of two, <= max_read/max_write */
	u32 erasesize;		/* eraseblock size */
	u32 oobsize;		/* OOB bytes per page, < writesize */
	u32 oobavail;		/* free OOB bytes per page, <= oobsize */
	u32 subpage_shift;	/* 0..2 */
	char *partscmdline;	/* NULL when absent or empty */
	/* Extension keys; meaningful only when ffext is 1. */
	u32 ffext;		/* FFEXT: extensions v1 accepted */
	u32 ecc_strength;	/* ECCSTRENGTH: bitflips per step */
	u32 ecc_step;		/* ECCSTEP: bytes per ECC step */
	u32 bitflip_threshold;	/* BITFLIPTHRESHOLD: 0 = ecc_strength */
};

/**
 * struct muse_conn - one open /dev/muse file and the MTD it backs
 *
 * Lifetime: @kref has one reference for the open file, dropped at the end
 * of release(), and one for a registered MTD, dropped by the unregister
 * work.  Everything below @lock is protected by it.
 */
struct muse_conn {
	struct kref kref;
	spinlock_t lock;		/* queues, state and MTD user count */
	wait_queue_head_t waitq;	/* readers and pollers */
	struct list_head pending;
	struct list_head processing;
	struct list_head interrupts;
	u64 reqctr;
	bool connected;		/* false once aborted */
	bool no_interrupt;	/* server answered FUSE_INTERRUPT with ENOSYS */
	u32 max_read;		/* 0 until INIT is accepted */
	u32 max_write;
	bool ext;		/* extensions v1 negotiated, set before I/O */
	struct muse_direct *direct;	/* shared store, or NULL */

	/* MTD user accounting, see muse_conn.c */
	unsigned int users;
	bool dead;		/* file released: refuse new MTD users */
	bool registered;	/* mtd_device_register() succeeded */
	bool unreg_queued;

	struct muse_req *init_req;
	struct work_struct init_work;
	struct work_struct unreg_work;

	pid_t server_pid;	/* tgid that answered MUSE_INIT */
	struct muse_params params;
	struct mtd_partition *parts;
	int nr_parts;
	struct mtd_info mtd;
};

static inline struct muse_conn *mtd_to_conn(struct mtd_info *mtd)
{
	return mtd_get_master(mtd)->priv;
}

/* muse_main.c */
extern struct workqueue_struct *muse_wq;

/*
 * Objects alive now, for tests (debugfs muse/live_*): all three are zero
 * once every server has closed; module exit warns when they are not.
 */
extern atomic_t muse_live_conns;
extern atomic_t muse_live_reqs;
extern atomic_t muse_live_direct;
extern unsigned int muse_fuse_minor;
extern const struct attribute_group *muse_mtd_groups[];

/* muse_dev.c */
extern const struct file_operations muse_fops;
struct muse_req *muse_req_alloc(gfp_t gfp);
void muse_req_put(struct muse_req *req);
int muse_req_send(struct muse_conn *conn, struct muse_req *req);
int muse_req_queue(struct muse_conn *conn, struct muse_req *req);
void muse_req_wait(struct muse_conn *conn, struct muse_req *req);
void muse_abort(struct muse_conn *conn);

/* muse_conn.c */
struct muse_conn *muse_conn_new(void);
int muse_conn_start(struct muse_conn *conn);
void muse_conn_release(struct muse_conn *conn);
bool muse_owns_mtd(struct mtd_info *mtd);

/* muse_mtd.c */
void muse_mtd_setup(struct muse_conn *conn);

/* muse_direct.c */
struct muse_direct;
long muse_direct_ioctl(struct muse_conn *conn, void __user *arg);
void muse_direct_check(struct muse_conn *conn);
void muse_direct_release(struct muse_conn *conn);
int muse_direct_read(struct muse_conn *conn, u64 addr, size_t len, u8 *buf);
int muse_direct_isbad(struct muse_conn *conn, u64 addr);

/* muse_params.c */
int muse_parse_params(struct muse_params *p, const char *block, size_t size);
int muse_check_params(const struct muse_params *p, u32 max_read,
		      u32 max_write);
bool muse_ext_usable(const struct muse_params *p, u32 max_read,
		     u32 max_write);
void muse_free_params(struct muse_params *p);

/* muse_parts.c */
int muse_parse_parts(const struct muse_params *p,
		     struct mtd_partition **parts);
void muse_free_parts(struct mtd_partition *parts, int nr_parts);

#endif /* MUSE_H */
