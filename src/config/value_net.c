/*
 * value_net.c - configuration values about the network: the bridge subnet, addresses,
 * published ports, the host names the gateway routes and HTTP path prefixes.  Addresses go
 * through inet_pton() only, so "010.1.1.1" style ambiguities never parse.
 */
#include "config/value.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUBNET_FORM "an IPv4 network like 10.213.0.0/24 with a prefix length from 8 to 30"

/* An IPv4 network "a.b.c.d/p", prefix 8..30, host bits zero. */
int value_parse_subnet(const char *s, struct subnet *out, struct error *err)
{
	const char *slash = strchr(s, '/');
	char addr[INET_ADDRSTRLEN];
	char suggest[INET_ADDRSTRLEN];
	struct in_addr a, net;
	unsigned prefix = 0;
	uint32_t mask;
	const char *p;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return value_error(err, "subnet", s, "expected " SUBNET_FORM);
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		return value_error(err, "subnet", s, "expected " SUBNET_FORM);
	/* One or two digits without a leading zero: "/024" is not a prefix length. */
	p = slash + 1;
	if (p[0] < '1' || p[0] > '9')
		return value_error(err, "subnet", s, "expected " SUBNET_FORM);
	for (; *p >= '0' && *p <= '9' && prefix < 100; p++)
		prefix = prefix * 10 + (unsigned)(*p - '0');
	if (*p || prefix < 8 || prefix > 30)
		return value_error(err, "subnet", s, "expected " SUBNET_FORM);
	mask = 0xffffffffU << (32 - prefix);
	net.s_addr = htonl(ntohl(a.s_addr) & mask);
	if (net.s_addr != a.s_addr) {
		inet_ntop(AF_INET, &net, suggest, sizeof(suggest));
		return value_error(err, "subnet", s,
				   "expected the network address, did you mean %s/%u?", suggest,
				   prefix);
	}
	out->family = AF_INET;
	out->addr = net;
	out->prefix = prefix;
	return 0;
}

/* An IPv4 or IPv6 address. */
int value_parse_ip(const char *s, struct ip_addr *out, struct error *err)
{
	struct ip_addr ip;

	memset(&ip, 0, sizeof(ip));
	if (inet_pton(AF_INET, s, &ip.v4) == 1)
		ip.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &ip.v6) == 1)
		ip.family = AF_INET6;
	else
		return value_error(err, "IP address", s, "expected an IPv4 or IPv6 address "
				   "like 192.0.2.1 or 2001:db8::1");
	*out = ip;
	return 0;
}

#define PORTMAP_FORM "[ADDRESS:]HOSTPORT:PORT[/tcp|/udp] with ports from 1 to 65535, " \
		     "like 8080:80 or 127.0.0.1:5353:53/udp"
#define PORTMAP_WORD_MAX 80 /* "255.255.255.255:65535:65535/udp" is 31 */

/* One "[ADDR:]HOSTPORT:PORT[/PROTO]" item; WORD is modified. */
static bool value_parse_portmap(char *word, struct portmap *pm)
{
	char *slash = strchr(word, '/');
	char *colon;
	const char *hostport;
	struct error ignored;

	memset(pm, 0, sizeof(*pm));
	pm->host_addr.s_addr = htonl(INADDR_ANY);
	pm->proto = IPPROTO_TCP;
	if (slash) {
		*slash = '\0';
		if (strcasecmp(slash + 1, "udp") == 0)
			pm->proto = IPPROTO_UDP;
		else if (strcasecmp(slash + 1, "tcp") != 0)
			return false;
	}
	colon = strrchr(word, ':');
	if (!colon || value_parse_port(colon + 1, &pm->port, &ignored) < 0)
		return false;
	*colon = '\0';
	hostport = word;
	colon = strrchr(word, ':');
	if (colon) {
		*colon = '\0';
		hostport = colon + 1;
		if (inet_pton(AF_INET, word, &pm->host_addr) != 1)
			return false;
	}
	return value_parse_port(hostport, &pm->host_port, &ignored) == 0;
}

/* True when A and B would claim the same host socket. */
static bool value_portmaps_clash(const struct portmap *a, const struct portmap *b)
{
	return a->host_port == b->host_port && a->proto == b->proto &&
	       (a->host_addr.s_addr == b->host_addr.s_addr ||
		a->host_addr.s_addr == htonl(INADDR_ANY) ||
		b->host_addr.s_addr == htonl(INADDR_ANY));
}

/* Space-separated published ports; an empty list is fine. */
int value_parse_portmaps(const char *s, struct portmap_list *out, struct error *err)
{
	struct portmap_list l = { NULL, 0 };
	char word[PORTMAP_WORD_MAX], work[PORTMAP_WORD_MAX];
	const char *p = s;
	size_t len;
	int r;

	while ((len = value_next_word(&p, word, sizeof(word))) > 0) {
		struct portmap pm, *v;

		strcpy(work, word);
		if (len >= sizeof(word) || !value_parse_portmap(work, &pm)) {
			r = value_error(err, "port mapping", word, "expected " PORTMAP_FORM);
			goto fail;
		}
		for (size_t i = 0; i < l.n; i++) {
			if (value_portmaps_clash(&l.v[i], &pm)) {
				r = value_error(err, "port mapping", word,
						"expected each host port once, %u/%s is already "
						"published", pm.host_port,
						pm.proto == IPPROTO_UDP ? "udp" : "tcp");
				goto fail;
			}
		}
		v = realloc(l.v, (l.n + 1) * sizeof(*v));
		if (!v) {
			r = error_set(err, ENOMEM, "allocate memory");
			goto fail;
		}
		l.v = v;
		l.v[l.n++] = pm;
	}
	*out = l;
	return 0;
fail:
	portmap_list_release(&l);
	return r;
}

