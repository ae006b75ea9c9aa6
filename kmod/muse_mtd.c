// SPDX-License-Identifier: GPL-2.0
/*
 * muse_mtd.c - MTD callbacks of a MUSE master, turned into MUSE requests.
 *
 * Every callback here runs in the context of an MTD user (UBI threads,
 * writeback, mtdchar, the registration worker) and may block until the
 * server answers.  Allocations use GFP_NOIO: we may be on the write-back
 * path of the very device we serve.  No MTD state is kept here beyond the
 * master's ecc_stats; the server owns the flash contents.  With the
 * negotiated extensions (conn->ext) reads return bitflip counts and data
 * plus OOB travel in combined requests, split at page boundaries.
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

/* Soft errors and bitflip counts across the requests of one read. */
struct muse_read_status {
	bool corrected;		/* some request said -EUCLEAN */
	bool failed;		/* some request said -EBADMSG */
	unsigned int nfailed;	/* requests that said -EBADMSG */
	u32 max_bitflips;	/* extensions: highest over the requests */
	u64 corrected_bitflips;	/* extensions: sum over the requests */
};

/* One MUSE_READ or MUSE_WRITE: the len bytes, and the OOB of a combined. */
struct muse_io_piece {
	u64 addr;
	u32 flags;
	u8 *dat;
	size_t datlen;
	u8 *oob;
	size_t ooblen;
};

static int muse_write_done(struct muse_req *req, const struct muse_io_piece *p)
{
	int soft = muse_soft_error(req->out.write.soft_error);

	if (soft)
		return soft;
	return req->out.write.len == p->datlen ? 0 : -EIO;
}

/* Fold one soft error into @st; any other error ends the operation. */
static int muse_read_soft(struct muse_read_status *st, int soft)
{
	if (soft == -EUCLEAN) {
		st->corrected = true;
	} else if (soft == -EBADMSG) {
		st->failed = true;
		st->nfailed++;
	} else if (soft) {
		return soft;
	}
	return 0;
}

static int muse_read_done(struct muse_conn *conn, struct muse_req *req,
			  const struct muse_io_piece *p,
			  struct muse_read_status *st)
{
	const struct muse_read_out_ext *ext = &req->out.read_ext;

	if (!conn->ext) {
		/* Trust nothing short, whatever read_out.len says. */
		if (req->out.read.len != p->datlen ||
		    req->out_data_size != p->datlen)
			return -EIO;
		return muse_read_soft(st,
				      muse_soft_error(req->out.read.soft_error));
	}
	if (ext->len != p->datlen || ext->oob_len != p->ooblen ||
	    req->out_data_size != p->datlen + p->ooblen)
		return -EIO;
	st->max_bitflips = max(st->max_bitflips, ext->max_bitflips);
	st->corrected_bitflips += ext->corrected_bitflips;
	return muse_read_soft(st, muse_soft_error(ext->soft_error));
}

/* Send one request and check its reply against the piece. */
static int muse_io_one(struct muse_conn *conn, bool write,
		       const struct muse_io_piece *p,
		       struct muse_read_status *st)
{
	struct muse_req *req = muse_req_alloc(GFP_NOIO);
	int err;

	if (!req)
		return -ENOMEM;
	if (write) {
		req->ih.opcode = MUSE_WRITE;
		req->in.write.addr = p->addr;
		req->in.write.len = p->datlen;
		req->in.write.flags = p->flags;
		req->in.write.ooblen = p->ooblen;
		req->in_arg_size = sizeof(req->in.write);
		req->in_data = p->dat;
		req->in_data_size = p->datlen;
		req->in_oob = p->oob;
		req->in_oob_size = p->ooblen;
		req->out_arg_size = sizeof(req->out.write);
	} else {
		req->ih.opcode = MUSE_READ;
		req->in.read.addr = p->addr;
		req->in.read.len = p->datlen;
		req->in.read.flags = p->flags;
		req->in.read.ooblen = p->ooblen;
		req->in_arg_size = sizeof(req->in.read);
		req->out_arg_size = conn->ext ? sizeof(req->out.read_ext) :
						sizeof(req->out.read);
		req->out_data = p->dat;
		req->out_data_max = p->datlen;
		req->out_oob = p->oob;
		req->out_oob_max = p->ooblen;
	}

	err = muse_req_send(conn, req);
	if (!err)
		err = write ? muse_write_done(req, p) :
			      muse_read_done(conn, req, p, st);
	muse_req_put(req);
	return err;
}

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
		struct muse_io_piece p = {
			.addr = addr + done,
			.flags = flags,
			.dat = buf + done,
			.datlen = min(len - done, max),
		};

		err = muse_io_one(conn, write, &p, st);
		if (err)
			break;
		done += p.datlen;
	}
	*retlen = done;
	return err;
}

