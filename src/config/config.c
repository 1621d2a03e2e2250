/*
 * config.c - load a configuration root: conf.d/pistack.ini, every bundle in
 * bundles/ (and [paths] bundles when a service needs one), every
 * conf.d/NAME.ini, then resolve and cross-check.  All or nothing: on any
 * problem nothing is returned but the list of FILE:LINE problems.
 */
#include "config/config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "config/layer.h"

struct bundle_ref {
	char name[NAME_MAX_LEN + 1];
	char *dir;
	struct layer layer;
};

struct load_ctx {
	struct config *cfg;
	struct diag_list *diags;
	struct layer global, defaults;
	struct bundle_ref *bundles;
	size_t n_bundles;
	int ret;
};

/* Add NAME to the pool of file names that origins point into. */
const char *config_pool_file(struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->files.n; i++)
		if (strcmp(cfg->files.v[i], name) == 0)
			return cfg->files.v[i];
	if (strv_push(&cfg->files, name) < 0)
		return NULL;
	return cfg->files.v[cfg->files.n - 1];
}

/* A path under the root as users see it: "conf.d/x.ini" for root ".". */
static char *display_path(const char *root, const char *rel)
{
	char *s = NULL;

	if (strcmp(root, ".") == 0)
		return strdup(rel);
	if (asprintf(&s, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel) < 0)
		return NULL;
	return s;
}

/* The sorted names of DIR's entries ending in SUFFIX (or directories when SUFFIX is NULL). */
static int list_dir(const char *dir, const char *suffix, struct strv *out)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);
	int ret = 0;

	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name), slen = suffix ? strlen(suffix) : 0;
		bool take;
		if (name[0] == '.') {
			free(ents[i]);
			continue;
		}
		if (suffix) {
			take = len > slen && strcmp(name + len - slen, suffix) == 0;
		} else {
			char *p = NULL;
			struct stat st;
			take = asprintf(&p, "%s/%s", dir, name) >= 0 && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
			free(p);
		}
		if (take && ret == 0 && strv_push(out, name) < 0)
			ret = -ENOMEM;
		free(ents[i]);
	}
	free(ents);
	return ret;
}

