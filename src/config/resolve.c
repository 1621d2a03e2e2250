/*
 * resolve.c - merge layers into the settings of the globals and of each
 * service (built-in defaults < [defaults] < bundle.ini < conf.d/NAME.ini),
 * then check what only shows across services: hosts, ports, unknown_host.
 */
#include "config/layer.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fold "SECTION.KEY=TEXT\n" into an FNV-1a digest. */
static uint64_t fingerprint_add(uint64_t h, const char *section, const char *key, const char *text)
{
	const char *parts[] = { section, ".", key, "=", text, "\n" };

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
			h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

/* Parse TEXT (from ORIGIN, or the default when ORIGIN->file is NULL) into BASE. */
static int resolve_one(const struct schema_key *k, const char *text, const struct origin *origin,
		       void *base, struct diag_list *diags, const char *fallback_file)
{
	struct error err;

	if (schema_parse(k, text, base, &err) == 0)
		return 0;
	diag_add(diags, origin->file ? origin->file : fallback_file, origin->line, "%s: %s", k->key, err.msg);
	return -EINVAL;
}

/* Expand "VOLUMES/..." in *P with the volumes directory. */
static int expand_volumes(char **p, const char *volumes)
{
	char *s;

	if (!*p || strncmp(*p, "VOLUMES/", 8) != 0)
		return 0;
	if (asprintf(&s, "%s/%s", volumes, *p + 8) < 0)
		return -ENOMEM;
	free(*p);
	*p = s;
	return 0;
}

/* Build the global settings; see layer.h. */
int resolve_global(struct global_config *g, const struct layer *global, struct diag_list *diags)
{
	int ret = 0;

	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < schema_n_keys; i++) {
		const struct schema_key *k = &schema_keys[i];
		const struct raw_entry *e;
		struct origin def = { NULL, 0 };
		if (k->scope != SCOPE_GLOBAL)
			continue;
		e = layer_last(global, k);
		if (e) {
			if (resolve_one(k, e->value, &e->origin, g, diags, global->file) < 0)
				ret = -EINVAL;
		} else if (k->def) {
			if (resolve_one(k, k->def, &def, g, diags, global->file) < 0)
				ret = -EINVAL;
		}
	}
	if (expand_volumes(&g->certs, g->volumes) < 0 || expand_volumes(&g->acme_webroot, g->volumes) < 0 ||
	    expand_volumes(&g->access_log, g->volumes) < 0)
		return -ENOMEM;
	return ret;
}

/* The index of the highest layer with an entry for K, or -1. */
static int highest_layer_with(const struct layer *const *layers, size_t n, const struct schema_key *k)
{
	for (size_t i = n; i-- > 0;)
		if (layers[i] && layer_last(layers[i], k))
			return (int)i;
	return -1;
}

/* The index of the highest layer that sets any [health] probe, or -1. */
static int highest_layer_with_probe(const struct layer *const *layers, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		if (!layers[i])
			continue;
		for (size_t j = 0; j < layers[i]->n; j++)
			if (layers[i]->v[j].key && !layers[i]->v[j].invalid &&
			    (layers[i]->v[j].key->flags & KEY_HEALTH_PROBE))
				return (int)i;
	}
	return -1;
}

/* Order mounts so that a parent directory is mounted before what is inside it. */
static int mount_cmp(const void *a, const void *b)
{
	const struct mount_spec *x = a, *y = b;

	return strcmp(x->target, y->target);
}

/* A bundle: source must exist inside the service's bundle directory, also
 * after symlinks are followed: a bundle must not expose host files. */
static int check_bundle_source(const struct service_config *svc, const struct mount_spec *m,
			       const struct origin *o, struct diag_list *diags)
{
	char *path = NULL, *real = NULL, *base = NULL;
	int ret = 0;

	if (!svc->bundle_dir) {
		diag_add(diags, o->file, o->line, "[mount] %s: bundle:%s needs a bundle, and service '%s' has none",
			 m->target, m->source, svc->name);
		return -EINVAL;
	}
	if (asprintf(&path, "%s/%s", svc->bundle_dir, m->source) < 0)
		return -ENOMEM;
	real = realpath(path, NULL);
	base = realpath(svc->bundle_dir, NULL);
	if (!real) {
		diag_add(diags, o->file, o->line, "[mount] %s: bundle file '%s' not found in %s", m->target,
			 m->source, svc->bundle_dir);
		ret = -EINVAL;
	} else if (!base || strncmp(real, base, strlen(base)) != 0 || real[strlen(base)] != '/') {
		diag_add(diags, o->file, o->line, "[mount] %s: bundle:%s escapes the bundle directory (to %s)",
			 m->target, m->source, real);
		ret = -EINVAL;
	}
	free(path);
	free(real);
	free(base);
	return ret;
}

/* Merge the [mount] lines of every layer: a later layer replaces the same target. */
static int resolve_mounts(struct service_config *svc, const struct layer *const *layers, size_t n,
			  struct diag_list *diags)
{
	int ret = 0;

