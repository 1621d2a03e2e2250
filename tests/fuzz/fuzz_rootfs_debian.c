/*
 * fuzz_rootfs_debian.c - libFuzzer target for what rootfs_debian.c reads from
 * text: the codename of an os-release file and the sources.list check (any
 * bytes; a codename found must be a word mmdebstrap cannot take for an
 * option), and the KEY of a package list (one name per line): accepted lists
 * give a bounded KEY that is one safe file name, the same for any order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isolate/rootfs_debian.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless KEY is a file name a tree may have. */
static void check_key(const char *key)
{
	size_t len = strlen(key);

	if (len == 0 || len > ROOTFS_DEBIAN_KEY_MAX || key[0] == '.' || key[0] == '-' || strchr(key, '/'))
		abort();
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789+.-_", key[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *save = NULL, *names[64], *reversed[64];
	char codename[64], key[ROOTFS_DEBIAN_KEY_MAX + 1], key2[ROOTFS_DEBIAN_KEY_MAX + 1];
	struct error err;
	size_t n = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (rootfs_debian_codename(text, codename, sizeof(codename)) &&
	    (codename[0] == '-' || codename[0] == '\0' || strpbrk(codename, " /=\n")))
		abort();
	(void)rootfs_debian_sources_has_entry(text);
	for (line = strtok_r(text, "\n", &save); line && n < 64; line = strtok_r(NULL, "\n", &save))
		names[n++] = line;
	if (rootfs_debian_key(names, n, key, sizeof(key), &err) == 0) {
		check_key(key);
		for (size_t i = 0; i < n; i++)
			reversed[i] = names[n - 1 - i];
		if (rootfs_debian_key(reversed, n, key2, sizeof(key2), &err) != 0 || strcmp(key, key2) != 0)
			abort();
	}
	free(text);
	return 0;
}
