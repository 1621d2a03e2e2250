/*
 * fuzz_tls_sni.c - libFuzzer target for the ClientHello server_name parser:
 * any input either fails or yields a normalized host name that parses back
 * to itself.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/tls_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char host[TLS_HOST_MAX], again[TLS_HOST_MAX];
	unsigned char *copy, ext[TLS_HOST_MAX + 5];
	size_t n;
	int r;

	/* An exact copy: ASan sees any read past the input. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	memset(host, 0x55, sizeof(host));
	r = tls_sni_parse(copy, size, host);
	free(copy);
	if (r != 0 && r != -EBADMSG && r != -EINVAL)
		abort();
	if (r != 0)
		return 0;
	n = strnlen(host, sizeof(host));
	if (n == 0 || n > 253 || host[n - 1] == '.' || host[0] == '.')
		abort();
	for (size_t i = 0; i < n; i++) {
		if (host[i] >= 'A' && host[i] <= 'Z')
			abort();
	}
	/* The normalized name, wrapped again, parses to itself. */
	ext[0] = (unsigned char)((n + 3) >> 8);
	ext[1] = (unsigned char)(n + 3);
	ext[2] = 0;
	ext[3] = (unsigned char)(n >> 8);
	ext[4] = (unsigned char)n;
	memcpy(ext + 5, host, n);
	if (tls_sni_parse(ext, n + 5, again) != 0 || strcmp(host, again) != 0)
		abort();
	return 0;
}
