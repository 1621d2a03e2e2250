/*
 * fuzz_ipam.c - libFuzzer target for the leases parser: any accepted text must
 * format back into text that parses to the same table, and an allocation from
 * it (in 10.0.0.0/PREFIX, the prefix taken from the first byte) must hand out a
 * usable address without creating a duplicate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct subnet subnet = {.family = AF_INET, .addr = {htonl(0x0a000000)}};
	struct ipam_table t = {0}, back = {0};
	char *active[] = {"web", "db"};
	struct in_addr addr;
	struct error err;
	char *text;
	size_t len;

	if (size < 1)
		return 0;
	subnet.prefix = 8 + data[0] % 23;
	if (ipam_parse((const char *)data + 1, size - 1, "fuzz", &t, &err) < 0)
		return 0;
	if (ipam_format(&t, &text, &len) == 0) {
		if (ipam_parse(text, len, "again", &back, &err) < 0 || back.n != t.n)
			abort();
		for (size_t i = 0; i < t.n; i++)
			if (strcmp(t.v[i].name, back.v[i].name) != 0 ||
			    t.v[i].addr.s_addr != back.v[i].addr.s_addr ||
			    t.v[i].last_used != back.v[i].last_used)
				abort();
		free(text);
		ipam_table_release(&back);
	}
	if (ipam_assign(&t, &subnet, "fuzz", active, 2, 1, &addr, &err) == 0) {
		if (!ipam_usable(&subnet, addr) || ipam_format(&t, &text, &len) < 0)
			abort();
		/* The parser refuses duplicates: the new table must still parse. */
		if (ipam_parse(text, len, "after", &back, &err) < 0)
			abort();
		free(text);
		ipam_table_release(&back);
	}
	ipam_table_release(&t);
	return 0;
}
