// SPDX-License-Identifier: GPL-2.0
/*
 * muse_mtd.c - MTD callbacks of a MUSE master, turned into MUSE requests.
 *
 * Every callback here runs in the context of an MTD user (UBI threads,
 * writeback, mtdchar, the registration worker) and may block until the
 * server answers.  Allocations use GFP_NOIO: we may be on the write-back
 * path of the very device we serve.  No MTD state is kept here beyond the
 * master's ecc_stats; the server owns the flash contents.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "muse.h"

/* Which reply error of a request ends the whole operation, and how. */
static int muse_soft_error(u32 raw)
{
	int err = (s32)raw;

	if (err < -MUSE_MAX_ERRNO || err > 0)
		return -EIO;	/* not an errno at all: a broken server */
	return err;
}

/* Soft errors seen across the requests of one read operation. */
struct muse_read_status {
	bool corrected;		/* some request said -EUCLEAN */
	bool failed;		/* some request said -EBADMSG */
};

/*
 * muse_io() - move @len bytes as one or more MUSE_READ/MUSE_WRITE requests
 *
 * Requests are at most max_read/max_write bytes, sent one after the other.
 * *@retlen counts the bytes of completely answered requests only; a short
 * reply ends the operation with -EIO, as MTD knows no short I/O.
 */
static int muse_io(struct muse_conn *conn, bool write, u64 addr, size_t len,
		   u32 flags, u8 *buf, size_t *retlen,
		   struct muse_read_status *st)
{
	size_t max = write ? READ_ONCE(conn->max_write) :
			     READ_ONCE(conn->max_read);
	size_t done = 0;
	int err = 0;

	while (done < len) {
		size_t chunk = min(len - done, max);
		struct muse_req *req = muse_req_alloc(GFP_NOIO);
		int soft;

		if (!req) {
			err = -ENOMEM;
			break;
		}
		if (write) {
			req->ih.opcode = MUSE_WRITE;
			req->in.write.addr = addr + done;
			req->in.write.len = chunk;
			req->in.write.flags = flags;
			req->in_arg_size = sizeof(req->in.write);
			req->in_data = buf + done;
			req->in_data_size = chunk;
			req->out_arg_size = sizeof(req->out.write);
		} else {
			req->ih.opcode = MUSE_READ;
			req->in.read.addr = addr + done;
			req->in.read.len = chunk;
			req->in.read.flags = flags;
			req->in_arg_size = sizeof(req->in.read);
			req->out_arg_size = sizeof(req->out.read);
			req->out_data = buf + done;
			req->out_data_max = chunk;
		}

		err = muse_req_send(conn, req);
		if (!err && write) {
			soft = muse_soft_error(req->out.write.soft_error);
			if (soft)
				err = soft;
			else if (req->out.write.len != chunk)
				err = -EIO;
		} else if (!err) {
			soft = muse_soft_error(req->out.read.soft_error);
			/* Trust nothing short, whatever read_out.len says. */
			if (req->out.read.len != chunk ||
			    req->out_data_size != chunk)
				err = -EIO;
			else if (soft == -EUCLEAN)
				st->corrected = true;
			else if (soft == -EBADMSG)
				st->failed = true;
			else
				err = soft;
		}
		muse_req_put(req);
		if (err)
			break;
		done += chunk;
	}
	*retlen = done;
	return err;
}

/*
 * Fold the soft errors of a read into the result and the statistics.
 * ecc_strength is 0, so the MTD core passes -EUCLEAN through untouched
 * and copies changes of the master's ecc_stats to the partitions.
 */
static int muse_read_result(struct muse_conn *conn,
			    const struct muse_read_status *st,
			    struct mtd_req_stats *stats, int err)
{
	struct mtd_info *mtd = &conn->mtd;

	if (!st->corrected && !st->failed)
		return err;

	spin_lock(&conn->lock);
	if (st->failed)
		mtd->ecc_stats.failed++;
	if (st->corrected)
		mtd->ecc_stats.corrected++;
	spin_unlock(&conn->lock);

	if (stats) {
		stats->uncorrectable_errors += st->failed;
		stats->corrected_bitflips += st->corrected;
	}
	if (err)
		return err;
	return st->failed ? -EBADMSG : -EUCLEAN;
}

static int muse_oob_flags(unsigned int mode, u32 *flags)
{
	switch (mode) {
	case MTD_OPS_PLACE_OOB:
		*flags = MUSE_IO_OOB_PLACE;
		return 0;
	case MTD_OPS_AUTO_OOB:
		*flags = MUSE_IO_OOB_AUTO;
		return 0;
	case MTD_OPS_RAW:
		*flags = MUSE_IO_OOB_PLACE | MUSE_IO_RAW;
		return 0;
	default:
		return -EINVAL;
	}
}

static u32 muse_inband_flags(unsigned int mode)
{
	return mode == MTD_OPS_RAW ? MUSE_IO_INBAND | MUSE_IO_RAW :
				     MUSE_IO_INBAND;
}

/*
 * In-band and OOB in one operation needs a combined request the v3
 * protocol lacks; a negotiated extension would be dispatched from here.
 */
static int muse_oob_op(struct mtd_info *mtd, loff_t addr,
		       struct mtd_oob_ops *ops, bool write)
{
	struct muse_conn *conn = mtd->priv;
	struct muse_read_status st = {};
	u32 oobflags;
	int err;

