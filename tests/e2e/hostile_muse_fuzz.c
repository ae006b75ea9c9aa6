// SPDX-License-Identifier: GPL-2.0
/*
 * tests/e2e/hostile_muse_fuzz.c -- the hostile MUSE server driven by libFuzzer, for the guest.
 *
 * Each input is one connection: its bytes choose the INIT (a good one, v3 or
 * extensions, or a key block of the input's own bytes), the requests a client
 * child makes the kernel send (reads, writes, erases, isbad of the MTD), and
 * for every request the server's answer: a correct one, an error, an error
 * out of range, a wrong unique, an oversized or short body, a header whose
 * length lies, the same answer twice, bytes of the input, none at all, or
 * closing the connection there and then. After the server closes, the client
 * must end within a deadline without being blocked, and the MTD must go.
 * Anything else aborts, so libFuzzer keeps the input as a crash artifact.
 * The guest script checks the kernel log and that the module unloads.
 *
 * Built with clang -fsanitize=fuzzer (dynamic: the guest has libstdc++).
 * Must not: rely on anything but the wire protocol (kmod/muse_abi.h), or wait
 * on the kernel without a deadline.
 */
#include <stdint.h>
#include <sys/ioctl.h>
#include <mtd/mtd-user.h>

#include "hostile_muse_wire.h"

#define FUSE_INTERRUPT_OPCODE	36
#define MAX_REQUESTS		48
#define PAGE			2048
#define BLOCK			131072
#define BLOCKS			32

struct input {
	const uint8_t *p;
	size_t n;
};

/* The next input byte modulo `mod`; 0 once the input is used up. */
static unsigned int take(struct input *in, unsigned int mod)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++ % mod;
}

static uint32_t take32(struct input *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | take(in, 256);
	return v;
}

static void die(const char *what)
{
	fprintf(stderr, "hostile_muse_fuzz: %s\n", what);
	abort();
}

