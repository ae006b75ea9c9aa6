// SPDX-License-Identifier: GPL-2.0
/*
 * tests/e2e/hostile_muse.c -- a hostile MUSE server, for the guest (static binary).
 *
 * Opens /dev/muse and answers the module with malformed and lying replies, one
 * table-driven case at a time: INITs with impossible geometries or bad framing,
 * errors out of range, unknown and repeated uniques, read replies that are
 * short, oversized or lie about their length, a server that never answers and
 * then dies with a reader blocked, and many open/close cycles. Every case says
 * what the kernel must do (refuse the write, abort the connection, fail the
 * reader with an error) within a deadline, and prints "CASE name: ok" or
 * "CASE name: FAIL why". The guest script then checks the kernel log and that
 * the module unloads.
 *
 * Must not: rely on anything but the wire protocol (kmod/muse_abi.h is the
 * one definition of it), or wait on the kernel without a deadline.
 */
#include <stdarg.h>

#include "hostile_muse_wire.h"

static int failures;

static void verdict(const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!fmt) {
		printf("CASE %s: ok\n", name);
	} else {
		printf("CASE %s: FAIL ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		failures++;
	}
	fflush(stdout);
}

/* ---- INIT cases: each must abort the connection and register no MTD. ---- */

struct bad_init {
	const char *name;
	__u32 minor;
	const char *keys;
	size_t klen;
};

#define KEYS(s) s, sizeof(s) - 1

