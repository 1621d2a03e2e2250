/*
 * fuzz_values.c - libFuzzer target for every value parser of value.h: the
 * first byte picks the parser, the rest is the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err;
	char *s, *p = NULL, name[NAME_MAX_LEN + 1];
	uint64_t u;
	uint32_t u32;
	uint16_t port;
	int i;
	bool b;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 20) {
	case 0: value_parse_size(s, &u, &err); break;
	case 1: value_parse_duration(s, &u, &err); break;
	case 2: value_parse_bool(s, &b, &err); break;
	case 3: value_parse_cpus(s, &u32, &err); break;
	case 4: value_parse_port(s, &port, &err); break;
	case 5: value_parse_signal(s, &i, &err); break;
	case 6: value_parse_name(s, name, &err); break;
	case 7: value_parse_env(s, &err); break;
	case 8: if (value_parse_abspath(s, &p, &err) == 0) free(p); break;
	case 9: { struct subnet sn; value_parse_subnet(s, &sn, &err); } break;
	case 10: { struct portmap_list l = { 0 }; if (value_parse_portmaps(s, &l, &err) == 0) portmap_list_release(&l); } break;
	case 11: { struct host_list l = { 0 }; if (value_parse_hosts(s, &l, &err) == 0) host_list_release(&l); } break;
	case 12: { uint64_t bits; value_parse_caps(s, &bits, &err); } break;
	case 13: { struct user_spec us; value_parse_user(s, &us, &err); } break;
	case 14: { struct strv v = { 0 }; if (value_parse_exec(s, &v, &err) == 0) strv_release(&v); } break;
	case 15: { struct rootfs_spec r = { 0 }; if (value_parse_rootfs(s, &r, &err) == 0) rootfs_spec_release(&r); } break;
	case 16: {
		/* "TARGET\tVALUE" */
		char *tab = strchr(s, '\t');
		struct mount_spec m = { 0 };
		if (tab) {
			*tab = '\0';
			if (value_parse_mount(s, tab + 1, &m, &err) == 0)
				mount_spec_release(&m);
		}
		break;
	}
	case 17: { struct seccomp_spec sp = { 0 }; if (value_parse_seccomp(s, &sp, &err) == 0) seccomp_spec_release(&sp); } break;
	case 18: if (value_parse_http_path(s, &p, &err) == 0) free(p); break;
	default: value_parse_limit(s, &u, &err); break;
	}
	free(s);
	return 0;
}
