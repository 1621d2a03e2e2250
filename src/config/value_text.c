/*
 * value_text.c - configuration values that are words and paths: service names, absolute
 * paths, the user a service runs as, and exec lines split into argv with shell-like quoting
 * (but no shell: nothing is ever expanded).
 */
#include "config/value.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

/* True for a byte no configuration word may hold: C0 controls and DEL. */
static bool value_is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/* A service or bundle name: a DNS label of lower-case letters, digits and '-', <= 32. */
bool value_is_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* Check a name and copy it into OUT. */
int value_parse_name(const char *s, char out[NAME_MAX_LEN + 1], struct error *err)
{
	if (!value_is_name(s))
		return value_error(err, "name", s,
				   "expected up to 32 lower-case letters, digits and '-', "
				   "starting with a letter or digit and not ending in '-'");
	strcpy(out, s);
	return 0;
}

/* An absolute path without "..", normalised: no "//", no "/./", no trailing '/'. */
int value_parse_abspath(const char *s, char **out, struct error *err)
{
	size_t len = strlen(s), o = 0;
	const char *p = s;
	char *norm;

	if (s[0] != '/')
		return value_error(err, "path", s, "expected an absolute path like /srv/data");
	for (size_t i = 0; i < len; i++)
		if (value_is_control(s[i]))
			return value_error(err, "path", s, "expected a path without control "
					   "characters or line breaks");
	norm = malloc(len + 1);
	if (!norm)
		return error_set(err, ENOMEM, "allocate memory");
	while (*p) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(norm);
			/* ".." could climb out of the directory the path is meant to stay below. */
			return value_error(err, "path", s,
					   "expected a path without '..' components");
		}
		norm[o++] = '/';
		memcpy(norm + o, p, n);
		o += n;
		p += n;
	}
	if (o == 0)
		norm[o++] = '/';
	norm[o] = '\0';
	if (o >= PATH_MAX) {
		free(norm);
		return value_error(err, "path", s, "expected at most %d characters", PATH_MAX - 1);
	}
	*out = norm;
	return 0;
}

#define USER_FORM "a user name like nobody, a UID like 1000, or UID:GID like 1000:1000"
#define ID_MAX 4294967294ULL /* (uid_t)-1 means "no change" to the kernel */

/* Decimal digits at *P up to ID_MAX, no sign; false otherwise. */
static bool value_parse_id(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t n = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > ID_MAX)
			return false;
	}
	*out = n;
	*p = s;
	return true;
}

/* True for a POSIX-style user name: [a-z_][a-z0-9_-]*[$]?, at most 32 characters. */
static bool value_is_user_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (c == '$' && i == n - 1)
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* user = NAME | UID | UID:GID; a NAME is resolved later, inside the rootfs. */
int value_parse_user(const char *s, struct user_spec *out, struct error *err)
{
	struct user_spec u = { .name = "" };
	const char *p = s;
	uint64_t id;

	if (*s >= '0' && *s <= '9') {
		if (!value_parse_id(&p, &id))
			return value_error(err, "user", s, "expected IDs from 0 to 4294967294");
		u.uid = (uid_t)id;
		if (*p == ':') {
			p++;
			if (*p < '0' || *p > '9')
				return value_error(err, "user", s, "expected " USER_FORM);
			if (!value_parse_id(&p, &id))
				return value_error(err, "user", s,
						   "expected IDs from 0 to 4294967294");
			u.gid = (gid_t)id;
			u.has_gid = true;
		}
		if (*p)
			return value_error(err, "user", s, "expected " USER_FORM);
	} else {
		if (!value_is_user_name(s))
			return value_error(err, "user", s, "expected " USER_FORM);
		strcpy(u.name, s);
	}
	*out = u;
	return 0;
}

/* Close the word being built in BUF (of LEN bytes) onto ARGV. */
static int value_exec_push(struct strv *argv, char *buf, size_t *len, struct error *err)
{
	buf[*len] = '\0';
	*len = 0;
	if (strv_push(argv, buf) < 0)
		return error_set(err, ENOMEM, "allocate memory");
	return 0;
}

#define EXEC_FORM "a program and its arguments, like /usr/bin/python3 -m http.server"

/* Split an exec line into words: blanks separate, '...' is literal, "..." allows \" \\ \$
 * and \` escapes, a backslash outside quotes escapes the next character.  Nothing expands. */
int value_parse_exec(const char *s, struct strv *out, struct error *err)
{
	struct strv argv = { NULL, 0 };
	cleanup_free char *buf = NULL;
	const char *p = s;
	size_t len = 0;
	bool in_word = false;
	int r;

	for (const char *q = s; *q; q++)
		if (value_is_control(*q) && *q != '\t')
			return value_error(err, "command", s,
					   "expected one line without control characters");
	buf = malloc(strlen(s) + 1);
	if (!buf)
		return error_set(err, ENOMEM, "allocate memory");
	while (*p) {
		char c = *p++;

		if (c == ' ' || c == '\t') {
			if (in_word && (r = value_exec_push(&argv, buf, &len, err)) < 0)
				goto fail;
			in_word = false;
			continue;
		}
		in_word = true;
		if (c == '\'') {
			while (*p && *p != '\'')
				buf[len++] = *p++;
			if (!*p++) {
				r = value_error(err, "command", s, "expected a closing ' quote");
				goto fail;
			}
		} else if (c == '"') {
			while (*p && *p != '"') {
				/* Inside "...", a backslash only escapes what the shell would. */
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					p++;
				buf[len++] = *p++;
			}
			if (!*p++) {
				r = value_error(err, "command", s, "expected a closing \" quote");
				goto fail;
			}
		} else if (c == '\\') {
			if (!*p) {
				r = value_error(err, "command", s,
						"expected a character after the last backslash");
				goto fail;
			}
			buf[len++] = *p++;
		} else {
			buf[len++] = c;
		}
	}
	if (in_word && (r = value_exec_push(&argv, buf, &len, err)) < 0)
		goto fail;
	if (argv.n == 0)
		return value_error(err, "command", s, "expected " EXEC_FORM);
	*out = argv;
	return 0;
fail:
	strv_release(&argv);
	return r;
}
