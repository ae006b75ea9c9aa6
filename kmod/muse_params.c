// SPDX-License-Identifier: GPL-2.0
/*
 * muse_params.c - the key=value block of the MUSE_INIT reply.
 *
 * Turns the server's NUL-separated "KEY=VALUE" strings into a struct
 * muse_params and checks it against what the MTD core and UBI require.
 * Pure parsing: no I/O, no MTD calls, no connection state.  Every failure
 * returns -EINVAL with a log line that names the offending key.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "muse.h"

#define MUSE_ALLOWED_FLAGS (MTD_WRITEABLE | MTD_BIT_WRITEABLE | MTD_NO_ERASE)

/* Keys that must appear, as bits of muse_parse_state.seen. */
enum {
	MUSE_KEY_NAME		= BIT(0),
	MUSE_KEY_TYPE		= BIT(1),
	MUSE_KEY_SIZE		= BIT(2),
	MUSE_KEY_WRITESIZE	= BIT(3),
	MUSE_KEY_ERASESIZE	= BIT(4),
	MUSE_KEYS_REQUIRED	= BIT(5) - 1,
};

static int muse_u32(const char *key, const char *val, u32 *res)
{
	/* Base 10 only: "0x10" must fail, as documented. */
	if (kstrtou32(val, 10, res)) {
		pr_err("INIT: bad number for %s: '%s'\n", key, val);
		return -EINVAL;
	}
	return 0;
}

