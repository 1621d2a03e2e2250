/*
 * tls_sni.c - the server_name (SNI) extension parser and the host-name
 * normalization shared by certificate lookup: pure functions over bytes that
 * see what any client on the network sends.
 */
#include "gateway/tls_internal.h"

#include <errno.h>

/* RFC 6066: the only name type defined. */
#define SNI_HOST_NAME 0

/* Lower-case, strip one trailing dot and check a host name; see tls_internal.h. */
int tls_host_normalize(const char *in, size_t len, char out[TLS_HOST_MAX])
{
	size_t label = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	/* 253 is the longest name that fits the 255-byte wire form. */
	if (len == 0 || len > 253)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0)
				return -EINVAL;
			label = 0;
			out[i] = '.';
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return -EINVAL;
		if (++label > 63)
			return -EINVAL;
		out[i] = (char)c;
	}
	if (label == 0)
		return -EINVAL;
	out[len] = '\0';
	return 0;
}

/* Read a big-endian 16-bit number at P. */
static size_t sni_get16(const unsigned char *p)
{
	return (size_t)p[0] << 8 | p[1];
}

/* Parse a server_name extension body; see tls_internal.h. */
int tls_sni_parse(const unsigned char *data, size_t len, char host[TLS_HOST_MAX])
{
	size_t list_len, name_len;

	if (len < 2)
		return -EBADMSG;
	list_len = sni_get16(data);
	if (list_len != len - 2 || list_len < 3)
		return -EBADMSG;
	if (data[2] != SNI_HOST_NAME)
		return -EBADMSG;
	name_len = sni_get16(data + 3);
	/* Exactly one entry: its name ends the list. */
	if (name_len != list_len - 3 || name_len == 0)
		return -EBADMSG;
	return tls_host_normalize((const char *)(data + 5), name_len, host);
}