/* Free the list and leave it empty. */
void portmap_list_release(struct portmap_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

#define HOSTNAME_FORM "a DNS name like example.org or *.example.org (labels of 1 to 63 " \
		      "letters, digits and '-', not starting or ending with '-')"

/* True for "[IPv6]" or a bare IPv6 address. */
static bool value_is_ipv6_literal(const char *s)
{
	char buf[INET6_ADDRSTRLEN + 2];
	struct in6_addr a;
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (n - 2 >= sizeof(buf))
			return false;
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		s = buf;
	} else if (n >= sizeof(buf)) {
		return false;
	}
	return inet_pton(AF_INET6, s, &a) == 1;
}

/* True when NAME (dots separating labels, no trailing dot) is made of RFC 1123 labels. */
static bool value_is_dns_name(const char *name)
{
	const char *p = name;

	for (;;) {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");

		if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
			return false;
		p += n;
		if (*p == '\0')
			return true;
		if (*p != '.')
			return false;
		p++;
	}
}

/* One host name or "*.name" wildcard, stored lower-case without a trailing dot; IP
 * literals are kept as given. */
int value_parse_hostname(const char *s, struct host_pattern *out, struct error *err)
{
	struct host_pattern h;
	const char *name = s;
	size_t n;

	memset(&h, 0, sizeof(h));
	if (value_is_ipv6_literal(s)) {
		strcpy(h.name, s); /* at most INET6_ADDRSTRLEN + 1 bytes: it fits */
		*out = h;
		return 0;
	}
	if (name[0] == '*' && name[1] == '.') {
		h.wildcard = true;
		name += 2;
	}
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > HOSTNAME_MAX_LEN)
		return value_error(err, "host name", s, "expected at most %d characters",
				   HOSTNAME_MAX_LEN);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		h.name[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	h.name[n] = '\0';
	if (!value_is_dns_name(h.name))
		return value_error(err, "host name", s, "expected " HOSTNAME_FORM);
	*out = h;
	return 0;
}

/* Space-separated host names, at least one, no duplicates. */
int value_parse_hosts(const char *s, struct host_list *out, struct error *err)
{
	struct host_list l = { NULL, 0 };
	char word[HOSTNAME_MAX_LEN + 8];
	const char *p = s;
	int r;

	/* A word too long for WORD stays too long once cut, so the parser rejects it. */
	while (value_next_word(&p, word, sizeof(word)) > 0) {
		struct host_pattern h, *v;

		r = value_parse_hostname(word, &h, err);
		if (r < 0)
			goto fail;
		for (size_t i = 0; i < l.n; i++) {
			if (l.v[i].wildcard == h.wildcard && strcmp(l.v[i].name, h.name) == 0) {
				r = value_error(err, "host name", word,
						"expected each host once, %s%s is listed twice",
						h.wildcard ? "*." : "", h.name);
				goto fail;
			}
		}
		v = realloc(l.v, (l.n + 1) * sizeof(*v));
		if (!v) {
			r = error_set(err, ENOMEM, "allocate memory");
			goto fail;
		}
		l.v = v;
		l.v[l.n++] = h;
	}
	if (l.n == 0)
		return value_error(err, "host list", s, "expected one or more host names "
				   "like example.org *.example.org");
	*out = l;
	return 0;
fail:
	host_list_release(&l);
	return r;
}

/* Free the list and leave it empty. */
void host_list_release(struct host_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

#define HTTP_PATH_MAX 1024
#define HTTP_PATH_FORM "a path like /api/ of visible ASCII, without '?', '#', " \
		       "'.' or '..' segments or %%2e and %%2f escapes"

/* The value of a hex digit, or -1. */
static int value_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* An HTTP path prefix, kept as written.  The gateway matches prefixes on the raw path, so
 * anything a backend might decode into a different path ("/a/../b", "%2e%2e", "%2f") is
 * refused here rather than routed to the wrong service. */
int value_parse_http_path(const char *s, char **out, struct error *err)
{
	size_t n = strlen(s);
	char *copy;

	if (s[0] != '/')
		return value_error(err, "HTTP path", s, "expected " HTTP_PATH_FORM);
	if (n > HTTP_PATH_MAX)
		return value_error(err, "HTTP path", s, "expected at most %d characters",
				   HTTP_PATH_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#')
			return value_error(err, "HTTP path", s, "expected " HTTP_PATH_FORM);
		if (c == '%') {
			int hi = value_hex(s[i + 1]), lo = hi < 0 ? -1 : value_hex(s[i + 2]);

			if (lo < 0 || (hi == 2 && (lo == 0xe || lo == 0xf)))
				return value_error(err, "HTTP path", s, "expected " HTTP_PATH_FORM);
		}
		if (c == '/' && s[i + 1] == '.' &&
		    (s[i + 2] == '/' || s[i + 2] == '\0' ||
		     (s[i + 2] == '.' && (s[i + 3] == '/' || s[i + 3] == '\0'))))
			return value_error(err, "HTTP path", s, "expected " HTTP_PATH_FORM);
	}
	copy = strdup(s);
	if (!copy)
		return error_set(err, ENOMEM, "allocate memory");
	*out = copy;
	return 0;
}