/* Load DIR/NAME/bundle.ini as a bundle; DISPLAY_DIR is how DIR is shown. */
static struct bundle_ref *load_bundle(struct load_ctx *c, const char *dir, const char *display_dir,
				      const char *name, bool report_missing)
{
	struct config *cfg = c->cfg;
	cleanup_free char *path = NULL, *shown = NULL, *bdir = NULL;
	struct bundle_ref *nv, *b;
	int r;

	if (asprintf(&bdir, "%s/%s", dir, name) < 0 || asprintf(&path, "%s/bundle.ini", bdir) < 0 ||
	    asprintf(&shown, "%s/%s/bundle.ini", display_dir, name) < 0)
		return NULL;
	nv = realloc(c->bundles, (c->n_bundles + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	c->bundles = nv;
	b = &c->bundles[c->n_bundles];
	memset(b, 0, sizeof(*b));
	r = layer_load(&b->layer, NULL, path, config_pool_file(cfg, shown), FILE_BUNDLE, c->diags);
	if (r == -ENOENT) {
		if (report_missing) {
			diag_add(c->diags, config_pool_file(cfg, shown), 0, "missing: a bundle directory needs a bundle.ini");
			c->ret = -EINVAL;
		}
		layer_release(&b->layer);
		return NULL;
	}
	if (r < 0)
		c->ret = -EINVAL;
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->dir = realpath(bdir, NULL);
	if (!b->dir)
		b->dir = TAKE_PTR(bdir);
	c->n_bundles++;
	return b;
}

/* Load every bundle of ROOT/bundles: all are checked, used or not. */
static void load_root_bundles(struct load_ctx *c)
{
	cleanup_free char *dir = NULL, *shown = NULL;
	struct strv names = { 0 };

	if (asprintf(&dir, "%s/bundles", c->cfg->root) < 0 || !(shown = display_path(c->cfg->root, "bundles")))
		return;
	if (list_dir(dir, NULL, &names) < 0) {
		diag_add(c->diags, shown, 0, "unable to read: %s", strerror(errno));
		c->ret = -EINVAL;
	}
	for (size_t i = 0; i < names.n; i++) {
		if (!value_is_name(names.v[i])) {
			diag_add(c->diags, shown, 0, "invalid bundle name '%.64s': expected a-z 0-9 - (at most 32)",
				 names.v[i]);
			c->ret = -EINVAL;
			continue;
		}
		load_bundle(c, dir, shown, names.v[i], true);
	}
	strv_release(&names);
}

/* Find bundle NAME: already loaded from ROOT/bundles, else in [paths] bundles. */
static struct bundle_ref *find_bundle(struct load_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->n_bundles; i++)
		if (strcmp(c->bundles[i].name, name) == 0)
			return &c->bundles[i];
	for (size_t i = 0; i < c->cfg->global.bundle_paths.n; i++) {
		const char *dir = c->cfg->global.bundle_paths.v[i];
		struct bundle_ref *b = load_bundle(c, dir, dir, name, false);
		if (b)
			return b;
	}
	return NULL;
}

/* Load and resolve the service of conf.d/FILENAME. */
static void load_service(struct load_ctx *c, const char *filename)
{
	struct config *cfg = c->cfg;
	char name[NAME_MAX_LEN + 1 + 8];
	cleanup_free char *rel = NULL, *path = NULL, *shown = NULL;
	struct layer own = { 0 };
	const struct layer *layers[3];
	const struct raw_entry *be;
	struct bundle_ref *b = NULL;
	struct service_config *svc, *nv;
	const char *file;
	size_t len = strlen(filename) - 4;

	if (asprintf(&rel, "conf.d/%s", filename) < 0 || asprintf(&path, "%s/%s", cfg->root, rel) < 0 ||
	    !(shown = display_path(cfg->root, rel)) || !(file = config_pool_file(cfg, shown))) {
		c->ret = -ENOMEM;
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(len < sizeof(name) - 1 ? len : sizeof(name) - 1), filename);
	if (len > NAME_MAX_LEN || !value_is_name(name)) {
		diag_add(c->diags, file, 1, "invalid service name '%.64s': expected a-z 0-9 - (at most 32, not ending in -)",
			 name);
		c->ret = -EINVAL;
		return;
	}
	/* "gateway" is the gateway's service (its status row, its log). */
	if (strcmp(name, "gateway") == 0) {
		diag_add(c->diags, file, 1, "the name '%s' is reserved for pistack's gateway", name);
		c->ret = -EINVAL;
		return;
	}
	if (layer_load(&own, NULL, path, file, FILE_SERVICE, c->diags) < 0)
		c->ret = -EINVAL;
	be = layer_last(&own, schema_find(SCOPE_SERVICE, "service", "bundle"));
	if (be && !value_is_name(be->value))
		be = NULL; /* already reported by layer_load */
	b = find_bundle(c, be ? be->value : name);
	if (!b && be) {
		diag_add(c->diags, file, be->origin.line, "bundle '%s' not found in %s/bundles%s%s", be->value,
			 cfg->root, cfg->global.bundle_paths.n ? " or [paths] bundles" : "", "");
		c->ret = -EINVAL;
	}
	nv = realloc(cfg->services, (cfg->n_services + 1) * sizeof(*nv));
	if (!nv) {
		layer_release(&own);
		c->ret = -ENOMEM;
		return;
	}
	cfg->services = nv;
	svc = &cfg->services[cfg->n_services++];
	memset(svc, 0, sizeof(*svc));
	if (b) {
		snprintf(svc->bundle, sizeof(svc->bundle), "%s", b->name);
		svc->bundle_dir = strdup(b->dir);
	}
	layers[0] = &c->defaults;
	layers[1] = b ? &b->layer : NULL;
	layers[2] = &own;
	if (resolve_service(svc, name, layers, 3, c->diags) < 0)
		c->ret = -EINVAL;
	layer_release(&own);
}

static int service_cmp(const void *a, const void *b)
{
	return strcmp(((const struct service_config *)a)->name, ((const struct service_config *)b)->name);
}

/* Read CFG->root's conf.d/pistack.ini into GLOBAL (and its [defaults] into
 * DEFAULTS) and resolve the global settings: 0, -EINVAL after problems
 * (reported in DIAGS), -ENOMEM. */
static int load_global(struct config *cfg, struct layer *global, struct layer *defaults, struct diag_list *diags)
{
	cleanup_free char *gpath = NULL, *gshown = NULL;
	const char *gfile;
	int r = 0;

	if (asprintf(&gpath, "%s/conf.d/pistack.ini", cfg->root) < 0 ||
	    !(gshown = display_path(cfg->root, "conf.d/pistack.ini")) || !(gfile = config_pool_file(cfg, gshown)))
		return -ENOMEM;
	global->file = defaults->file = gfile;
	if (layer_load(global, defaults, gpath, gfile, FILE_GLOBAL, diags) == -EINVAL)
		r = -EINVAL;
	if (resolve_global(&cfg->global, global, diags) < 0)
		r = -EINVAL;
	return r;
}

/* Load everything under ROOT; see config.h. */
int config_load(struct config *cfg, const char *root, struct diag_list *diags)
{
	struct load_ctx c = { .cfg = cfg, .diags = diags };
	cleanup_free char *confd = NULL;
	struct strv names = { 0 };
	size_t before = diags->n;
	struct stat st;

	memset(cfg, 0, sizeof(*cfg));
	cfg->root = strdup(root);
	if (!cfg->root)
		return -ENOMEM;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		const char *why = stat(root, &st) < 0 ? strerror(errno) : "not a directory";
		diag_add(diags, root, 0, "not a configuration root: %s", why);
		config_release(cfg);
		return -EINVAL;
	}
	if (asprintf(&confd, "%s/conf.d", root) < 0 ||
	    (c.ret = load_global(cfg, &c.global, &c.defaults, diags)) == -ENOMEM) {
		layer_release(&c.global);
		layer_release(&c.defaults);
		config_release(cfg);
		return -ENOMEM;
	}
	load_root_bundles(&c);
	if (list_dir(confd, ".ini", &names) < 0) {
		diag_add(diags, confd, 0, "unable to read: %s", strerror(errno));
		c.ret = -EINVAL;
	}
	for (size_t i = 0; i < names.n; i++)
		if (strcmp(names.v[i], "pistack.ini") != 0)
			load_service(&c, names.v[i]);
	strv_release(&names);
	if (cfg->n_services)
		qsort(cfg->services, cfg->n_services, sizeof(*cfg->services), service_cmp);
	if (resolve_cross_checks(cfg, &c.global, diags) < 0)
		c.ret = -EINVAL;
	for (size_t i = 0; i < c.n_bundles; i++) {
		layer_release(&c.bundles[i].layer);
		free(c.bundles[i].dir);
	}
	free(c.bundles);
	layer_release(&c.global);
	layer_release(&c.defaults);
	if (c.ret == 0 && diags->n > before)
		c.ret = -EINVAL;
	if (c.ret < 0)
		config_release(cfg);
	return c.ret;
}

