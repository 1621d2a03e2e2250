/*
 * resolv_conf.c - the upstream resolvers from /etc/resolv.conf (see
 * resolv_conf.h): a pure line parser, and the read of the file around it.
 */
#include "net/resolv_conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"

#define RESOLV_WORD_MAX 64  /* the longest IPv6 text is 45 bytes */

/* Whether C separates words on a line (the C library's " \t"). */
static bool resolv_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether A and B hold the same address. */
static bool resolv_same(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return memcmp(&a->v6, &b->v6, sizeof(a->v6)) == 0;
}

/* Parse one line LINE (N bytes, no newline) into OUT[*n] when it names a server. */
static void resolv_line(const char *line, size_t n, struct ip_addr *out, size_t *count)
{
	static const char keyword[] = "nameserver";
	char word[RESOLV_WORD_MAX];
	struct ip_addr ip;
	size_t i = sizeof(keyword) - 1, start, len;

	/* The keyword starts the line and is followed by a blank. */
	if (n <= i || memcmp(line, keyword, i) != 0 || !resolv_blank(line[i]))
		return;
	while (i < n && resolv_blank(line[i]))
		i++;
	start = i;
	while (i < n && !resolv_blank(line[i]) && line[i] != '#' && line[i] != ';')
		i++;
	len = i - start;
	if (len == 0 || len >= sizeof(word))
		return;
	memcpy(word, line + start, len);
	word[len] = '\0';
	memset(&ip, 0, sizeof(ip));
	if (inet_pton(AF_INET, word, &ip.v4) == 1)
		ip.family = AF_INET;
	else if (inet_pton(AF_INET6, word, &ip.v6) == 1)
		ip.family = AF_INET6;
	else
		return;
	for (size_t k = 0; k < *count; k++)
		if (resolv_same(&out[k], &ip))
			return;
	out[(*count)++] = ip;
}

/* Parse the nameserver lines of TEXT; see resolv_conf.h. */
size_t resolv_conf_parse(const char *text, size_t len, struct ip_addr *out)
{
	size_t count = 0, pos = 0;

	while (pos < len && count < RESOLV_CONF_MAX) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		/* A NUL ends the line for the C library's string functions too. */
		const char *nul = memchr(text + pos, '\0', n);
		resolv_line(text + pos, nul ? (size_t)(nul - (text + pos)) : n, out, &count);
		pos += n + 1;
	}
	return count;
}

/* Read and parse PATH; see resolv_conf.h. */
int resolv_conf_load(const char *path, struct ip_addr *out, struct error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	cleanup_free char *text = NULL;
	struct stat st;
	ssize_t len;

	if (fd < 0)
		return error_set(err, errno, "open '%s'", path);
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "read '%s': not a regular file", path);
	text = malloc(RESOLV_CONF_SIZE_MAX);
	if (!text)
		return error_set(err, ENOMEM, "read '%s'", path);
	/* Only the first RESOLV_CONF_SIZE_MAX bytes: the servers come first anyway. */
	len = fs_read_full(fd, text, RESOLV_CONF_SIZE_MAX);
	if (len < 0)
		return error_set(err, (int)-len, "read '%s'", path);
	return (int)resolv_conf_parse(text, (size_t)len, out);
}
