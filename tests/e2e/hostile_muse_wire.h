/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/e2e/hostile_muse_wire.h -- the wire side of the hostile MUSE servers.
 *
 * Shared by hostile_muse.c (table-driven cases) and hostile_muse_fuzz.c (the
 * same server driven by libFuzzer): reading a request, writing a reply with
 * any header, answering INIT, finding the "hostile" MTD, and the reader
 * children that make the kernel send requests.
 *
 * Must not: judge anything (the cases and the fuzz target do), or wait on
 * the kernel without a deadline.
 */
#ifndef HOSTILE_MUSE_WIRE_H
#define HOSTILE_MUSE_WIRE_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../kmod/muse_abi.h"

#define BUF_SIZE	(1 << 20)
#define MAX_IO		65536

static unsigned char buf[BUF_SIZE];

/* One request into buf within ms; its length, 0 on timeout, -errno on error. */
static inline int next_request(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) == 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	return n < 0 ? -errno : (int)n;
}

static inline struct fuse_in_header *hdr(void)
{
	return (struct fuse_in_header *)buf;
}

/* Writes a reply whose header says `len` (normally 16 + body_len); -errno or 0. */
static inline int reply_raw(int fd, __u64 unique, int error, const void *body, size_t body_len, __u32 len)
{
	static unsigned char out[BUF_SIZE];
	struct fuse_out_header *o = (struct fuse_out_header *)out;

	o->len = len;
	o->error = error;
	o->unique = unique;
	if (body_len)
		memcpy(out + sizeof(*o), body, body_len);
	if (write(fd, out, sizeof(*o) + body_len) < 0)
		return -errno;
	return 0;
}

static inline int reply(int fd, __u64 unique, int error, const void *body, size_t body_len)
{
	return reply_raw(fd, unique, error, body, body_len, sizeof(struct fuse_out_header) + body_len);
}

static const char good_keys[] =
	"NAME=hostile\0TYPE=4\0FLAGS=3072\0SIZE=4194304\0WRITESIZE=2048\0"
	"ERASESIZE=131072\0OOBSIZE=64\0OOBAVAIL=38\0";

/* Answers INIT with init_out (minor `minor`) and the key block `keys`/`klen`. */
static inline int answer_init(int fd, __u32 minor, const char *keys, size_t klen)
{
	unsigned char body[16 + MUSE_INIT_INFO_MAX + 64];
	struct muse_init_out io = { 7, minor, MAX_IO, MAX_IO };
	int n = next_request(fd, 5000);

	if (n <= 0 || hdr()->opcode != MUSE_INIT)
		return -EPROTO;
	memcpy(body, &io, sizeof(io));
	memcpy(body + sizeof(io), keys, klen);
	return reply(fd, hdr()->unique, 0, body, sizeof(io) + klen);
}

/* The number of the MTD named "hostile" in /proc/mtd, or -1. */
static inline int hostile_mtd(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/mtd", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\"hostile\""))
			sscanf(line, "mtd%d:", &n);
	fclose(f);
	return n;
}

/* Waits up to ms for the MTD to be there (want 1) or gone (want 0). */
static inline int wait_mtd(int want, int ms)
{
	for (; ms > 0; ms -= 20) {
		if ((hostile_mtd() >= 0) == want)
			return 1;
		usleep(20000);
	}
	return 0;
}

/*
 * The connection is dead when read() fails with ENODEV within ms; answers
 * anything that still comes (ISBAD: good) meanwhile.
 */
static inline int connection_aborted(int fd, int ms)
{
	for (; ms > 0; ms -= 50) {
		int n = next_request(fd, 50);

		if (n == -ENODEV)
			return 1;
		if (n > 0)
			reply(fd, hdr()->unique, -EIO, NULL, 0);
	}
	return 0;
}

/* ---- A registered MTD and a lying server. ---- */

/* Opens a connection with a good INIT and waits for the MTD; the fd or -1. */
static inline int good_server(void)
{
	int fd = open("/dev/muse", O_RDWR);

	if (fd < 0)
		return -1;
	if (answer_init(fd, 34, good_keys, sizeof(good_keys) - 1) || !wait_mtd(1, 5000)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A child that reads page 0 of the MTD: its pid; it exits 0 on success, 1 on
 * error. It closes its copy of the server's fd first: a reader that holds
 * the connection open keeps it alive past the server's close, and waits for
 * an answer only the server could give (FUSE's self-deadlock, not a lie).
 */
static inline pid_t start_reader(int server_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		char path[32], page[2048];
		int fd;

		close(server_fd);
		snprintf(path, sizeof(path), "/dev/mtd%d", hostile_mtd());
		alarm(30);	/* a hang shows as SIGALRM, never as a stuck test */
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(2);
		_exit(pread(fd, page, sizeof(page), 0) == (ssize_t)sizeof(page) ? 0 : 1);
	}
	return pid;
}

/* How the reader ended within ms: its exit code, 128+signal, or -1 still running. */
static inline int reader_end(pid_t pid, int ms)
{
	int st;

	for (; ms > 0; ms -= 20) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* The next MUSE_READ (answering ISBAD as good and anything else with -EIO). */
static inline int wait_read(int fd)
{
	for (int i = 0; i < 100; i++) {
		int n = next_request(fd, 100);
		struct muse_isbad_out good = { 0, 0 };

		if (n < 0)
			return 0;
		if (n == 0)
			continue;
		if (hdr()->opcode == MUSE_READ)
			return 1;
		if (hdr()->opcode == MUSE_ISBAD)
			reply(fd, hdr()->unique, 0, &good, sizeof(good));
		else
			reply(fd, hdr()->unique, -EIO, NULL, 0);
	}
	return 0;
}

#endif /* HOSTILE_MUSE_WIRE_H */