	for (size_t li = 0; li < n; li++) {
		if (!layers[li])
			continue;
		for (size_t j = 0; j < layers[li]->n; j++) {
			const struct raw_entry *e = &layers[li]->v[j];
			struct mount_spec m = { 0 };
			struct error err;
			size_t slot;
			if (e->key)
				continue;
			if (value_parse_mount(e->target, e->value, &m, &err) < 0) {
				diag_add(diags, e->origin.file, e->origin.line, "[mount] %s", err.msg);
				ret = -EINVAL;
				continue;
			}
			svc->fingerprint = fingerprint_add(svc->fingerprint, "mount", e->target, e->value);
			if (m.kind == MOUNT_BUNDLE && check_bundle_source(svc, &m, &e->origin, diags) < 0)
				ret = -EINVAL;
			for (slot = 0; slot < svc->n_mounts; slot++)
				if (strcmp(svc->mounts[slot].target, m.target) == 0)
					break;
			if (slot < svc->n_mounts) {
				mount_spec_release(&svc->mounts[slot]);
			} else {
				struct mount_spec *nv = realloc(svc->mounts, (svc->n_mounts + 1) * sizeof(*nv));
				if (!nv) {
					mount_spec_release(&m);
					return -ENOMEM;
				}
				svc->mounts = nv;
				svc->n_mounts++;
			}
			svc->mounts[slot] = m;
		}
	}
	if (svc->n_mounts)
		qsort(svc->mounts, svc->n_mounts, sizeof(*svc->mounts), mount_cmp);
	return ret;
}

/* Merge LAYERS into SVC; see layer.h.  The last layer is conf.d/NAME.ini. */
int resolve_service(struct service_config *svc, const char *name, const struct layer *const *layers,
		    size_t n_layers, struct diag_list *diags)
{
	const struct layer *own = layers[n_layers - 1];
	int probe_layer = highest_layer_with_probe(layers, n_layers);
	int ret = 0;

	snprintf(svc->name, sizeof(svc->name), "%s", name);
	svc->fingerprint = fingerprint_add(0xcbf29ce484222325ULL, "service", "bundle", svc->bundle);
	svc->origins = calloc(schema_n_keys, sizeof(*svc->origins));
	if (!svc->origins)
		return -ENOMEM;
	svc->file.file = own->file;
	svc->file.line = 1;
	for (size_t i = 0; i < schema_n_keys; i++) {
		const struct schema_key *k = &schema_keys[i];
		struct origin def = { NULL, 0 };
		int top;
		if (k->scope != SCOPE_SERVICE)
			continue;
		if (k->flags & KEY_HEALTH_PROBE) {
			/* The highest layer that sets a probe decides which probe. */
			top = probe_layer >= 0 && layer_last(layers[probe_layer], k) ? probe_layer : -1;
		} else {
			top = highest_layer_with(layers, n_layers, k);
		}
		if (top < 0) {
			if (k->def && resolve_one(k, k->def, &def, svc, diags, own->file) < 0)
				ret = -EINVAL;
			if (k->def)
				svc->fingerprint = fingerprint_add(svc->fingerprint, k->section, k->key, k->def);
			continue;
		}
		if (k->flags & KEY_LIST) {
			/* env merges across layers by KEY; other lists are replaced by the
			 * highest layer that sets them and accumulate within that file. */
			size_t from = strcmp(k->key, "env") == 0 ? 0 : (size_t)top;
			bool first = true;
			for (size_t li = from; li <= (size_t)top; li++) {
				if (!layers[li])
					continue;
				for (size_t j = 0; j < layers[li]->n; j++) {
					const struct raw_entry *e = &layers[li]->v[j];
					if (e->key != k || e->invalid)
						continue;
					if (first)
						svc->origins[i] = e->origin, first = false;
					svc->fingerprint = fingerprint_add(svc->fingerprint, k->section, k->key, e->value);
					if (resolve_one(k, e->value, &e->origin, svc, diags, own->file) < 0)
						ret = -EINVAL;
				}
			}
			continue;
		}
		{
			const struct raw_entry *e = layer_last(layers[top], k);
			svc->origins[i] = e->origin;
			svc->fingerprint = fingerprint_add(svc->fingerprint, k->section, k->key, e->value);
			if (resolve_one(k, e->value, &e->origin, svc, diags, own->file) < 0)
				ret = -EINVAL;
		}
	}
	if (resolve_mounts(svc, layers, n_layers, diags) < 0)
		ret = -EINVAL;
	if (svc->hostname[0] == '\0')
		snprintf(svc->hostname, sizeof(svc->hostname), "%s", name);
	if (!svc->http_path && !(svc->http_path = strdup("/")))
		return -ENOMEM;
	for (size_t i = 0; i < schema_n_keys; i++) {
		const struct schema_key *k = &schema_keys[i];
		bool set_invalid = false;
		for (size_t li = 0; li < n_layers; li++)
			set_invalid |= layers[li] && layer_sets(layers[li], k);
		if (k->scope == SCOPE_SERVICE && (k->flags & KEY_REQUIRED) && !svc->origins[i].file && !set_invalid) {
			diag_add(diags, own->file, 1, "missing required key '%s' in [%s]%s%s%s", k->key, k->section,
				 svc->bundle[0] ? " (not set by bundle '" : "", svc->bundle,
				 svc->bundle[0] ? "' either)" : "");
			ret = -EINVAL;
		}
	}
	return ret;
}

