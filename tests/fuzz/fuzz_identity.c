/*
 * fuzz_identity.c - libFuzzer target for the passwd and group parsers that
 * read a service's rootfs: the input, split at the first NUL, is etc/passwd
 * and etc/group; the first byte picks a user spec.
 */
#include <stdint.h>
#include <string.h>

#include "isolate/security.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct user_spec specs[] = {
		{ .name = "root" }, { .name = "nobody" }, { .name = "www-data" },
		{ .uid = 1000 }, { .uid = 65534 }, { .uid = 0, .gid = 5, .has_gid = true },
	};
	const struct user_spec *spec;
	const uint8_t *nul;
	struct identity id;
	struct error err;
	size_t plen;

	if (size < 1)
		return 0;
	spec = &specs[data[0] % (sizeof(specs) / sizeof(specs[0]))];
	data++;
	size--;
	nul = memchr(data, 0, size);
	plen = nul ? (size_t)(nul - data) : size;
	memset(&id, 0, sizeof(id));
	if (identity_parse_passwd((const char *)data, plen, spec, &id, &err) == 0 && nul)
		identity_parse_group((const char *)nul + 1, size - plen - 1, &id, &err);
	identity_release(&id);
	return 0;
}
