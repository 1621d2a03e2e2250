/*
 * fuzz_seccomp_profile.c - libFuzzer target for seccomp_profile_parse(): the
 * input is the profile, in a buffer of exactly its size (no NUL) so that any
 * read past the end trips ASan.  Checks what a parsed profile promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isolate/security.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seccomp_profile prof;
	struct error err;
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	if (seccomp_profile_parse(text, size, &prof, &err) == 0) {
		if (prof.n_rules > SECCOMP_PROFILE_MAX_RULES)
			abort();
		for (size_t i = 0; i < prof.n_rules; i++) {
			const struct seccomp_rule *r = &prof.rules[i];

			if (r->line == 0 || r->name[0] == '\0' ||
			    strnlen(r->name, SECCOMP_NAME_MAX) == SECCOMP_NAME_MAX ||
			    r->n_conds > SECCOMP_MAX_ARGS)
				abort();
			if (r->action.kind == SECCOMP_ACTION_ERRNO &&
			    (r->action.errnum < 1 || r->action.errnum > 4095))
				abort();
			for (unsigned c = 0; c < r->n_conds; c++)
				if (r->conds[c].arg >= SECCOMP_MAX_ARGS ||
				    (c > 0 && r->conds[c - 1].arg >= r->conds[c].arg))
					abort();
		}
		seccomp_profile_release(&prof);
	} else if (prof.rules != NULL || err.msg[0] == '\0') {
		abort(); /* failures release everything and say why */
	}
	free(text);
	return 0;
}