/* See config.h. */
int config_load_global(struct config *cfg, const char *root, struct diag_list *diags)
{
	struct layer global = { 0 }, defaults = { 0 };
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if (!(cfg->root = strdup(root)))
		return -ENOMEM;
	r = load_global(cfg, &global, &defaults, diags);
	layer_release(&global);
	layer_release(&defaults);
	if (r < 0)
		config_release(cfg);
	return r;
}

/* Free one service's settings. */
static void service_release(struct service_config *svc)
{
	schema_release_all(SCOPE_SERVICE, svc);
	for (size_t i = 0; i < svc->n_mounts; i++)
		mount_spec_release(&svc->mounts[i]);
	free(svc->mounts);
	free(svc->bundle_dir);
	free(svc->origins);
}

/* Free everything config_load() filled. */
void config_release(struct config *cfg)
{
	schema_release_all(SCOPE_GLOBAL, &cfg->global);
	for (size_t i = 0; i < cfg->n_services; i++)
		service_release(&cfg->services[i]);
	free(cfg->services);
	strv_release(&cfg->files);
	free(cfg->root);
	memset(cfg, 0, sizeof(*cfg));
}

/* Find a service by name. */
const struct service_config *config_find_service(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_services; i++)
		if (strcmp(cfg->services[i].name, name) == 0)
			return &cfg->services[i];
	return NULL;
}

/* caps + caps_add - caps_drop. */
uint64_t service_effective_caps(const struct service_config *svc)
{
	return (svc->caps.bits | svc->caps_add) & ~svc->caps_drop;
}

/* Whether SECTION.KEY came from a file. */
bool service_key_configured(const struct service_config *svc, const char *section, const char *key)
{
	const struct schema_key *k = schema_find(SCOPE_SERVICE, section, key);

	return k && svc->origins && svc->origins[schema_index(k)].file != NULL;
}
