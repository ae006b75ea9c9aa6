/*
 * pingpong: the bare request/reply reference for the guest benchmark. Two
 * processes on a socketpair; the parent sends a 64-byte request, the child
 * answers with REPLY bytes, COUNT times. This is the best a synchronous
 * userspace round trip can do in the guest, so the MUSE MTD's random reads
 * are compared with it (target: >= 0.8x its rate on the request path).
 *
 * usage: pingpong REPLY_BYTES COUNT   prints "trips=N seconds=S rate=R"
 * It must not touch any device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int full_io(int fd, char *buf, size_t len, int writing)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = writing ? write(fd, buf + done, len - done) :
				      read(fd, buf + done, len - done);
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s REPLY_BYTES COUNT\n", argv[0]);
		return 2;
	}
	const size_t reply = (size_t)atol(argv[1]);
	const long count = atol(argv[2]);
	int sv[2];
	char req[64], *buf = calloc(1, reply);

	memset(req, 1, sizeof(req));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		perror("socketpair");
		return 1;
	}
	pid_t child = fork();

	if (child == 0) {
		close(sv[0]);
		while (full_io(sv[1], req, sizeof(req), 0) == 0)
			if (full_io(sv[1], buf, reply, 1) != 0)
				break;
		_exit(0);
	}
	close(sv[1]);
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < count; i++) {
		if (full_io(sv[0], req, sizeof(req), 1) || full_io(sv[0], buf, reply, 0)) {
			perror("round trip");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(sv[0]);
	waitpid(child, NULL, 0);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("trips=%ld seconds=%.3f rate=%.0f\n", count, s, (double)count / s);
	return 0;
}
