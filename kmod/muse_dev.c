// SPDX-License-Identifier: GPL-2.0
/*
 * muse_dev.c - the /dev/muse character device and its request queue.
 *
 * This file speaks the FUSE device protocol to the server: a request is
 * queued by an MTD callback, handed out whole by read(), answered whole by
 * write() and matched by its unique id.  It knows nothing about MTD; it
 * must not sleep holding conn->lock, and it must never finish a request
 * while the server may still be copying that request's buffers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "muse.h"

/* Unique ids step by two: bit 0 (MUSE_INT_REQ_BIT) marks FUSE_INTERRUPT. */
#define MUSE_REQ_ID_STEP	2ULL

struct muse_req *muse_req_alloc(gfp_t gfp)
{
	struct muse_req *req = kzalloc(sizeof(*req), gfp);

	if (!req)
		return NULL;
	atomic_inc(&muse_live_reqs);
	INIT_LIST_HEAD(&req->list);
	INIT_LIST_HEAD(&req->intr_entry);
	refcount_set(&req->count, 1);
	init_waitqueue_head(&req->waitq);
	return req;
}

void muse_req_put(struct muse_req *req)
{
	if (refcount_dec_and_test(&req->count)) {
		kfree(req);
		atomic_dec(&muse_live_reqs);
	}
}

static bool muse_req_finished(struct muse_req *req)
{
	/* Pairs with muse_req_end(): the reply is visible once finished. */
	return smp_load_acquire(&req->finished);
}

/*
 * Finish @req with @error (0 keeps what the reply set) and drop the queue's
 * reference.  The caller holds conn->lock and has made sure nobody is still
 * copying the request's buffers.
 */
static void muse_req_end(struct muse_req *req, int error)
{
	list_del_init(&req->list);
	list_del_init(&req->intr_entry);
	clear_bit(MUSE_REQ_PENDING, &req->flags);
	if (error)
		req->error = error;
	/* Publish error and reply before the waiter may see "finished". */
	smp_store_release(&req->finished, true);
	/*
	 * A sync wakeup: the server goes back to read() and sleeps, so the
	 * caller may run on this CPU instead of waiting for another one.
	 */
	wake_up_sync(&req->waitq);
	muse_req_put(req);
}

static bool muse_request_ready(struct muse_conn *conn)
{
	return !list_empty(&conn->pending) || !list_empty(&conn->interrupts);
}

/* Lockless wakeup condition for readers; rechecked under the lock. */
static bool muse_read_ready(struct muse_conn *conn)
{
	return !READ_ONCE(conn->connected) || muse_request_ready(conn);
}

/* Called with conn->lock held. */
static void muse_queue_interrupt(struct muse_conn *conn, struct muse_req *req)
{
	if (!conn->connected || conn->no_interrupt || req->finished ||
	    !list_empty(&req->intr_entry))
		return;
	list_add_tail(&req->intr_entry, &conn->interrupts);
	wake_up(&conn->waitq);
}

/**
 * muse_req_queue() - put a request on the pending queue
 * @conn: the connection
 * @req: filled in request; the header's len, unique and ids are set here
 *
 * Return: 0, or -ENOTCONN once the connection is aborted (nothing queued).
 */
int muse_req_queue(struct muse_conn *conn, struct muse_req *req)
{
	struct fuse_in_header *ih = &req->ih;

	ih->len = sizeof(*ih) + req->in_arg_size + req->in_data_size +
		  req->in_oob_size;
	ih->nodeid = ih->opcode == MUSE_INIT ? 0 : FUSE_ROOT_ID;
	/* Informational only; global ids, the server may be anywhere. */
	ih->uid = from_kuid(&init_user_ns, current_fsuid());
	ih->gid = from_kgid(&init_user_ns, current_fsgid());
	ih->pid = task_pid_nr(current);

	spin_lock(&conn->lock);
	if (!conn->connected) {
		spin_unlock(&conn->lock);
		return -ENOTCONN;
	}
	conn->reqctr += MUSE_REQ_ID_STEP;
	ih->unique = conn->reqctr;
	refcount_inc(&req->count);
	set_bit(MUSE_REQ_PENDING, &req->flags);
	list_add_tail(&req->list, &conn->pending);
	/* Sync: the caller sleeps in muse_req_wait() right after this. */
	wake_up_sync(&conn->waitq);
	spin_unlock(&conn->lock);
	return 0;
}