/* The origin of SECTION.KEY in SVC (FILE:1 of the service when defaulted). */
static struct origin key_origin(const struct service_config *svc, const char *section, const char *key)
{
	const struct schema_key *k = schema_find(SCOPE_SERVICE, section, key);
	struct origin o = k ? svc->origins[schema_index(k)] : svc->file;

	return o.file ? o : svc->file;
}

/* Whether two published addresses overlap (0.0.0.0 overlaps everything). */
static bool addr_overlap(struct in_addr a, struct in_addr b)
{
	return a.s_addr == INADDR_ANY || b.s_addr == INADDR_ANY || a.s_addr == b.s_addr;
}

/* Per-service rules that need the service's own settings together. */
static int check_service(const struct config *cfg, const struct service_config *s, struct diag_list *diags)
{
	struct origin o;
	int ret = 0;

	if (s->hosts.n && s->net_mode == NET_NONE) {
		o = key_origin(s, "http", "hosts");
		diag_add(diags, o.file, o.line, "[http] hosts need [network] mode intercontainer or host, not none");
		ret = -EINVAL;
	}
	if (s->ports.n && s->net_mode != NET_INTERCONTAINER) {
		o = key_origin(s, "network", "ports");
		diag_add(diags, o.file, o.line, "[network] ports need mode intercontainer (mode %s has no published ports)",
			 value_net_mode_name(s->net_mode));
		ret = -EINVAL;
	}
	for (size_t p = 0; p < s->ports.n; p++) {
		const struct portmap *pm = &s->ports.v[p];
		bool gateway_runs = false;
		for (size_t i = 0; i < cfg->n_services; i++)
			gateway_runs |= cfg->services[i].hosts.n > 0;
		if (gateway_runs && pm->proto == IPPROTO_TCP &&
		    (pm->host_port == cfg->global.http_port || pm->host_port == cfg->global.https_port)) {
			o = key_origin(s, "network", "ports");
			diag_add(diags, o.file, o.line, "port %u/tcp is the gateway's; route HTTP with [http] hosts instead",
				 pm->host_port);
			ret = -EINVAL;
		}
	}
	return ret;
}

/* Checks across services; see layer.h. */
int resolve_cross_checks(const struct config *cfg, const struct layer *global, struct diag_list *diags)
{
	const struct global_config *g = &cfg->global;
	int ret = 0;

	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct service_config *s = &cfg->services[i];
		if (check_service(cfg, s, diags) < 0)
			ret = -EINVAL;
		for (size_t j = 0; j < i; j++) {
			const struct service_config *t = &cfg->services[j];
			for (size_t a = 0; a < s->hosts.n; a++)
				for (size_t b = 0; b < t->hosts.n; b++) {
					const struct host_pattern *x = &s->hosts.v[a], *y = &t->hosts.v[b];
					struct origin o, p;
					if (x->wildcard != y->wildcard || strcmp(x->name, y->name) != 0 ||
					    strcmp(s->http_path, t->http_path) != 0)
						continue;
					o = key_origin(s, "http", "hosts");
					p = key_origin(t, "http", "hosts");
					diag_add(diags, o.file, o.line,
						 "host '%s%s' (path %s) is already routed to service '%s' (%s:%u)",
						 x->wildcard ? "*." : "", x->name, s->http_path, t->name, p.file, p.line);
					ret = -EINVAL;
				}
			for (size_t a = 0; a < s->ports.n; a++)
				for (size_t b = 0; b < t->ports.n; b++) {
					const struct portmap *x = &s->ports.v[a], *y = &t->ports.v[b];
					struct origin o, p;
					if (x->host_port != y->host_port || x->proto != y->proto ||
					    !addr_overlap(x->host_addr, y->host_addr))
						continue;
					o = key_origin(s, "network", "ports");
					p = key_origin(t, "network", "ports");
					diag_add(diags, o.file, o.line, "host port %u/%s is already published by service '%s' (%s:%u)",
						 x->host_port, x->proto == IPPROTO_UDP ? "udp" : "tcp", t->name, p.file, p.line);
					ret = -EINVAL;
				}
		}
	}
	if (g->unknown_host_service[0] && !config_find_service(cfg, g->unknown_host_service)) {
		const struct raw_entry *e = layer_last(global, schema_find(SCOPE_GLOBAL, "gateway", "unknown_host"));
		diag_add(diags, global->file, e ? e->origin.line : 0, "unknown_host: no service named '%s'",
			 g->unknown_host_service);
		ret = -EINVAL;
	}
	if (g->http_port == g->https_port) {
		const struct raw_entry *e = layer_last(global, schema_find(SCOPE_GLOBAL, "gateway", "https_port"));
		if (!e)
			e = layer_last(global, schema_find(SCOPE_GLOBAL, "gateway", "http_port"));
		diag_add(diags, global->file, e ? e->origin.line : 0, "http_port and https_port are both %u",
			 g->http_port);
		ret = -EINVAL;
	}
	return ret;
}