/* Lines of /proc/mtd: the MTDs registered now (plus its header line). */
static int mtd_lines(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/mtd", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

static int mtd_lines_back_to(int want, int ms)
{
	for (; ms > 0; ms -= 20) {
		if (mtd_lines() == want)
			return 1;
		usleep(20000);
	}
	return 0;
}

/*
 * The client: a child that makes the kernel send requests, one per op byte:
 * read, write or erase one of the first BLOCKS blocks, or ask whether it is
 * bad. Errors are expected (the server lies); it only has to end.
 */
static pid_t start_client(int server_fd, int mtd, const uint8_t *ops, size_t nops)
{
	pid_t pid = fork();

	if (pid == 0) {
		static char page[PAGE];
		char path[32];
		int fd;

		close(server_fd);
		alarm(30);	/* blocked 30 s: the parent sees SIGALRM and fails */
		snprintf(path, sizeof(path), "/dev/mtd%d", mtd);
		fd = open(path, O_RDWR);
		if (fd < 0)
			_exit(2);
		memset(page, 0x3c, sizeof(page));
		for (size_t i = 0; i < nops; i++) {
			unsigned int block = (ops[i] >> 2) % BLOCKS;
			off_t at = (off_t)block * BLOCK + (off_t)(ops[i] % 64) * PAGE;
			struct erase_info_user e = { block * BLOCK, BLOCK };
			loff_t bad = (loff_t)block * BLOCK;

			switch (ops[i] & 3) {
			case 0:
				(void)!pread(fd, page, sizeof(page), at);
				break;
			case 1:
				(void)!pwrite(fd, page, sizeof(page), at);
				break;
			case 2:
				ioctl(fd, MEMERASE, &e);
				break;
			default:
				ioctl(fd, MEMGETBADBLOCK, &bad);
				break;
			}
		}
		_exit(0);
	}
	return pid;
}

/* The body of a correct answer to the request in buf; its length. */
static size_t correct_body(unsigned char *body, int ext)
{
	struct fuse_in_header *h = hdr();
	const void *arg = h + 1;

	switch (h->opcode) {
	case MUSE_READ: {
		const struct muse_read_in *r = arg;
		size_t len = r->len > MAX_IO ? MAX_IO : r->len;
		size_t oob = r->ooblen > 4096 ? 4096 : r->ooblen;
		size_t head;

		if (ext) {
			struct muse_read_out_ext o = { len, 0, 0, 0, (__u32)oob };

			memcpy(body, &o, sizeof(o));
			head = sizeof(o);
		} else {
			struct muse_read_out o = { len, 0, 0 };

			memcpy(body, &o, sizeof(o));
			head = sizeof(o);
			oob = 0;
		}
		memset(body + head, 0xff, len + oob);
		return head + len + oob;
	}
	case MUSE_WRITE: {
		const struct muse_write_in *w = arg;
		struct muse_write_out o = { w->len, 0, 0 };

		memcpy(body, &o, sizeof(o));
		return sizeof(o);
	}
	case MUSE_ISBAD: {
		struct muse_isbad_out o = { 0, 0 };

		memcpy(body, &o, sizeof(o));
		return sizeof(o);
	}
	default:	/* ERASE, MARKBAD, SYNC: no body */
		return 0;
	}
}

enum answer { A_CORRECT, A_EIO, A_ERRNO, A_UNIQUE, A_OVERSIZED, A_SHORT, A_LEN_LIE,
	      A_TWICE, A_BYTES, A_SILENT, A_CLOSE, A_KINDS };

/* Answers the request in buf as the input says; 1 when the server closes now. */
static int answer(int fd, struct input *in, int ext)
{
	static unsigned char body[MAX_IO + 4096 + 64];
	__u64 u = hdr()->unique;
	size_t len, n;
	unsigned int a = take(in, A_KINDS + 3);

	if (hdr()->opcode == FUSE_INTERRUPT_OPCODE)
		return 0;	/* never answered */
	len = correct_body(body, ext);
	switch (a < A_KINDS ? a : A_CORRECT) {
	case A_CORRECT:
		reply(fd, u, 0, body, len);
		break;
	case A_EIO:
		reply(fd, u, -EIO, NULL, 0);
		break;
	case A_ERRNO:
		reply(fd, u, (int)take32(in), NULL, 0);
		break;
	case A_UNIQUE:
		reply(fd, u + 2 * (1 + take(in, 256)), 0, body, len);
		break;
	case A_OVERSIZED:
		reply(fd, u, 0, body, len + 1 + take(in, 4096));
		break;
	case A_SHORT:
		reply(fd, u, 0, body, len ? take(in, len) : 0);
		break;
	case A_LEN_LIE:
		reply_raw(fd, u, 0, body, len, take32(in));
		break;
	case A_TWICE:
		reply(fd, u, 0, body, len);
		reply(fd, u, 0, body, len);
		break;
	case A_BYTES:
		n = take(in, 256);
		for (size_t i = 0; i < n; i++)
			body[i] = take(in, 256);
		if (write(fd, body, n) < 0)
			break;
		break;
	case A_SILENT:
		break;
	case A_CLOSE:
		return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	static char keys[MUSE_INIT_INFO_MAX];
	int before = mtd_lines(), fd, ext = 0, mtd, end = -2, idle = 0, st;
	unsigned int mode = take(&in, 16);
	uint8_t ops[8];
	size_t nops;
	pid_t client;

	fd = open("/dev/muse", O_RDWR);
	if (fd < 0)
		die("cannot open /dev/muse");
	if (mode == 0) {
		/* A key block of the input's own bytes, after a name we can find. */
		size_t klen = sizeof("NAME=hostile");
		size_t more = take(&in, 240);

		memcpy(keys, "NAME=hostile", klen);
		for (size_t i = 0; i < more; i++)
			keys[klen++] = take(&in, 256);
		answer_init(fd, 34 + take(&in, 2), keys, klen);
	} else {
		ext = mode & 1;
		answer_init(fd, ext ? 35 : 34, good_keys, sizeof(good_keys) - 1);
	}
	if (!wait_mtd(1, 2000)) {
		close(fd);
		if (!mtd_lines_back_to(before, 5000))
			die("an MTD stayed after a refused INIT and a closed connection");
		return 0;
	}
	mtd = hostile_mtd();
	nops = 1 + take(&in, sizeof(ops));
	for (size_t i = 0; i < nops; i++)
		ops[i] = take(&in, 256);
	client = start_client(fd, mtd, ops, nops);
	for (int i = 0; i < MAX_REQUESTS && idle < 10; i++) {
		int n = next_request(fd, 100);

		if (n < 0)
			break;	/* the kernel aborted the connection: allowed */
		if (n == 0) {
			/* Nothing asked: done when the client is, else it waits on a silence. */
			if (waitpid(client, &st, WNOHANG) == client) {
				end = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				break;
			}
			idle++;
			continue;
		}
		idle = 0;
		if (answer(fd, &in, ext))
			break;
	}
	close(fd);
	if (end == -2)
		end = reader_end(client, 10000);
	if (end < 0)
		die("the client still ran 10 s after the server closed");
	if (end == 128 + SIGALRM)
		die("the client was blocked 30 s in the kernel");
	if (!mtd_lines_back_to(before, 5000))
		die("the MTD stayed after the server closed");
	return 0;
}