/**
 * muse_req_wait() - wait until a queued request is finished
 * @conn: the connection
 * @req: a request queued by muse_req_queue()
 *
 * Like FUSE: interruptible first (a signal asks the server to interrupt
 * a sent request), then killable (a fatal signal drops a request the
 * server has not seen yet, with -EINTR), then uninterruptible, because a
 * request the server has seen may be having its buffers copied.  An abort
 * always finishes every request, so a vanished server never hangs us.
 */
void muse_req_wait(struct muse_conn *conn, struct muse_req *req)
{
	if (!READ_ONCE(conn->no_interrupt)) {
		if (!wait_event_interruptible(req->waitq,
					      muse_req_finished(req)))
			return;
		spin_lock(&conn->lock);
		set_bit(MUSE_REQ_INTERRUPTED, &req->flags);
		if (test_bit(MUSE_REQ_SENT, &req->flags))
			muse_queue_interrupt(conn, req);
		spin_unlock(&conn->lock);
	}

	if (!wait_event_killable(req->waitq, muse_req_finished(req)))
		return;

	spin_lock(&conn->lock);
	if (test_bit(MUSE_REQ_PENDING, &req->flags)) {
		list_del_init(&req->list);
		clear_bit(MUSE_REQ_PENDING, &req->flags);
		req->error = -EINTR;
		req->finished = true;
		spin_unlock(&conn->lock);
		muse_req_put(req);	/* the queue's reference */
		return;
	}
	spin_unlock(&conn->lock);

	wait_event(req->waitq, muse_req_finished(req));
}

/**
 * muse_req_send() - queue a request and wait for its reply
 *
 * Return: the header error or a local one (-ENOTCONN, -ECONNABORTED,
 * -EINTR, -EIO for a malformed reply).
 */
int muse_req_send(struct muse_conn *conn, struct muse_req *req)
{
	int err = muse_req_queue(conn, req);

	if (err)
		return err;
	muse_req_wait(conn, req);
	return req->error;
}

/**
 * muse_abort() - end the connection
 *
 * Every queued and sent request finishes with -ECONNABORTED; requests
 * being copied right now are finished by their copier, which checks
 * ->connected afterwards.  Readers and pollers wake up to -ENODEV.
 */
void muse_abort(struct muse_conn *conn)
{
	struct muse_req *req, *next;

	spin_lock(&conn->lock);
	if (!conn->connected) {
		spin_unlock(&conn->lock);
		return;
	}
	conn->connected = false;
	list_for_each_entry_safe(req, next, &conn->interrupts, intr_entry)
		list_del_init(&req->intr_entry);
	list_for_each_entry_safe(req, next, &conn->pending, list)
		muse_req_end(req, -ECONNABORTED);
	list_for_each_entry_safe(req, next, &conn->processing, list)
		muse_req_end(req, -ECONNABORTED);
	spin_unlock(&conn->lock);
	wake_up_all(&conn->waitq);
}

static int muse_open(struct inode *inode, struct file *file)
{
	struct muse_conn *conn;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	conn = muse_conn_new();
	if (!conn)
		return -ENOMEM;

	/* Queues MUSE_INIT; registration happens later, in a worker. */
	err = muse_conn_start(conn);
	if (err) {
		muse_conn_release(conn);
		return err;
	}
	file->private_data = conn;
	/* A stream of messages: no position, no lseek, on every kernel. */
	return stream_open(inode, file);
}

static int muse_release(struct inode *inode, struct file *file)
{
	muse_conn_release(file->private_data);
	return 0;
}

/* Hand out a FUSE_INTERRUPT for @req; called with conn->lock held. */
static ssize_t muse_read_interrupt(struct muse_conn *conn,
				   struct muse_req *req, struct iov_iter *to)
	__releases(&conn->lock)
{
	struct {
		struct fuse_in_header ih;
		struct fuse_interrupt_in arg;
	} msg = {};

	list_del_init(&req->intr_entry);
	msg.ih.len = sizeof(msg);
	msg.ih.opcode = FUSE_INTERRUPT;
	msg.ih.unique = req->ih.unique | MUSE_INT_REQ_BIT;
	msg.arg.unique = req->ih.unique;
	spin_unlock(&conn->lock);

	if (copy_to_iter(&msg, sizeof(msg), to) != sizeof(msg))
		return -EFAULT;
	return sizeof(msg);
}

