/*
 * mtd_randread: random page reads on an MTD character device, for the guest
 * benchmark (tests/bench/guest_mtd_bench.sh). Built static, so it runs in
 * the busybox initramfs.
 *
 * usage: mtd_randread DEVICE PAGE_SIZE COUNT SEED
 * Prints one line: "reads=N seconds=S rate=R". The page sequence comes from
 * SEED (a xorshift generator), so MUSE and nandsim read the same pages.
 * It must not write to the device.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s DEVICE PAGE_SIZE COUNT SEED\n", argv[0]);
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	const long page = atol(argv[2]);
	const long count = atol(argv[3]);
	uint64_t state = strtoull(argv[4], NULL, 10) | 1;
	const off_t size = lseek(fd, 0, SEEK_END);
	if (page <= 0 || size < page) {
		fprintf(stderr, "%s: device of %lld bytes, page %ld\n", argv[1], (long long)size, page);
		return 1;
	}
	const uint64_t pages = (uint64_t)size / (uint64_t)page;
	char *buf = malloc((size_t)page);
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < count; i++) {
		off_t at = (off_t)(next_random(&state) % pages) * page;

		if (pread(fd, buf, (size_t)page, at) != page) {
			perror("pread");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("reads=%ld seconds=%.3f rate=%.0f\n", count, s, (double)count / s);
	free(buf);
	close(fd);
	return 0;
}
