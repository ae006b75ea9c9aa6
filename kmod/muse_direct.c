// SPDX-License-Identifier: GPL-2.0
/*
 * muse_direct.c - clean reads served from the server's store, no round trip.
 *
 * Under TCG a request/reply round trip costs about a hundred microseconds,
 * so random page reads through the server run far below nandsim.  A server
 * may therefore share its page store (a file: a memfd or an image, pages
 * laid out as nanddump writes them) and a map it keeps in its own memory:
 * a bypass flag and one "ask" bit per eraseblock.  A read or isbad whose
 * blocks all have a clear bit is answered here, from the store's page
 * cache, and counted in the map; everything else takes the request path.
 *
 * The server alone decides which blocks are clean: it sets a block's bit
 * before any fault can show in that block's reads, and the bypass flag
 * while every read must reach it (read faults, an event log, power off).
 * Nothing here may write to the store, guess at faults, or serve anything
 * once the connection is gone (those reads fail on the request path).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "muse.h"

/* Sanity bound on the map: 16 MiB covers 2^27 eraseblocks. */
#define MUSE_DIRECT_MAP_MAX	(16UL << 20)

/**
 * struct muse_direct - a shared store and map, owned by one connection
 */
struct muse_direct {
	struct file *store;
	u64 offset;			/* of page 0 in @store */
	u64 stride;			/* bytes from one page to the next */
	struct page **pages;		/* the pinned map */
	unsigned int npages;
	struct muse_direct_map *map;	/* vmap of @pages */
	u64 map_len;
};

static void muse_direct_free(struct muse_direct *d)
{
	if (!d)
		return;
	if (d->map)
		vunmap(d->map);
	if (d->npages)
		unpin_user_pages(d->pages, d->npages);
	kvfree(d->pages);
	if (d->store)
		fput(d->store);
	kfree(d);
	atomic_dec(&muse_live_direct);
}

/* Pin the server's map and give it a kernel address. */
static int muse_direct_pin(struct muse_direct *d, u64 addr, u64 len)
{
	unsigned int n = DIV_ROUND_UP(len, PAGE_SIZE);
	int got;

	d->pages = kvcalloc(n, sizeof(*d->pages), GFP_KERNEL);
	if (!d->pages)
		return -ENOMEM;
	got = pin_user_pages_fast(addr, n, FOLL_WRITE | FOLL_LONGTERM,
				  d->pages);
	if (got < 0)
		return got;
	d->npages = got;
	if (got != n)
		return -EFAULT;
	d->map = vmap(d->pages, n, VM_MAP, PAGE_KERNEL);
	if (!d->map)
		return -ENOMEM;
	d->map_len = len;
	return 0;
}

/**
 * muse_direct_ioctl() - MUSE_DEV_IOC_DIRECT: share a store and a map
 *
 * Allowed once per connection and only before the INIT reply has been
 * accepted, so the geometry can be checked before any I/O uses it.
 * Return: 0 or -errno; on error nothing is kept.
 */
long muse_direct_ioctl(struct muse_conn *conn, void __user *arg)
{
	struct muse_direct_setup s;
	struct muse_direct *d;
	int err;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.flags || !s.page_stride || !s.map_len ||
	    s.map_len > MUSE_DIRECT_MAP_MAX || !PAGE_ALIGNED(s.map_addr) ||
	    s.map_len < sizeof(struct muse_direct_map))
		return -EINVAL;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	atomic_inc(&muse_live_direct);
	d->offset = s.store_offset;
	d->stride = s.page_stride;
	d->store = fget(s.store_fd);
	err = -EBADF;
	if (!d->store)
		goto fail;
	err = -EINVAL;
	if (!S_ISREG(file_inode(d->store)->i_mode) ||
	    !(d->store->f_mode & FMODE_READ))
		goto fail;
	err = muse_direct_pin(d, s.map_addr, s.map_len);
	if (err)
		goto fail;
	err = -EINVAL;
	if (READ_ONCE(d->map->magic) != MUSE_DIRECT_MAGIC)
		goto fail;

	err = 0;
	spin_lock(&conn->lock);
	if (conn->direct || conn->max_read || !conn->connected)
		err = -EBUSY;
	else
		conn->direct = d;
	spin_unlock(&conn->lock);
	if (err)
		goto fail;
	return 0;

fail:
	muse_direct_free(d);
	return err;
}

/**
 * muse_direct_check() - keep the shared store only if it fits the MTD
 *
 * Called once the INIT reply has been parsed.  A mismatch is the server's
 * bug, but reads still work through requests, so it costs only speed.
 */
