// SPDX-License-Identifier: GPL-2.0
/*
 * muse_parts.c - PARTSCMDLINE, a partition table in cmdlinepart syntax.
 *
 * Stock kernels may lack cmdlinepart and give no way to feed it a string,
 * so the table is parsed here:  size[@offset][(name)][ro][lk][slc], comma
 * separated, "-" as the size of a last partition that takes the rest.
 * allocate_partition() silently truncates or disables bad entries, so
 * everything is validated against the master geometry before it is used.
 * Pure parsing: no I/O, no MTD calls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "muse.h"

/* Generous for any test rig, small enough to bound the allocation. */
#define MUSE_MAX_PARTS	64

#define MUSE_SIZE_REST	((u64)-1)

/* Parse one entry at *@s; advance *@s past it. */
static int muse_parse_one(const struct muse_params *p, char **s,
			  struct mtd_partition *part, int index, u64 *next)
{
	char *pos = *s, *end;
	u64 size, offset = *next;

	if (*pos == '-') {
		size = MUSE_SIZE_REST;
		pos++;
	} else {
		size = memparse(pos, &end);
		if (end == pos) {
			pr_err("%s: partition %d: size expected\n", p->name,
			       index);
			return -EINVAL;
		}
		if (!size) {
			pr_err("%s: partition %d: size is zero\n", p->name,
			       index);
			return -EINVAL;
		}
		pos = end;
	}

	if (*pos == '@') {
		offset = memparse(pos + 1, &end);
		if (end == pos + 1) {
			pr_err("%s: partition %d: offset expected\n", p->name,
			       index);
			return -EINVAL;
		}
		pos = end;
	}

	if (*pos == '(') {
		end = strchr(pos + 1, ')');
		if (!end) {
			pr_err("%s: partition %d: no closing ')'\n", p->name,
			       index);
			return -EINVAL;
		}
		part->name = kstrndup(pos + 1, end - pos - 1, GFP_KERNEL);
		pos = end + 1;
	} else {
		part->name = kasprintf(GFP_KERNEL, "Partition_%03d", index);
	}
	if (!part->name)
		return -ENOMEM;

	if (!strncmp(pos, "ro", 2)) {
		part->mask_flags |= MTD_WRITEABLE;
		pos += 2;
	}
	if (!strncmp(pos, "lk", 2)) {
		part->mask_flags |= MTD_POWERUP_LOCK;
		pos += 2;
	}
	if (!strncmp(pos, "slc", 3)) {
		/* SLC emulation needs a pairing scheme we do not have. */
		pr_err("%s: partition %d: slc is not supported\n", p->name,
		       index);
		return -EINVAL;
	}
	if (*pos && *pos != ',') {
		pr_err("%s: partition %d: junk '%s'\n", p->name, index, pos);
		return -EINVAL;
	}
	if (size == MUSE_SIZE_REST && *pos) {
		pr_err("%s: nothing may follow a '-' partition\n", p->name);
		return -EINVAL;
	}

	if (offset >= p->size) {
		pr_err("%s: partition %d starts beyond the device\n", p->name,
		       index);
		return -EINVAL;
	}
	if (size == MUSE_SIZE_REST)
		size = p->size - offset;
	if (size > p->size - offset) {
		pr_err("%s: partition %d runs past the device\n", p->name,
		       index);
		return -EINVAL;
	}
	if (do_div(offset, p->erasesize) || do_div(size, p->erasesize)) {
		pr_err("%s: partition %d is not eraseblock aligned\n",
		       p->name, index);
		return -EINVAL;
	}
	part->offset = offset * p->erasesize;
	part->size = size * p->erasesize;
	*next = part->offset + part->size;
	*s = pos;
	return 0;
}

/**
 * muse_parse_parts() - build a partition table from p->partscmdline
 * @p: checked parameters; the string is not modified
 * @parts: on success, a kcalloc'ed table for muse_free_parts()
 *
 * Return: the number of partitions (at least one), or -errno.
 */
int muse_parse_parts(const struct muse_params *p,
		     struct mtd_partition **parts)
{
	struct mtd_partition *tab;
	char *s = p->partscmdline;
	u64 next = 0;
	int n = 0, err;

	tab = kcalloc(MUSE_MAX_PARTS, sizeof(*tab), GFP_KERNEL);
	if (!tab)
		return -ENOMEM;

	for (;;) {
		if (n == MUSE_MAX_PARTS) {
			pr_err("%s: more than %d partitions\n", p->name,
			       MUSE_MAX_PARTS);
			err = -EINVAL;
			goto fail;
		}
		err = muse_parse_one(p, &s, &tab[n], n, &next);
		n++;
		if (err)
			goto fail;
		if (!*s)
			break;
		s++;	/* the ',' */
	}
	*parts = tab;
	return n;

fail:
	muse_free_parts(tab, n);
	return err;
}

void muse_free_parts(struct mtd_partition *parts, int nr_parts)
{
	int i;

	if (!parts)
		return;
	for (i = 0; i < nr_parts; i++)
		kfree(parts[i].name);
	kfree(parts);
}
