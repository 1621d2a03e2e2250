/*
 * layer.h - raw configuration entries read from one file, before merging:
 * the loader (load_file.c) fills layers, resolution (resolve.c) merges them.
 */
#ifndef PISTACK_CONFIG_LAYER_H
#define PISTACK_CONFIG_LAYER_H

#include "config/config.h"
#include "config/schema.h"

struct raw_entry {
	const struct schema_key *key;  /* NULL for a [mount] line */
	char *target;                  /* [mount]: the target (the INI key) */
	char *value;
	struct origin origin;
	bool invalid;                  /* reported already; only counts as "set" */
};

struct layer {
	struct raw_entry *v;
	size_t n;
	const char *file;              /* display name, in the config's pool */
	bool present;                  /* the file exists */
};

enum file_kind { FILE_GLOBAL, FILE_BUNDLE, FILE_SERVICE };

/* Read PATH (shown as FILE) into LAYER, validating every line and value;
 * for FILE_GLOBAL, [defaults] lines go to DEFAULTS.  Problems go to DIAGS.
 * Returns 0, -ENOENT when the file does not exist, or -EINVAL after errors. */
int layer_load(struct layer *layer, struct layer *defaults, const char *path, const char *file,
	       enum file_kind kind, struct diag_list *diags);
void layer_release(struct layer *layer);

/* The last valid entry for K in LAYER, or NULL. */
const struct raw_entry *layer_last(const struct layer *layer, const struct schema_key *k);
/* Whether LAYER sets K at all, validly or not. */
bool layer_sets(const struct layer *layer, const struct schema_key *k);

/* Add NAME to the config's pool of file names and return the pooled copy. */
const char *config_pool_file(struct config *cfg, const char *name);

/* Build the global settings from the layer of conf.d/pistack.ini. */
int resolve_global(struct global_config *g, const struct layer *global, struct diag_list *diags);
/* Merge LAYERS (lowest first) into SVC; NAME is the service. */
int resolve_service(struct service_config *svc, const char *name, const struct layer *const *layers,
		    size_t n_layers, struct diag_list *diags);
/* Checks across services: hosts, ports, unknown_host. */
int resolve_cross_checks(const struct config *cfg, const struct layer *global, struct diag_list *diags);

#endif
