/*
 * fuzz_config.c - libFuzzer target for the configuration loader: the input,
 * split at NUL bytes, becomes conf.d/pistack.ini, bundles/web/bundle.ini and
 * conf.d/web.ini of a scratch root; config_load() must never crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

static char root[64];

/* Write LEN bytes of DATA to ROOT/REL. */
static void put(const char *rel, const uint8_t *data, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, len, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *files[] = { "conf.d/web.ini", "bundles/web/bundle.ini", "conf.d/pistack.ini" };
	struct diag_list diags = { 0 };
	struct config cfg;
	size_t start = 0, part = 0;

	if (!root[0]) {
		char dir[128];
		snprintf(root, sizeof(root), "/dev/shm/fuzz-config-XXXXXX");
		if (!mkdtemp(root))
			abort();
		snprintf(dir, sizeof(dir), "%s/conf.d", root);
		mkdir(dir, 0755);
		snprintf(dir, sizeof(dir), "%s/bundles", root);
		mkdir(dir, 0755);
		snprintf(dir, sizeof(dir), "%s/bundles/web", root);
		mkdir(dir, 0755);
	}
	for (size_t i = 0; i <= size && part < 3; i++) {
		if (i == size || data[i] == '\0') {
			put(files[part++], data + start, i - start);
			start = i + 1;
		}
	}
	for (; part < 3; part++)
		put(files[part], (const uint8_t *)"", 0);
	if (config_load(&cfg, root, &diags) == 0)
		config_release(&cfg);
	diag_release(&diags);
	return 0;
}