void muse_direct_check(struct muse_conn *conn)
{
	struct muse_direct *d = conn->direct;
	const struct muse_params *p = &conn->params;
	u64 pages, blocks, need;
	const char *why = NULL;

	if (!d)
		return;
	pages = div_u64(p->size, p->writesize);
	blocks = div_u64(p->size, p->erasesize);
	need = sizeof(*d->map) + DIV_ROUND_UP(blocks, 64) * sizeof(u64);
	if (d->stride != (u64)p->writesize + p->oobsize)
		why = "page stride is not WRITESIZE + OOBSIZE";
	else if (p->oobsize && !is_power_of_2(p->writesize))
		why = "WRITESIZE is not a power of two";
	else if (d->map_len < need)
		why = "map too small for the eraseblocks";
	else if (i_size_read(file_inode(d->store)) < d->offset + pages * d->stride)
		why = "store file shorter than the device";
	if (why) {
		pr_warn("%s: direct reads off: %s\n", p->name, why);
		conn->direct = NULL;
		muse_direct_free(d);
		return;
	}
	pr_info("%s: direct reads from the shared store\n", p->name);
}

void muse_direct_release(struct muse_conn *conn)
{
	muse_direct_free(conn->direct);
	conn->direct = NULL;
}

/* Are eraseblocks @first..@last all clean, and may we serve at all? */
static bool muse_direct_clean(struct muse_conn *conn, u64 first, u64 last)
{
	const struct muse_direct_map *map = conn->direct->map;
	u64 b;

	if (!READ_ONCE(conn->connected) || READ_ONCE(map->bypass))
		return false;
	for (b = first; b <= last; b++) {
		if (READ_ONCE(map->ask[b >> 6]) & BIT_ULL(b & 63))
			return false;
	}
	return true;
}

/* Copy @len bytes at MTD address @addr out of the store's pages. */
static int muse_direct_copy(struct muse_conn *conn, u64 addr, size_t len,
			    u8 *buf)
{
	struct muse_direct *d = conn->direct;
	u32 ws = conn->mtd.writesize;
	size_t done = 0;

	while (done < len) {
		u64 at = addr + done;
		/* No OOB: the store is the MTD byte for byte. */
		u32 in_page = d->stride == ws ? 0 : at & (ws - 1);
		size_t chunk = d->stride == ws ? len - done :
				min_t(size_t, len - done, ws - in_page);
		loff_t pos = d->offset + (d->stride == ws ? at :
				(at >> ilog2(ws)) * d->stride + in_page);

		if (kernel_read(d->store, buf + done, chunk, &pos) != chunk)
			return -EIO;
		done += chunk;
	}
	return 0;
}

/**
 * muse_direct_read() - serve an in-band read from the shared store
 *
 * Return: 0 when all @len bytes were copied (the read is clean: no
 * bitflips, no soft error), or -EAGAIN when the read must go to the server.
 */
int muse_direct_read(struct muse_conn *conn, u64 addr, size_t len, u8 *buf)
{
	struct muse_direct_map *map;
	u64 first, last;

	if (!conn->direct || !len)
		return -EAGAIN;
	map = conn->direct->map;
	first = mtd_div_by_eb(addr, &conn->mtd);
	last = mtd_div_by_eb(addr + len - 1, &conn->mtd);
	if (!muse_direct_clean(conn, first, last))
		return -EAGAIN;
	/* Pairs with the server's release store: bits first, then bytes. */
	smp_rmb();
	if (muse_direct_copy(conn, addr, len, buf))
		return -EAGAIN;
	/* A fault armed meanwhile: let the server answer, after it. */
	smp_rmb();
	if (!muse_direct_clean(conn, first, last))
		return -EAGAIN;
	atomic64_inc((atomic64_t *)&map->reads);
	atomic64_add(len, (atomic64_t *)&map->read_bytes);
	return 0;
}

/**
 * muse_direct_isbad() - answer "good" for a clean block
 *
 * The server keeps the bit of every bad block set, so a clear bit means
 * good.  Return: 0 (good) or -EAGAIN (ask the server).
 */
int muse_direct_isbad(struct muse_conn *conn, u64 addr)
{
	u64 block;

	if (!conn->direct)
		return -EAGAIN;
	block = mtd_div_by_eb(addr, &conn->mtd);
	if (!muse_direct_clean(conn, block, block))
		return -EAGAIN;
	atomic64_inc((atomic64_t *)&conn->direct->map->isbad);
	return 0;
}
