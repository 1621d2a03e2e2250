/*
 * fuzz_cgroup.c - libFuzzer target for the parsers of /proc/self/mountinfo
 * and the cgroup files pistack reads (controllers, events,
 * single numbers); the first byte picks the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isolate/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *paths[8];
	unsigned long long v;
	int n;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		n = cgroup_parse_mountinfo(text, paths, 8);
		for (int i = 0; i < n; i++)
			free(paths[i]);
		break;
	case 1:
		(void)cgroup_parse_controllers(text);
		break;
	case 2:
		(void)cgroup_parse_populated(text);
		break;
	default:
		(void)cgroup_parse_u64(text, &v);
		break;
	}
	free(text);
	return 0;
}