/*
 * muse_combined_io() - data and OOB in one operation (extensions only)
 *
 * @addr must be page aligned.  The OOB runs over the successive pages of
 * the data from @ops->ooboffs in the first one; OOB beyond the last data
 * page is not transferred (oobretlen says so), as on a NAND driver and as
 * mtdchar's MEMWRITE expects.  The operation is split at page boundaries
 * so that each request's data and OOB fit max_read/max_write.
 */
static int muse_combined_io(struct muse_conn *conn, bool write, u64 addr,
			    struct mtd_oob_ops *ops, u32 oobflags,
			    u32 per_page, struct muse_read_status *st)
{
	struct mtd_info *mtd = &conn->mtd;
	size_t max = write ? READ_ONCE(conn->max_write) :
			     READ_ONCE(conn->max_read);
	size_t step = max / (mtd->writesize + per_page) * mtd->writesize;
	size_t pages = DIV_ROUND_UP(ops->len, mtd->writesize);
	size_t dat_done = 0, oob_done = 0, ooblen;
	u32 offs = ops->ooboffs;
	int err = 0;

	if (mtd_mod_by_ws(addr, mtd) || offs >= per_page || !step)
		return -EINVAL;
	ooblen = min_t(size_t, ops->ooblen, pages * per_page - offs);

	while (dat_done < ops->len) {
		struct muse_io_piece p = {
			.addr = addr + dat_done,
			.flags = MUSE_IO_INBAND | oobflags |
				 offs << MUSE_IO_OOBOFFS_SHIFT,
			.dat = ops->datbuf + dat_done,
			.datlen = min(ops->len - dat_done, step),
			.oob = ops->oobbuf + oob_done,
		};
		size_t n = DIV_ROUND_UP(p.datlen, mtd->writesize);

		p.ooblen = min(ooblen - oob_done, n * per_page - offs);
		err = muse_io_one(conn, write, &p, st);
		if (err)
			break;
		dat_done += p.datlen;
		oob_done += p.ooblen;
		offs = 0;
	}
	ops->retlen = dat_done;
	ops->oobretlen = oob_done;
	return err;
}

/*
 * Fold the soft errors of a read into the result and the statistics.
 *
 * v3: ecc_strength is 0, so the MTD core passes -EUCLEAN through untouched;
 * each operation counts once in the master's ecc_stats.
 * Extensions: the core turns the returned max_bitflips into -EUCLEAN with
 * bitflip_threshold; corrected counts bitflips, failed counts requests
 * answered -EBADMSG.  A -EUCLEAN soft error means "scrub whatever the
 * count says", so the count reported is at least the threshold.  In both
 * cases the core copies changes of the master's counters to partitions.
 */
static int muse_read_result(struct muse_conn *conn,
			    const struct muse_read_status *st,
			    struct mtd_req_stats *stats, int err)
{
	struct mtd_info *mtd = &conn->mtd;
	u64 corrected = conn->ext ? st->corrected_bitflips : st->corrected;
	unsigned int failed = conn->ext ? st->nfailed : st->failed;

	if (corrected || failed) {
		spin_lock(&conn->lock);
		mtd->ecc_stats.failed += failed;
		mtd->ecc_stats.corrected += corrected;
		spin_unlock(&conn->lock);
	}
	if (stats) {
		stats->uncorrectable_errors += failed;
		stats->corrected_bitflips += corrected;
	}
	if (err)
		return err;
	if (st->failed)
		return -EBADMSG;
	if (!conn->ext || !mtd->ecc_strength)
		return st->corrected ? -EUCLEAN : 0;
	if (st->corrected)
		return max(st->max_bitflips, mtd->bitflip_threshold);
	return st->max_bitflips;
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
 * In-band and OOB in one operation: a combined request with the
 * extensions, -ENOTSUPP as in v3 without them.
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

	if (ops->datbuf && ops->oobbuf && !conn->ext)
		return -ENOTSUPP;

	if (ops->datbuf && ops->len && ops->oobbuf) {
		err = muse_combined_io(conn, write, addr, ops, oobflags,
				       mtd_oobavail(mtd, ops), &st);
	} else if (ops->datbuf && ops->len) {
		if (!write &&
		    !muse_direct_read(conn, addr, ops->len, ops->datbuf)) {
			ops->retlen = ops->len;
			return 0;
		}
		err = muse_io(conn, write, addr, ops->len,
			      muse_inband_flags(ops->mode), ops->datbuf,
			      &ops->retlen, &st);
	} else if (ops->oobbuf && ops->ooblen) {
		/* OOB addressing: page address plus offset in its OOB. */
		err = muse_io(conn, write, addr + ops->ooboffs, ops->ooblen,
			      oobflags, ops->oobbuf, &ops->oobretlen, &st);
	}

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

	if (!muse_direct_read(conn, from, len, buf)) {
		*retlen = len;
		return 0;
	}
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
	struct muse_req *req;
	int ret;

	if (!muse_direct_isbad(mtd->priv, ofs))
		return 0;
	req = muse_req_alloc(GFP_NOIO);
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
