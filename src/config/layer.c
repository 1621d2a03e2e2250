/*
 * layer.c - read one INI file with inih into a layer of raw entries,
 * validating sections, keys and values and reporting each problem with
 * FILE:LINE.  Debian's inih gives handlers no line numbers and cuts lines at
 * 199 bytes, so our reader counts lines and refuses what inih would mangle.
 */
#include "config/layer.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

struct layer_ctx {
	FILE *fp;
	const char *file;
	enum file_kind kind;
	struct layer *layer, *defaults;
	struct diag_list *diags;
	unsigned line;
	unsigned errors;
	char *buf;               /* getline buffer */
	size_t bufsize;
	bool section_ok;         /* the current section is known */
	char section[64];
	unsigned section_line;
};

static enum schema_scope kind_scope(enum file_kind kind)
{
	return kind == FILE_GLOBAL ? SCOPE_GLOBAL : SCOPE_SERVICE;
}

static void layer_error(struct layer_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report a problem at the current line. */
static void layer_error(struct layer_ctx *c, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(c->diags, c->file, c->line, "%s", msg);
	c->errors++;
}

/* Copy a value for messages: short, and without control characters. */
static void printable(char *dst, size_t size, const char *s)
{
	size_t i = 0;

	for (; *s && i + 4 < size; s++)
		dst[i++] = (*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (*s)
		dst[i++] = '.', dst[i++] = '.', dst[i++] = '.';
	dst[i] = '\0';
}

/* Check a section header line "[name]" (comment already allowed after it). */
static void check_section_line(struct layer_ctx *c, const char *line)
{
	const char *end = strchr(line, ']');
	char name[64], shown[80];
	size_t len;

	c->section_ok = false;
	c->section_line = c->line;
	if (!end) {
		printable(shown, sizeof(shown), line);
		layer_error(c, "expected [SECTION], got '%s'", shown);
		return;
	}
	len = (size_t)(end - line - 1);
	if (len == 0 || len >= sizeof(name)) {
		layer_error(c, "invalid section name");
		return;
	}
	memcpy(name, line + 1, len);
	name[len] = '\0';
	snprintf(c->section, sizeof(c->section), "%s", name);
	if (!schema_has_section(kind_scope(c->kind), name) ||
	    (c->kind != FILE_GLOBAL && strcmp(name, "defaults") == 0)) {
		printable(shown, sizeof(shown), name);
		layer_error(c, "unknown section [%s]%s", shown,
			    c->kind == FILE_GLOBAL ? " in pistack.ini (service keys belong in [defaults] or conf.d/NAME.ini)" : "");
		return;
	}
	c->section_ok = true;
}

/* inih's reader: one line per call, counted; refuses what inih cannot parse faithfully. */
static char *layer_reader(char *out, int size, void *arg)
{
	struct layer_ctx *c = arg;
	ssize_t n = getline(&c->buf, &c->bufsize, c->fp);
	char *p;

	if (n < 0)
		return NULL;
	c->line++;
	out[0] = '\n';
	out[1] = '\0';
	if ((size_t)n != strlen(c->buf)) {
		layer_error(c, "line contains a NUL byte");
		return out;
	}
	while (n > 0 && (c->buf[n - 1] == '\n' || c->buf[n - 1] == '\r'))
		c->buf[--n] = '\0';
	/* Leading blanks would make inih join this line to the previous value
	 * (its multi-line mode); we do not support continuation lines. */
	p = c->buf + strspn(c->buf, " \t");
	if (c->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	if (*p == '\0' || *p == ';' || *p == '#')
		return out;
	if (strlen(p) + 2 > (size_t)size) {
		layer_error(c, "line is longer than %d characters; split the value (list keys may repeat)", size - 2);
		return out;
	}
	if (*p == '[') {
		check_section_line(c, p);
		if (!c->section_ok)
			return out;
	} else {
		/* inih splits at the first '=' or ':'; we accept only '='. */
		char *delim = strpbrk(p, "=:");
		if (!delim || *delim != '=') {
			char shown[80];
			printable(shown, sizeof(shown), p);
			layer_error(c, "expected KEY = VALUE, got '%s'", shown);
			return out;
		}
		if (!c->section_ok) {
			if (c->section_line == 0)
				layer_error(c, "key outside of a section");
			return out;
		}
	}
	snprintf(out, (size_t)size, "%s\n", p);
	return out;
}

/* Append an entry to LAYER. */
static int layer_add(struct layer_ctx *c, struct layer *layer, const struct schema_key *k,
		     const char *target, const char *value)
{
	struct raw_entry *nv = realloc(layer->v, (layer->n + 1) * sizeof(*nv));
	struct raw_entry *e;

	if (!nv)
		return -ENOMEM;
	layer->v = nv;
	e = &layer->v[layer->n];
	memset(e, 0, sizeof(*e));
	e->key = k;
	e->value = strdup(value);
	e->target = target ? strdup(target) : NULL;
	e->origin.file = c->file;
	e->origin.line = c->line;
	if (!e->value || (target && !e->target)) {
		free(e->value);
		free(e->target);
		return -ENOMEM;
	}
	layer->n++;
	return 0;
}

/* Validate VALUE for K by parsing it into a scratch struct. */
static bool value_valid(struct layer_ctx *c, const struct schema_key *k, const char *value)
{
	union {
		struct global_config g;
		struct service_config s;
	} scratch;
	struct error err;
	int r;

	memset(&scratch, 0, sizeof(scratch));
	r = schema_parse(k, value, &scratch, &err);
	schema_release_all(k->scope, &scratch);
	if (r < 0) {
		layer_error(c, "%s: %s", k->key, err.msg);
		return false;
	}
	return true;
}

/* Handle a [mount] line. */
static int handle_mount(struct layer_ctx *c, const char *target, const char *value)
{
	struct mount_spec m = { 0 };
	struct error err;
	int r;

	if (value_parse_mount(target, value, &m, &err) < 0) {
		layer_error(c, "[mount] %s", err.msg);
		return 1;
	}
	for (size_t i = 0; i < c->layer->n; i++) {
		const struct raw_entry *e = &c->layer->v[i];
		struct mount_spec other = { 0 };
		if (e->key || value_parse_mount(e->target, e->value, &other, &err) < 0)
			continue;
		r = strcmp(other.target, m.target);
		mount_spec_release(&other);
		if (r == 0) {
			layer_error(c, "[mount] %s is mounted twice (first at line %u)", m.target, e->origin.line);
			mount_spec_release(&m);
			return 1;
		}
	}
	mount_spec_release(&m);
	return layer_add(c, c->layer, NULL, target, value) < 0 ? 0 : 1;
}

/* inih's handler: one KEY = VALUE of the current section. */
static int layer_handler(void *arg, const char *section, const char *name, const char *value)
{
	struct layer_ctx *c = arg;
	enum schema_scope scope = kind_scope(c->kind);
	struct layer *dst = c->layer;
	const struct schema_key *k;
	char shown[80];

	if (!c->section_ok)
		return 1;
	if (scope == SCOPE_SERVICE && strcmp(section, "mount") == 0)
		return handle_mount(c, name, value);
	if (scope == SCOPE_GLOBAL && strcmp(section, "defaults") == 0) {
		const char *dot = strchr(name, '.');
		char sec[32];
		if (dot && (size_t)(dot - name) < sizeof(sec)) {
			memcpy(sec, name, (size_t)(dot - name));
			sec[dot - name] = '\0';
			k = schema_find(SCOPE_SERVICE, sec, dot + 1);
		} else {
			k = schema_find_service_key(name);
		}
		if (!k) {
			printable(shown, sizeof(shown), name);
			layer_error(c, "unknown service key '%s' in [defaults]", shown);
			return 1;
		}
		if (k->flags & KEY_NO_DEFAULTS) {
			layer_error(c, "%s cannot be set in [defaults]: it must differ between services", k->key);
			return 1;
		}
		dst = c->defaults;
	} else {
		k = schema_find(scope, section, name);
		if (!k) {
			printable(shown, sizeof(shown), name);
			layer_error(c, "unknown key '%s' in [%s]", shown, section);
			return 1;
		}
		if ((k->flags & KEY_CONFD_ONLY) && c->kind != FILE_SERVICE) {
			layer_error(c, "%s can only be set in conf.d/NAME.ini", k->key);
			return 1;
		}
	}
	for (size_t i = 0; i < dst->n; i++) {
		const struct raw_entry *e = &dst->v[i];
		if (!e->key)
			continue;
		if (e->key == k && !(k->flags & KEY_LIST)) {
			layer_error(c, "%s is set twice (first at line %u)", k->key, e->origin.line);
			return 1;
		}
		if (e->key != k && (k->flags & KEY_HEALTH_PROBE) && (e->key->flags & KEY_HEALTH_PROBE)) {
			layer_error(c, "[health] takes one of cmd, http, tcp; %s is already set at line %u",
				    e->key->key, e->origin.line);
			return 1;
		}
	}
	/* An invalid value is kept, marked, so that it is not reported again as missing. */
	bool valid = value_valid(c, k, value);
	if (layer_add(c, dst, k, NULL, value) < 0)
		return 0;
	dst->v[dst->n - 1].invalid = !valid;
	return 1;
}

/* Read one file into a layer; see layer.h. */
int layer_load(struct layer *layer, struct layer *defaults, const char *path, const char *file,
	       enum file_kind kind, struct diag_list *diags)
{
	struct layer_ctx c = { .file = file, .kind = kind, .layer = layer, .defaults = defaults, .diags = diags };
	cleanup_fclose FILE *fp = fopen(path, "re");
	int r;

	layer->file = file;
	if (!fp) {
		if (errno == ENOENT)
			return -ENOENT;
		diag_add(diags, file, 0, "unable to open: %s", strerror(errno));
		return -EINVAL;
	}
	layer->present = true;
	c.fp = fp;
	r = ini_parse_stream(layer_reader, &c, layer_handler, &c);
	free(c.buf);
	if (r < 0) {
		diag_add(diags, file, 0, "out of memory while reading");
		return -ENOMEM;
	}
	if (r > 0 && c.errors == 0)
		diag_add(diags, file, (unsigned)r, "malformed line");
	return (r > 0 || c.errors) ? -EINVAL : 0;
}

/* Free the entries of LAYER. */
void layer_release(struct layer *layer)
{
	for (size_t i = 0; i < layer->n; i++) {
		free(layer->v[i].value);
		free(layer->v[i].target);
	}
	free(layer->v);
	layer->v = NULL;
	layer->n = 0;
}

/* The last entry for K. */
const struct raw_entry *layer_last(const struct layer *layer, const struct schema_key *k)
{
	for (size_t i = layer->n; i-- > 0;)
		if (layer->v[i].key == k && !layer->v[i].invalid)
			return &layer->v[i];
	return NULL;
}

/* Whether LAYER has an entry for K, valid or not. */
bool layer_sets(const struct layer *layer, const struct schema_key *k)
{
	for (size_t i = 0; i < layer->n; i++)
		if (layer->v[i].key == k)
			return true;
	return false;
}