static int muse_string(char **dst, const char *val)
{
	char *s = kstrdup(val, GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	kfree(*dst);
	*dst = s;
	return 0;
}

/* Apply one trimmed key/value pair; a later pair overrides an earlier. */
static int muse_set_key(struct muse_params *p, const char *key,
			const char *val, unsigned int *seen)
{
	if (!strcmp(key, "NAME")) {
		*seen |= MUSE_KEY_NAME;
		return muse_string(&p->name, val);
	}
	if (!strcmp(key, "TYPE")) {
		*seen |= MUSE_KEY_TYPE;
		return muse_u32(key, val, &p->type);
	}
	if (!strcmp(key, "FLAGS"))
		return muse_u32(key, val, &p->flags);
	if (!strcmp(key, "SIZE")) {
		*seen |= MUSE_KEY_SIZE;
		if (kstrtou64(val, 10, &p->size)) {
			pr_err("INIT: bad number for SIZE: '%s'\n", val);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "WRITESIZE")) {
		*seen |= MUSE_KEY_WRITESIZE;
		return muse_u32(key, val, &p->writesize);
	}
	if (!strcmp(key, "WRITEBUFSIZE"))
		return muse_u32(key, val, &p->writebufsize);
	if (!strcmp(key, "ERASESIZE")) {
		*seen |= MUSE_KEY_ERASESIZE;
		return muse_u32(key, val, &p->erasesize);
	}
	if (!strcmp(key, "OOBSIZE"))
		return muse_u32(key, val, &p->oobsize);
	if (!strcmp(key, "OOBAVAIL"))
		return muse_u32(key, val, &p->oobavail);
	if (!strcmp(key, "SUBPAGESHIFT"))
		return muse_u32(key, val, &p->subpage_shift);
	if (!strcmp(key, "PARTSCMDLINE")) {
		if (!*val) {
			kfree(p->partscmdline);
			p->partscmdline = NULL;
			return 0;
		}
		return muse_string(&p->partscmdline, val);
	}
	if (!strcmp(key, "FFEXT"))
		return muse_u32(key, val, &p->ffext);
	if (!strcmp(key, "ECCSTRENGTH"))
		return muse_u32(key, val, &p->ecc_strength);
	if (!strcmp(key, "ECCSTEP"))
		return muse_u32(key, val, &p->ecc_step);
	if (!strcmp(key, "BITFLIPTHRESHOLD"))
		return muse_u32(key, val, &p->bitflip_threshold);
	pr_info("INIT: ignoring unknown key '%s'\n", key);
	return 0;
}

/**
 * muse_parse_params() - parse the INIT key block
 * @p: zeroed parameters to fill in
 * @block: the bytes after init_out; modified in place
 * @size: their number, 0..MUSE_INIT_INFO_MAX
 *
 * Return: 0 or -errno; on failure @p may hold partial results that
 * muse_free_params() releases.
 */
int muse_parse_params(struct muse_params *p, const char *block, size_t size)
{
	unsigned int seen = 0;
	char *buf, *pos, *end, *next;
	int err = 0;

	if (!size || block[size - 1]) {
		pr_err("INIT: key block empty or not NUL-terminated\n");
		return -EINVAL;
	}
	buf = kmemdup(block, size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	for (pos = buf, end = buf + size; pos < end && !err; pos = next) {
		char *key, *val, *eq;

		/* Step over this string before it is cut at its '='. */
		next = pos + strlen(pos) + 1;
		if (!*pos)
			continue;
		eq = strchr(pos, '=');
		if (eq) {
			*eq = '\0';
			val = strim(eq + 1);
		} else {
			val = "";
		}
		key = strim(pos);
		if (!*key) {
			pr_err("INIT: empty key\n");
			err = -EINVAL;
			break;
		}
		err = muse_set_key(p, key, val, &seen);
	}
	kfree(buf);
	if (err)
		return err;

	if ((seen & MUSE_KEYS_REQUIRED) != MUSE_KEYS_REQUIRED) {
		pr_err("INIT: a required key is missing (have %#x of %#x)\n",
		       seen, MUSE_KEYS_REQUIRED);
		return -EINVAL;
	}
	if (!p->writebufsize)
		p->writebufsize = p->writesize;
	return 0;
}

static bool muse_type_ok(u32 type)
{
	switch (type) {
	case MTD_RAM:
	case MTD_ROM:
	case MTD_NORFLASH:
	case MTD_NANDFLASH:
	case MTD_DATAFLASH:
	case MTD_MLCNANDFLASH:
		return true;
	default:
		return false;
	}
}

/**
 * muse_check_params() - check parsed parameters before registration
 *
 * add_mtd_device() BUG()s on a zero writesize and UBI refuses a
 * writebufsize that is not a power of two, so both are caught here.
 */
int muse_check_params(const struct muse_params *p, u32 max_read,
		      u32 max_write)
{
	u32 rem;

	if (!*p->name) {
		pr_err("INIT: empty NAME\n");
		return -EINVAL;
	}
	if (!muse_type_ok(p->type)) {
		pr_err("%s: unsupported TYPE %u\n", p->name, p->type);
		return -EINVAL;
	}
	if (p->flags & ~MUSE_ALLOWED_FLAGS) {
		pr_err("%s: FLAGS %#x has unsupported bits\n", p->name,
		       p->flags);
		return -EINVAL;
	}
	if (!p->size || !p->writesize || !p->erasesize) {
		pr_err("%s: SIZE, WRITESIZE and ERASESIZE must be non-zero\n",
		       p->name);
		return -EINVAL;
	}
	div_u64_rem(p->size, p->writesize, &rem);
	if (rem) {
		pr_err("%s: SIZE is not a multiple of WRITESIZE\n", p->name);
		return -EINVAL;
	}
	div_u64_rem(p->size, p->erasesize, &rem);
	if (rem) {
		pr_err("%s: SIZE is not a multiple of ERASESIZE\n", p->name);
		return -EINVAL;
	}
	if (!is_power_of_2(p->writebufsize)) {
		pr_err("%s: WRITEBUFSIZE %u is not a power of two\n", p->name,
		       p->writebufsize);
		return -EINVAL;
	}
	if (max_read < p->writebufsize || max_write < p->writebufsize) {
		pr_err("%s: max_read %u / max_write %u below WRITEBUFSIZE %u\n",
		       p->name, max_read, max_write, p->writebufsize);
		return -EINVAL;
	}
	if (p->oobsize >= p->writesize || p->oobavail > p->oobsize) {
		pr_err("%s: need OOBAVAIL <= OOBSIZE < WRITESIZE\n", p->name);
		return -EINVAL;
	}
	if (p->subpage_shift > 2) {
		pr_err("%s: SUBPAGESHIFT %u out of range\n", p->name,
		       p->subpage_shift);
		return -EINVAL;
	}
	return 0;
}

/**
 * muse_ext_usable() - may extensions v1 run with these parameters?
 *
 * Called only when the server answered FFEXT=1 to our offer.  A combined
 * request carries at least one whole page and its OOB, so that must fit
 * in max_read and max_write; the ECC keys must make sense to the MTD core.
 * Failing this is not fatal: the connection then speaks plain v3.
 */
bool muse_ext_usable(const struct muse_params *p, u32 max_read,
		     u32 max_write)
{
	u64 page = (u64)p->writesize + p->oobsize;

	if (p->ffext != 1) {
		pr_warn("%s: FFEXT=%u, not 1: extensions off\n", p->name,
			p->ffext);
		return false;
	}
	if (p->oobsize > MUSE_IO_MODE_MASK) {
		pr_warn("%s: OOBSIZE too big for ooboffs: extensions off\n",
			p->name);
		return false;
	}
	if (page > max_read || page > max_write) {
		pr_warn("%s: a page and its OOB exceed max_read/max_write: extensions off\n",
			p->name);
		return false;
	}
	if (p->ecc_strength && p->bitflip_threshold > p->ecc_strength) {
		pr_warn("%s: BITFLIPTHRESHOLD %u above ECCSTRENGTH %u: extensions off\n",
			p->name, p->bitflip_threshold, p->ecc_strength);
		return false;
	}
	return true;
}

void muse_free_params(struct muse_params *p)
{
	kfree(p->name);
	kfree(p->partscmdline);
	p->name = NULL;
	p->partscmdline = NULL;
}
