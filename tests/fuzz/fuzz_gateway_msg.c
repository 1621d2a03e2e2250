/*
 * fuzz_gateway_msg.c - libFuzzer target for the gateway's control channel
 * parsers: the message reader (src/gateway/msg.c) fed the input in pieces,
 * and every complete message's bytes given to the settings parser
 * (src/gateway/settings.c).  Settings that parse must render and parse
 * back to the same values.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/msg.h"
#include "gateway/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Field by field: padding bytes are no part of the value. */
static bool settings_same(const struct gw_settings *a, const struct gw_settings *b)
{
	return a->redirect_https == b->redirect_https && a->hsts == b->hsts &&
	       a->max_body == b->max_body && a->header_timeout_ms == b->header_timeout_ms &&
	       a->idle_timeout_ms == b->idle_timeout_ms &&
	       a->upstream_timeout_ms == b->upstream_timeout_ms && a->workers == b->workers;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_reader r;
	size_t off = 0, step = size ? (size_t)data[0] % 7 + 1 : 1;

	msg_reader_init(&r, 4096);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		long used = msg_reader_feed(&r, (const char *)data + off, n);

		if (used < 0)
			break;
		if ((size_t)used > n)
			abort();
		off += (size_t)used;
		if (r.done) {
			struct gw_settings s, t;
			struct error err;
			char type, *msg, buf[512];
			size_t len;

			msg_reader_take(&r, &type, &msg, &len);
			if (len > 4096 || msg[len] != '\0')
				abort();
			if (settings_parse(msg, len, &s, &err) == 0) {
				int k = settings_render(&s, buf, sizeof(buf));
				if (k < 0 || settings_parse(buf, (size_t)k, &t, &err) != 0 ||
				    !settings_same(&s, &t))
					abort();
			}
			free(msg);
		} else if (used == 0) {
			abort();   /* no progress without a complete message */
		}
	}
	msg_reader_release(&r);
	return 0;
}
