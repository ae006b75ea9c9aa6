// SPDX-License-Identifier: GPL-2.0
/*
 * muse_conn.c - lifetime of a MUSE connection and of its master MTD.
 *
 * open() queues MUSE_INIT; a worker waits for the answer, checks it and
 * registers the MTD (registration itself does I/O, so it must not run in
 * open(), which holds misc_mtx).  When the server goes away the MTD stays
 * until its last user lets go, then a work item unregisters it and frees
 * the connection.  Nothing here may unregister from ->_put_device() (it
 * runs under mtd_table_mutex) or free the master before both the
 * unregistration and the last ->_put_device().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/sched.h>

#include "muse.h"

/* Parsers we run on the master and each partition: none at all. */
static const char * const muse_no_probes[] = { NULL };

static void muse_conn_free(struct kref *kref)
{
	struct muse_conn *conn = container_of(kref, struct muse_conn, kref);

	if (conn->init_req) {
		kfree(conn->init_req->out_data);
		muse_req_put(conn->init_req);
	}
	muse_direct_release(conn);
	muse_free_parts(conn->parts, conn->nr_parts);
	muse_free_params(&conn->params);
	kfree(conn);
	atomic_dec(&muse_live_conns);
}

/* Queue the unregistration if nothing holds the MTD any more. */
static void muse_maybe_unregister_locked(struct muse_conn *conn)
{
	lockdep_assert_held(&conn->lock);
	if (conn->dead && conn->registered && !conn->users &&
	    !conn->unreg_queued) {
		conn->unreg_queued = true;
		queue_work(muse_wq, &conn->unreg_work);
	}
}

static void muse_unreg_work(struct work_struct *work)
{
	struct muse_conn *conn = container_of(work, struct muse_conn,
					      unreg_work);
	int err;

	/* May re-enter ->_get_device (refused) and ->_put_device. */
	err = mtd_device_unregister(&conn->mtd);
	if (err) {
		/* Still referenced by the MTD core: leaking beats a UAF. */
		pr_err("%s: unregister failed (%d), leaking it\n",
		       conn->params.name, err);
		return;
	}
	pr_info("%s: unregistered\n", conn->params.name);

	/* Pairs with the unlock in muse_put_device(): it is done with us. */
	spin_lock(&conn->lock);
	conn->registered = false;
	WARN_ON(conn->users);
	spin_unlock(&conn->lock);
	kref_put(&conn->kref, muse_conn_free);
}

/*
 * ->_get_device: runs under mtd_table_mutex, so only a spinlock.  Once the
 * server has gone, new users are refused; existing ones keep their hold.
 */
static int muse_get_device(struct mtd_info *mtd)
{
	struct muse_conn *conn = mtd->priv;
	int ret = 0;

	spin_lock(&conn->lock);
	if (conn->dead)
		ret = -ENODEV;
	else
		conn->users++;
	spin_unlock(&conn->lock);
	return ret;
}

/*
 * ->_put_device: the last thing the MTD core does with the master.  Never
 * unregister here (mtd_table_mutex is held); hand it to the workqueue.
 */
static void muse_put_device(struct mtd_info *mtd)
{
	struct muse_conn *conn = mtd->priv;

	spin_lock(&conn->lock);
	if (!WARN_ON(!conn->users))
		conn->users--;
	muse_maybe_unregister_locked(conn);
	spin_unlock(&conn->lock);
}

/* Is @mtd (a master or a partition) backed by a MUSE connection? */
bool muse_owns_mtd(struct mtd_info *mtd)
{
	return mtd_get_master(mtd)->_get_device == muse_get_device;
}

/* Check the INIT reply, fill in the master.  Return 0 or -errno. */
static int muse_apply_init(struct muse_conn *conn, struct muse_req *req)
{
	const struct muse_init_out *out = &req->out.init;
	struct muse_params *p = &conn->params;
	struct mtd_info *mtd = &conn->mtd;
	u32 max_read, max_write;
	int err;

	if (req->error) {
		pr_err("INIT failed: %d\n", req->error);
		return req->error;
	}
	if (out->fuse_major != MUSE_KERNEL_VERSION ||
	    out->fuse_minor < MUSE_MIN_SERVER_MINOR) {
		pr_err("unsupported protocol %u.%u from server\n",
		       out->fuse_major, out->fuse_minor);
		return -EPROTO;
	}
	max_read = max_t(u32, out->max_read, MUSE_MIN_IO_SIZE);
	max_write = max_t(u32, out->max_write, MUSE_MIN_IO_SIZE);

	err = muse_parse_params(p, req->out_data, req->out_data_size);
	if (err)
		return err;
	err = muse_check_params(p, max_read, max_write);
	if (err)
		return err;
	if (p->partscmdline) {
		err = muse_parse_parts(p, &conn->parts);
		if (err < 0)
			return err;
		conn->nr_parts = err;
	}

	/* Extensions only if we offered them and the server took them. */
	if (req->in.init.fuse_minor >= MUSE_EXT_MINOR && p->ffext)
		conn->ext = muse_ext_usable(p, max_read, max_write);
	else if (p->ffext)
		pr_warn("%s: FFEXT without our offer, ignored\n", p->name);
	if (conn->ext) {
		mtd->ecc_strength = p->ecc_strength;
		mtd->ecc_step_size = p->ecc_step;
		mtd->bitflip_threshold = p->bitflip_threshold;
		pr_info("%s: flashfault extensions v1 (ecc %u bits / %u bytes, threshold %u)\n",
			p->name, p->ecc_strength, p->ecc_step,
			p->bitflip_threshold);
	}

	conn->server_pid = req->replier;
	mtd->name = p->name;
	mtd->type = p->type;
	mtd->flags = p->flags | MTD_MUSE;
	mtd->size = p->size;
	mtd->writesize = p->writesize;
	mtd->writebufsize = p->writebufsize;
	mtd->erasesize = p->erasesize;
	mtd->oobsize = p->oobsize;
	mtd->oobavail = p->oobavail;
	mtd->subpage_sft = p->subpage_shift;
	mtd->owner = THIS_MODULE;
	mtd->priv = conn;
	mtd->dev.groups = muse_mtd_groups;
	mtd->_get_device = muse_get_device;
	mtd->_put_device = muse_put_device;
	muse_mtd_setup(conn);

	spin_lock(&conn->lock);
	WRITE_ONCE(conn->max_read, max_read);
	WRITE_ONCE(conn->max_write, max_write);
	spin_unlock(&conn->lock);
	/* After max_read is set: no MUSE_DEV_IOC_DIRECT can race with this. */
	muse_direct_check(conn);
	return 0;
}