	err = muse_oob_flags(ops->mode, &oobflags);
	if (err)
		return err;

	if (ops->datbuf && ops->oobbuf)
		return -ENOTSUPP;

	if (ops->datbuf)
		err = muse_io(conn, write, addr, ops->len,
			      muse_inband_flags(ops->mode), ops->datbuf,
			      &ops->retlen, &st);
	else if (ops->oobbuf && ops->ooblen)
		/* OOB addressing: page address plus offset in its OOB. */
		err = muse_io(conn, write, addr + ops->ooboffs, ops->ooblen,
			      oobflags, ops->oobbuf, &ops->oobretlen, &st);

	if (write)
		return err;
	return muse_read_result(conn, &st, ops->stats, err);
}

static int muse_read_oob(struct mtd_info *mtd, loff_t from,
			 struct mtd_oob_ops *ops)
{
	return muse_oob_op(mtd, from, ops, false);
}

static int muse_write_oob(struct mtd_info *mtd, loff_t to,
			  struct mtd_oob_ops *ops)
{
	return muse_oob_op(mtd, to, ops, true);
}

static int muse_read(struct mtd_info *mtd, loff_t from, size_t len,
		     size_t *retlen, u_char *buf)
{
	struct muse_conn *conn = mtd->priv;
	struct muse_read_status st = {};
	int err;

	err = muse_io(conn, false, from, len, MUSE_IO_INBAND, buf, retlen,
		      &st);
	return muse_read_result(conn, &st, NULL, err);
}

static int muse_write(struct mtd_info *mtd, loff_t to, size_t len,
		      size_t *retlen, const u_char *buf)
{
	/* muse_io() only reads from @buf when writing. */
	return muse_io(mtd->priv, true, to, len, MUSE_IO_INBAND, (u8 *)buf,
		       retlen, NULL);
}

/* Errors that say "the server is gone", not "this block is broken". */
static bool muse_conn_error(int err)
{
	return err == -ENOTCONN || err == -ECONNABORTED || err == -EINTR ||
	       err == -ENOMEM;
}

static int muse_erase(struct mtd_info *mtd, struct erase_info *instr)
{
	struct muse_req *req = muse_req_alloc(GFP_NOIO);
	int err;

	if (!req)
		return -ENOMEM;
	req->ih.opcode = MUSE_ERASE;
	req->in.erase.addr = instr->addr;
	req->in.erase.len = instr->len;
	req->in_arg_size = sizeof(req->in.erase);
	err = muse_req_send(mtd->priv, req);
	muse_req_put(req);

	/*
	 * The reply names no block; it is known only when the request
	 * covered a single one.  JFFS2 marks blocks bad only on a known
	 * fail_addr, so a dead server must leave it unknown.
	 */
	if (err && !muse_conn_error(err) && instr->len <= mtd->erasesize)
		instr->fail_addr = instr->addr;
	return err;
}

static void muse_sync(struct mtd_info *mtd)
{
	struct muse_req *req = muse_req_alloc(GFP_NOIO);

	if (!req)
		return;
	req->ih.opcode = MUSE_SYNC;
	/* A barrier: wait for it, but its error tells the caller nothing. */
	muse_req_send(mtd->priv, req);
	muse_req_put(req);
}

static int muse_block_isbad(struct mtd_info *mtd, loff_t ofs)
{
	struct muse_req *req = muse_req_alloc(GFP_NOIO);
	int ret;

	if (!req)
		return -ENOMEM;
	req->ih.opcode = MUSE_ISBAD;
	req->in.isbad.addr = ofs;
	req->in_arg_size = sizeof(req->in.isbad);
	req->out_arg_size = sizeof(req->out.isbad);
	ret = muse_req_send(mtd->priv, req);
	if (!ret)
		ret = req->out.isbad.result ? 1 : 0;
	muse_req_put(req);
	return ret;
}

static int muse_block_markbad(struct mtd_info *mtd, loff_t ofs)
{
	struct muse_req *req = muse_req_alloc(GFP_NOIO);
	int err;

	if (!req)
		return -ENOMEM;
	req->ih.opcode = MUSE_MARKBAD;
	req->in.markbad.addr = ofs;
	req->in_arg_size = sizeof(req->in.markbad);
	err = muse_req_send(mtd->priv, req);
	muse_req_put(req);
	return err;
}

/**
 * muse_mtd_setup() - install the callbacks that fit the announced type
 *
 * NAND types get only the OOB hooks (the core falls back to them for
 * plain reads and writes) and the bad block hooks; everything else gets
 * plain read/write and the core's "never bad" answers.
 */
void muse_mtd_setup(struct muse_conn *conn)
{
	struct mtd_info *mtd = &conn->mtd;

	if (mtd_type_is_nand(mtd)) {
		mtd->_read_oob = muse_read_oob;
		mtd->_write_oob = muse_write_oob;
		mtd->_block_isbad = muse_block_isbad;
		mtd->_block_markbad = muse_block_markbad;
	} else {
		mtd->_read = muse_read;
		mtd->_write = muse_write;
	}
	mtd->_erase = muse_erase;
	mtd->_sync = muse_sync;
}