/*
 * The MTD user's buffers (in_data, in_oob, out_data, out_oob) may be
 * objects of slab caches without a usercopy region: JFFS2 reads raw inodes
 * into its own kmem_cache.  Hardened usercopy would BUG() on them, so they
 * are copied with the unchecked iterators; every length has been checked
 * against the request before (muse_reply_size_ok(), the request's sizes).
 */
static int muse_copy_req_out(struct muse_req *req, struct iov_iter *to)
{
	if (copy_to_iter(&req->ih, sizeof(req->ih), to) != sizeof(req->ih))
		return -EFAULT;
	if (copy_to_iter(&req->in, req->in_arg_size, to) != req->in_arg_size)
		return -EFAULT;
	if (_copy_to_iter(req->in_data, req->in_data_size, to) !=
	    req->in_data_size)
		return -EFAULT;
	if (_copy_to_iter(req->in_oob, req->in_oob_size, to) !=
	    req->in_oob_size)
		return -EFAULT;
	return 0;
}

/*
 * read()/readv(): one whole request per call.  The iter variants (not
 * plain .read/.write) are needed so that a readv()/writev() is one
 * message, as on /dev/fuse, rather than one message per segment.
 */
static ssize_t muse_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct muse_conn *conn = file->private_data;
	size_t count = iov_iter_count(to);
	size_t need = max_t(size_t, MUSE_MIN_READ_BUFFER,
			    MUSE_READ_BUFFER_OVERHEAD +
			    READ_ONCE(conn->max_write));
	struct muse_req *req;
	ssize_t ret;
	int err;

	if (count < need)
		return -EINVAL;

	spin_lock(&conn->lock);
	while (conn->connected && !muse_request_ready(conn)) {
		spin_unlock(&conn->lock);
		if ((file->f_flags & O_NONBLOCK) ||
		    (iocb->ki_flags & IOCB_NOWAIT))
			return -EAGAIN;
		err = wait_event_interruptible_exclusive(conn->waitq,
							 muse_read_ready(conn));
		if (err)
			return err;
		spin_lock(&conn->lock);
	}
	if (!conn->connected) {
		spin_unlock(&conn->lock);
		return -ENODEV;
	}

	if (!list_empty(&conn->interrupts)) {
		req = list_first_entry(&conn->interrupts, struct muse_req,
				       intr_entry);
		return muse_read_interrupt(conn, req, to);
	}

	/* Off every list while copying: only we may finish it now. */
	req = list_first_entry(&conn->pending, struct muse_req, list);
	list_del_init(&req->list);
	clear_bit(MUSE_REQ_PENDING, &req->flags);
	spin_unlock(&conn->lock);

	err = muse_copy_req_out(req, to);

	spin_lock(&conn->lock);
	if (!conn->connected) {
		muse_req_end(req, -ECONNABORTED);
		ret = -ENODEV;
	} else if (err) {
		muse_req_end(req, err);
		ret = err;
	} else {
		set_bit(MUSE_REQ_SENT, &req->flags);
		list_add_tail(&req->list, &conn->processing);
		if (test_bit(MUSE_REQ_INTERRUPTED, &req->flags))
			muse_queue_interrupt(conn, req);
		ret = req->ih.len;
	}
	spin_unlock(&conn->lock);
	return ret;
}

/* Called with conn->lock held. */
static struct muse_req *muse_find_req(struct muse_conn *conn, u64 unique)
{
	struct muse_req *req;

	list_for_each_entry(req, &conn->processing, list)
		if (req->ih.unique == unique)
			return req;
	return NULL;
}

