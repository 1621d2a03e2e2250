/*
 * fuzz_ctl.c - libFuzzer target for the control protocol's parsers: the
 * first 4 bytes as a frame header, the whole input as a request payload.
 * A request that parses must encode back to exactly the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[CTL_ARGS_MAX + 1];
	struct error err;
	char *payload, *again;
	long len;
	int argc, n;

	if (size >= 4) {
		len = ctl_frame_length(data);
		if (len > CTL_FRAME_MAX || len < -1000)
			abort();
	}
	/* An exact copy: ASan sees any read past the payload. */
	payload = malloc(size ? size : 1);
	if (!payload)
		return 0;
	memcpy(payload, data, size);
	argc = ctl_parse_request(payload, size, argv, &err);
	if (argc >= 0) {
		if (argc < 1 || argc > CTL_ARGS_MAX || argv[argc] != NULL || argv[0][0] == '\0')
			abort();
		again = malloc(size);
		if (again) {
			n = ctl_encode_request(argv, again, size);
			if (n != (int)size || memcmp(again, data, size) != 0)
				abort();
			free(again);
		}
	} else if (err.msg[0] == '\0') {
		abort();
	}
	free(payload);
	return 0;
}
