/* memscan PID TOKEN [NAME]: for the sandbox boot tests. Reads every
 * readable mapping of process PID (only those whose /proc/PID/maps line
 * contains NAME, when given) through /proc/PID/mem and prints, per mapping
 * that holds TOKEN, "hit <range> <count> <name>"; then "mappings N hits M".
 * Exits 2 on a usage or access error. Native code: busybox tools are far too
 * slow for this under emulation. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	char path[64], line[512];
	size_t tlen;
	unsigned long maps = 0, hits = 0;
	FILE *f;
	int mem;

	if (argc < 3 || !(tlen = strlen(argv[2])) || tlen > 256) {
		fprintf(stderr, "usage: memscan PID TOKEN [NAME]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	f = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	mem = open(path, O_RDONLY);
	if (!f || mem < 0) {
		perror("memscan");
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, count = 0;
		char perm[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3 || perm[0] != 'r')
			continue;
		if (argc > 3 && !strstr(line, argv[3]))
			continue;
		maps++;
		for (unsigned long at = lo; at < hi;) {
			size_t want = hi - at < sizeof(buf) ? hi - at : sizeof(buf);
			ssize_t n = pread(mem, buf, want, (off_t)at);
			char *p = buf;

			if (n <= 0)
				break;      /* e.g. [vvar]: unreadable, skip the rest */
			while ((p = memmem(p, (size_t)n - (p - buf), argv[2], tlen))) {
				count++;
				p += tlen;
			}
			/* A token cut at the chunk boundary: step back. */
			at += (size_t)n > tlen ? (size_t)n - tlen + 1 : (size_t)n;
		}
		if (count) {
			line[strcspn(line, "\n")] = 0;
			printf("hit %lx-%lx %lu %s\n", lo, hi, count, line + 73 < line + strlen(line) ? line + 73 : "");
			hits += count;
		}
	}
	printf("mappings %lu hits %lu\n", maps, hits);
	return 0;
}