static void muse_init_work(struct work_struct *work)
{
	struct muse_conn *conn = container_of(work, struct muse_conn,
					      init_work);
	struct muse_req *req = conn->init_req;
	int i, err;

	muse_req_wait(conn, req);
	err = muse_apply_init(conn, req);
	if (err)
		goto abort;

	spin_lock(&conn->lock);
	if (conn->dead) {
		spin_unlock(&conn->lock);
		return;
	}
	spin_unlock(&conn->lock);

	for (i = 0; i < conn->nr_parts; i++)
		conn->parts[i].types = muse_no_probes;

	/* The server must keep serving: this does I/O (isbad, notifiers). */
	err = mtd_device_parse_register(&conn->mtd, muse_no_probes, NULL,
					conn->parts, conn->nr_parts);
	if (err) {
		pr_err("%s: registration failed: %d\n", conn->params.name, err);
		goto abort;
	}
	pr_info("%s: registered by pid %d\n", conn->params.name,
		conn->server_pid);

	spin_lock(&conn->lock);
	conn->registered = true;
	kref_get(&conn->kref);		/* dropped by muse_unreg_work() */
	spin_unlock(&conn->lock);
	return;

abort:
	muse_abort(conn);
}

struct muse_conn *muse_conn_new(void)
{
	struct muse_conn *conn = kzalloc(sizeof(*conn), GFP_KERNEL);

	if (!conn)
		return NULL;
	atomic_inc(&muse_live_conns);
	kref_init(&conn->kref);
	spin_lock_init(&conn->lock);
	init_waitqueue_head(&conn->waitq);
	INIT_LIST_HEAD(&conn->pending);
	INIT_LIST_HEAD(&conn->processing);
	INIT_LIST_HEAD(&conn->interrupts);
	INIT_WORK(&conn->init_work, muse_init_work);
	INIT_WORK(&conn->unreg_work, muse_unreg_work);
	conn->connected = true;
	return conn;
}

/**
 * muse_conn_start() - queue MUSE_INIT and start the registration worker
 *
 * Return: 0 or -ENOMEM.  On failure the caller releases the connection.
 */
int muse_conn_start(struct muse_conn *conn)
{
	struct muse_req *req;
	void *keys;
	int err;

	req = muse_req_alloc(GFP_KERNEL);
	keys = kzalloc(MUSE_INIT_INFO_MAX, GFP_KERNEL);
	if (!req || !keys) {
		kfree(keys);
		if (req)
			muse_req_put(req);
		return -ENOMEM;
	}
	req->ih.opcode = MUSE_INIT;
	req->in.init.fuse_major = MUSE_KERNEL_VERSION;
	req->in.init.fuse_minor = muse_fuse_minor;
	req->in_arg_size = sizeof(req->in.init);
	req->out_arg_size = sizeof(req->out.init);
	req->out_data = keys;
	req->out_data_max = MUSE_INIT_INFO_MAX;
	conn->init_req = req;

	err = muse_req_queue(conn, req);
	if (err)
		return err;
	queue_work(muse_wq, &conn->init_work);
	return 0;
}

/**
 * muse_conn_release() - the server closed its file (or died)
 *
 * Order matters: refuse new MTD users, abort every request so that the
 * registration worker (maybe blocked in I/O) can finish, wait for it, and
 * only then decide whether the MTD can go now or at its last put.
 */
void muse_conn_release(struct muse_conn *conn)
{
	spin_lock(&conn->lock);
	conn->dead = true;
	spin_unlock(&conn->lock);

	muse_abort(conn);
	/* Waits for a running worker; its I/O now fails with -ENOTCONN. */
	cancel_work_sync(&conn->init_work);

	spin_lock(&conn->lock);
	muse_maybe_unregister_locked(conn);
	spin_unlock(&conn->lock);

	kref_put(&conn->kref, muse_conn_free);
}