static const struct bad_init bad_inits[] = {
	{ "init-size-zero", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=0\0WRITESIZE=2048\0ERASESIZE=131072\0") },
	{ "init-writesize-zero", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=4194304\0WRITESIZE=0\0ERASESIZE=131072\0") },
	{ "init-erasesize-zero", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=0\0") },
	{ "init-size-not-multiple", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=4194305\0WRITESIZE=2048\0ERASESIZE=131072\0") },
	{ "init-oob-too-big", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=131072\0OOBSIZE=4096\0") },
	{ "init-oobavail-over-oobsize", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=131072\0OOBSIZE=64\0OOBAVAIL=65\0") },
	{ "init-type-unknown", 34, KEYS("NAME=hostile\0TYPE=99\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=131072\0") },
	{ "init-flags-unknown", 34, KEYS("NAME=hostile\0TYPE=4\0FLAGS=1\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=131072\0") },
	{ "init-number-hex", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=0x400000\0WRITESIZE=2048\0ERASESIZE=131072\0") },
	{ "init-number-overflow", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=18446744073709551616\0WRITESIZE=2048\0ERASESIZE=131072\0") },
	{ "init-no-name", 34, KEYS("TYPE=4\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=131072\0") },
	{ "init-empty-key", 34, KEYS("NAME=hostile\0=5\0TYPE=4\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=131072\0") },
	{ "init-no-final-nul", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=131072") },
	{ "init-subpageshift", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=131072\0SUBPAGESHIFT=9\0") },
	{ "init-writebuf-over-max", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=4194304\0WRITESIZE=2048\0WRITEBUFSIZE=1048576\0ERASESIZE=131072\0") },
	{ "init-bad-parts", 34, KEYS("NAME=hostile\0TYPE=4\0SIZE=4194304\0WRITESIZE=2048\0ERASESIZE=131072\0PARTSCMDLINE=9999999k(x)\0") },
	{ "init-old-minor", 33, good_keys, sizeof(good_keys) - 1 },
};

static void bad_init_case(const struct bad_init *c)
{
	int fd = open("/dev/muse", O_RDWR);
	int rc;

	if (fd < 0) {
		verdict(c->name, "open /dev/muse: %s", strerror(errno));
		return;
	}
	rc = answer_init(fd, c->minor, c->keys, c->klen);
	if (rc && rc != -EINVAL)
		verdict(c->name, "INIT reply: %s", strerror(-rc));
	else if (!connection_aborted(fd, 3000))
		verdict(c->name, "the connection was not aborted");
	else if (hostile_mtd() >= 0)
		verdict(c->name, "an MTD was registered");
	else
		verdict(c->name, NULL);
	close(fd);
	wait_mtd(0, 2000);
}

/* Framing of the INIT reply itself. */
static void init_framing_cases(void)
{
	static const struct { const char *name; size_t body; int err; } cases[] = {
		{ "init-reply-short", 8, 0 },
		{ "init-reply-oversized", 16 + MUSE_INIT_INFO_MAX + 16, 0 },
		{ "init-error", 0, -EIO },
	};
	unsigned char body[16 + MUSE_INIT_INFO_MAX + 64];
	size_t i;

	memset(body, 'A', sizeof(body));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = open("/dev/muse", O_RDWR);

		if (fd < 0 || next_request(fd, 5000) <= 0) {
			verdict(cases[i].name, "no INIT request");
		} else {
			reply(fd, hdr()->unique, cases[i].err, body, cases[i].body);
			if (!connection_aborted(fd, 3000))
				verdict(cases[i].name, "the connection was not aborted");
			else
				verdict(cases[i].name, hostile_mtd() >= 0 ? "an MTD was registered" : NULL);
		}
		if (fd >= 0)
			close(fd);
		wait_mtd(0, 2000);
	}
}

enum lie { OVERSIZED, LEN_FIELD_LONG, LEN_FIELD_SHORT, READ_OUT_LONGER, POSITIVE_SOFT,
	   ERROR_WITH_BODY, ERROR_POSITIVE, ERROR_HUGE, UNKNOWN_UNIQUE, TWICE, SILENT_DEATH };

static const struct { const char *name; enum lie lie; } lies[] = {
	{ "read-body-oversized", OVERSIZED },
	{ "read-len-field-long", LEN_FIELD_LONG },
	{ "read-len-field-short", LEN_FIELD_SHORT },
	{ "read-out-len-lies", READ_OUT_LONGER },
	{ "read-soft-error-positive", POSITIVE_SOFT },
	{ "read-error-with-body", ERROR_WITH_BODY },
	{ "read-error-positive", ERROR_POSITIVE },
	{ "read-error-out-of-range", ERROR_HUGE },
	{ "read-unknown-unique", UNKNOWN_UNIQUE },
	{ "read-answered-twice", TWICE },
	{ "read-never-answered-then-death", SILENT_DEATH },
};

/*
 * Lies to one read. The write of a malformed reply must fail (the reader
 * then gets an error, or a correct answer sent after it); a lie the kernel
 * cannot see in the framing must not crash it. Either way the reader must
 * end, and the MTD must go when the server closes.
 */
static void lie_case(const char *name, enum lie lie)
{
	unsigned char body[2048 + 64];
	struct muse_read_out ro = { 2048, 0, 0 };
	int fd = good_server(), rc = 0, end;
	__u64 u;
	pid_t reader;

	if (fd < 0) {
		verdict(name, "the good INIT did not register an MTD");
		return;
	}
	reader = start_reader(fd);
	if (!wait_read(fd)) {
		verdict(name, "no MUSE_READ came");
		close(fd);
		reader_end(reader, 5000);
		wait_mtd(0, 3000);
		return;
	}
	u = hdr()->unique;
	memset(body, 0x5a, sizeof(body));
	switch (lie) {
	case OVERSIZED:
		memcpy(body, &ro, sizeof(ro));
		rc = reply(fd, u, 0, body, sizeof(ro) + 2048 + 48);
		break;
	case LEN_FIELD_LONG:
		memcpy(body, &ro, sizeof(ro));
		rc = reply_raw(fd, u, 0, body, sizeof(ro) + 2048, 16 + sizeof(ro) + 4096);
		break;
	case LEN_FIELD_SHORT:
		memcpy(body, &ro, sizeof(ro));
		rc = reply_raw(fd, u, 0, body, sizeof(ro) + 2048, 16 + 8);
		break;
	case READ_OUT_LONGER:
		ro.len = 1 << 30;
		memcpy(body, &ro, sizeof(ro));
		rc = reply(fd, u, 0, body, sizeof(ro) + 2048);
		break;
	case POSITIVE_SOFT:
		ro.soft_error = 5;
		memcpy(body, &ro, sizeof(ro));
		rc = reply(fd, u, 0, body, sizeof(ro) + 2048);
		break;
	case ERROR_WITH_BODY:
		rc = reply(fd, u, -EIO, body, 64);
		break;
	case ERROR_POSITIVE:
		rc = reply(fd, u, 5, NULL, 0);
		break;
	case ERROR_HUGE:
		rc = reply(fd, u, -600, NULL, 0);
		break;
	case UNKNOWN_UNIQUE:
		rc = reply(fd, u + 1000002, -EIO, NULL, 0);
		break;
	case TWICE:
		memcpy(body, &ro, sizeof(ro));
		reply(fd, u, 0, body, sizeof(ro) + 2048);
		rc = reply(fd, u, 0, body, sizeof(ro) + 2048);
		break;
	case SILENT_DEATH:
		break;
	}
	if (lie == TWICE || lie == UNKNOWN_UNIQUE) {
		if (rc != -ENOENT) {
			verdict(name, "the stray reply got %s, expected ENOENT", rc ? strerror(-rc) : "success");
			rc = -1;
		} else {
			rc = 0;
		}
	} else if (lie != READ_OUT_LONGER && lie != POSITIVE_SOFT && lie != SILENT_DEATH && rc == 0) {
		verdict(name, "the kernel accepted a malformed reply");
		rc = -1;
	} else {
		rc = 0;
	}
	close(fd);	/* the server dies with the read maybe unanswered */
	end = reader_end(reader, 10000);
	if (rc == 0) {
		if (end < 0)
			verdict(name, "the reader hung after the server closed");
		else if (!wait_mtd(0, 5000))
			verdict(name, "the MTD stayed after the server closed");
		else if (lie == TWICE && end != 0)
			verdict(name, "the first, valid answer was lost (reader exit %d)", end);
		else
			verdict(name, NULL);
	}
}

/* Many connections opened and dropped, half of them after a good INIT. */
static void churn_case(int rounds)
{
	int i, bad = 0;

	for (i = 0; i < rounds; i++) {
		int fd = open("/dev/muse", O_RDWR);

		if (fd < 0) {
			bad++;
			continue;
		}
		if (i % 2)
			answer_init(fd, 34, good_keys, sizeof(good_keys) - 1);
		close(fd);
	}
	if (!wait_mtd(0, 10000))
		verdict("open-close-churn", "an MTD was left behind");
	else
		verdict("open-close-churn", bad ? "%d opens failed" : NULL, bad);
}

int main(int argc, char **argv)
{
	size_t i;
	int rounds = argc > 1 ? atoi(argv[1]) : 1000;

	for (i = 0; i < sizeof(bad_inits) / sizeof(bad_inits[0]); i++)
		bad_init_case(&bad_inits[i]);
	init_framing_cases();
	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++)
		lie_case(lies[i].name, lies[i].lie);
	churn_case(rounds);
	printf("hostile_muse: %d case(s) failed\n", failures);
	return failures ? 1 : 0;
}