/* A reply to FUSE_INTERRUPT: ENOSYS stops interrupts, EAGAIN resends. */
static ssize_t muse_interrupt_reply(struct muse_conn *conn,
				    const struct fuse_out_header *oh)
{
	struct muse_req *req;

	if (oh->len != sizeof(*oh))
		return -EINVAL;

	spin_lock(&conn->lock);
	req = muse_find_req(conn, oh->unique & ~MUSE_INT_REQ_BIT);
	if (!req) {
		spin_unlock(&conn->lock);
		return -ENOENT;
	}
	if (oh->error == -ENOSYS)
		WRITE_ONCE(conn->no_interrupt, true);
	else if (oh->error == -EAGAIN)
		muse_queue_interrupt(conn, req);
	spin_unlock(&conn->lock);
	return oh->len;
}

/* Does a successful reply of @size payload bytes fit what @req expects? */
static bool muse_reply_size_ok(const struct muse_req *req, size_t size)
{
	if (size < req->out_arg_size)
		return false;
	return size - req->out_arg_size <=
	       req->out_data_max + req->out_oob_max;
}

/*
 * The variable part fills out_data first, then out_oob: a combined read
 * reply is data then OOB.  The caller checks the split against the
 * lengths in the reply argument.
 */
static int muse_copy_reply_in(struct muse_req *req, struct iov_iter *from,
			      size_t size)
{
	size_t data = size - req->out_arg_size;
	size_t first = min(data, req->out_data_max);

	if (copy_from_iter(&req->out, req->out_arg_size, from) !=
	    req->out_arg_size)
		return -EFAULT;
	if (_copy_from_iter(req->out_data, first, from) != first)
		return -EFAULT;
	if (_copy_from_iter(req->out_oob, data - first, from) != data - first)
		return -EFAULT;
	req->out_data_size = data;
	return 0;
}

/* write()/writev(): one whole reply per call, matched by unique. */
static ssize_t muse_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct muse_conn *conn = iocb->ki_filp->private_data;
	size_t count = iov_iter_count(from);
	struct fuse_out_header oh;
	struct muse_req *req;
	size_t payload;
	int err = 0;

	if (count < sizeof(oh))
		return -EINVAL;
	if (copy_from_iter(&oh, sizeof(oh), from) != sizeof(oh))
		return -EFAULT;
	if (oh.len != count)
		return -EINVAL;
	/* unique 0 is FUSE's notify channel; MUSE has no notifications. */
	if (!oh.unique)
		return -EINVAL;
	if (oh.error > 0 || oh.error < -MUSE_MAX_ERRNO)
		return -EINVAL;

	if (oh.unique & MUSE_INT_REQ_BIT)
		return muse_interrupt_reply(conn, &oh);

	spin_lock(&conn->lock);
	req = conn->connected ? muse_find_req(conn, oh.unique) : NULL;
	if (!req) {
		spin_unlock(&conn->lock);
		return -ENOENT;
	}
	/* Off the list: abort leaves it alone until we finish it below. */
	list_del_init(&req->list);
	list_del_init(&req->intr_entry);
	spin_unlock(&conn->lock);

	payload = count - sizeof(oh);
	if (oh.error) {
		if (payload)
			err = -EINVAL;
		req->error = payload ? -EIO : oh.error;
	} else if (!muse_reply_size_ok(req, payload)) {
		err = -EINVAL;
		req->error = -EIO;
	} else {
		err = muse_copy_reply_in(req, from, payload);
		req->error = err;
	}
	req->replier = task_tgid_nr(current);

	spin_lock(&conn->lock);
	muse_req_end(req, 0);
	spin_unlock(&conn->lock);
	return err ? err : count;
}

static __poll_t muse_poll(struct file *file, poll_table *wait)
{
	struct muse_conn *conn = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &conn->waitq, wait);

	spin_lock(&conn->lock);
	if (!conn->connected)
		mask = EPOLLERR;
	else if (muse_request_ready(conn))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&conn->lock);
	return mask;
}

/* The only ioctl is this project's; a v3 device knows none. */
static long muse_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (muse_fuse_minor < MUSE_EXT_MINOR)
		return -ENOTTY;
	switch (cmd) {
	case MUSE_DEV_IOC_DIRECT:
		return muse_direct_ioctl(file->private_data,
					 (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

const struct file_operations muse_fops = {
	.owner		= THIS_MODULE,
	.open		= muse_open,
	.release	= muse_release,
	.read_iter	= muse_read_iter,
	.write_iter	= muse_write_iter,
	.poll		= muse_poll,
	.unlocked_ioctl	= muse_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
