/*
 * schema.h - the one table of every configuration key: section, name, type,
 * default and a one-line doc.  The loader, `pistack check`, the man page
 * pistack.ini.5, `pistack help config` and conf.d/pistack.ini derive from it.
 */
#ifndef PISTACK_CONFIG_SCHEMA_H
#define PISTACK_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

struct schema_key;

struct schema_type {
	const char *name;  /* "size", "duration", ... as shown in the man page */
	const char *form;  /* how values look, for docs */
	/* Parse TEXT into FIELD (zeroed, or holding a previous value of this key when
	 * the key is a list that accumulates).  Returns 0 or -EINVAL with ERR filled. */
	int (*parse)(const struct schema_key *key, const char *text, void *field, struct error *err);
	/* Free what parse allocated in FIELD; NULL when nothing is allocated. */
	void (*release)(void *field);
};

enum schema_scope { SCOPE_GLOBAL, SCOPE_SERVICE };

enum schema_flags {
	KEY_REQUIRED = 1 << 0,    /* a service must end up with a value */
	KEY_LIST = 1 << 1,        /* may repeat in one file; values accumulate */
	KEY_CONFD_ONLY = 1 << 2,  /* only in conf.d/NAME.ini, not in bundle.ini */
	KEY_NO_DEFAULTS = 1 << 3, /* not allowed in [defaults] (would clash across services) */
	KEY_HEALTH_PROBE = 1 << 4,/* one of [health] cmd/http/tcp: setting one replaces the others */
};

struct schema_key {
	enum schema_scope scope;
	const char *section;
	const char *key;
	const struct schema_type *type;
	size_t offset;       /* into struct global_config or struct service_config */
	const char *def;     /* default as file text; NULL = none */
	const char *doc;
	unsigned flags;
	uint64_t min, max;   /* for integer types */
};

extern const struct schema_key schema_keys[];
extern const size_t schema_n_keys;

/* The row for SECTION.KEY in SCOPE, or NULL. */
const struct schema_key *schema_find(enum schema_scope scope, const char *section, const char *key);
/* Whether SECTION is a section of SCOPE ([mount] is a service section without fixed keys). */
bool schema_has_section(enum schema_scope scope, const char *section);
/* The row of a service key named KEY alone (used by [defaults]); NULL if none or ambiguous. */
const struct schema_key *schema_find_service_key(const char *key);
/* Row index, for origins arrays. */
size_t schema_index(const struct schema_key *k);

/* Parse TEXT for K into the struct at BASE. */
int schema_parse(const struct schema_key *k, const char *text, void *base, struct error *err);
/* Release every field of the struct at BASE that belongs to SCOPE. */
void schema_release_all(enum schema_scope scope, void *base);

/* Documentation renderers. */
void schema_print_man(FILE *out);   /* roff tables for pistack.ini.5 */
void schema_print_ini(FILE *out);   /* conf.d/pistack.ini with every global default */
void schema_print_help(FILE *out);  /* `pistack help config` */

#endif
