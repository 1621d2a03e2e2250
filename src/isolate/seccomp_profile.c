/*
 * seccomp_profile.c - the parser of pistack-seccomp(5) profiles: a pure
 * function from bytes to a struct seccomp_profile, with "LINE: message"
 * errors.  It also rejects rule combinations libseccomp would silently
 * merge, so that what the file says is what the filter does.
 */
#include "isolate/security.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"

/* Larger files are refused: a profile lists at most a few hundred names. */
#define PROFILE_MAX_BYTES (1U << 20)
/* The longest word echoed back in an error message. */
#define ECHO_MAX 40

/* A cursor over the words of one line. */
struct line_words {
	const char *p, *end;
	unsigned line;
};

/* Copy the word [P, P+N) into BUF for an error message: printable ASCII only,
 * cut at ECHO_MAX characters. */
static const char *echo(char buf[ECHO_MAX + 4], const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < ECHO_MAX; i++)
		buf[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	if (n > ECHO_MAX)
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

/* The next word of W: its start in *WORD and its length, 0 at the end of the line. */
static size_t next_word(struct line_words *w, const char **word)
{
	size_t n = 0;

	while (w->p < w->end && (*w->p == ' ' || *w->p == '\t'))
		w->p++;
	*word = w->p;
	while (w->p < w->end && *w->p != ' ' && *w->p != '\t') {
		w->p++;
		n++;
	}
	return n;
}

/* Whether the word [P, P+N) is S. */
static bool word_is(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(p, s, n) == 0;
}

/* Parse an unsigned decimal or 0x-hexadecimal number, optionally negated
 * (two's complement, as a C caller passing -1 would produce). */
static int parse_number(const char *p, size_t n, uint64_t *out)
{
	bool neg = false;
	unsigned base = 10;
	uint64_t v = 0;

	if (n > 0 && *p == '-')
		neg = true, p++, n--;
	if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2, n -= 2;
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (p[i] >= '0' && p[i] <= '9')
			d = (unsigned)(p[i] - '0');
		else if (base == 16 && isxdigit((unsigned char)p[i]))
			d = (unsigned)(tolower((unsigned char)p[i]) - 'a' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return -ERANGE;
	*out = neg ? (uint64_t)0 - v : v;
	return 0;
}

/* The errno of a name like EPERM (any case) or a number 1..4095; 0 if neither. */
static int parse_errno(const char *p, size_t n)
{
	static const struct {
		const char *name;
		int errnum;
	} aliases[] = { { "ENOTSUP", ENOTSUP }, { "EWOULDBLOCK", EWOULDBLOCK }, { "EDEADLOCK", EDEADLOCK } };
	char name[32];
	uint64_t v;

	if (n > 0 && isdigit((unsigned char)*p))
		return parse_number(p, n, &v) == 0 && v >= 1 && v <= 4095 ? (int)v : 0;
	if (n >= sizeof(name))
		return 0;
	memcpy(name, p, n);
	name[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strcasecmp(name, aliases[i].name) == 0)
			return aliases[i].errnum;
	for (int e = 1; e < 4096; e++) {
		const char *s = strerrorname_np(e);

		if (s && strcasecmp(name, s) == 0)
			return e;
	}
	return 0;
}

/* Parse ACTION at the cursor of W (the keyword is [P, P+N)); fills OUT. */
static int parse_action(struct line_words *w, const char *p, size_t n, struct seccomp_action *out,
			struct error *err)
{
	char buf[ECHO_MAX + 4];
	const char *arg;
	size_t an;

	out->errnum = 0;
	if (word_is(p, n, "allow"))
		out->kind = SECCOMP_ACTION_ALLOW;
	else if (word_is(p, n, "kill"))
		out->kind = SECCOMP_ACTION_KILL;
	else if (word_is(p, n, "log"))
		out->kind = SECCOMP_ACTION_LOG;
	else if (word_is(p, n, "trap"))
		out->kind = SECCOMP_ACTION_TRAP;
	else if (word_is(p, n, "errno")) {
		out->kind = SECCOMP_ACTION_ERRNO;
		an = next_word(w, &arg);
		if (an == 0)
			return error_set(err, 0, "%u: 'errno' needs an error name or number, like EPERM",
					 w->line);
		out->errnum = parse_errno(arg, an);
		if (out->errnum == 0)
			return error_set(
				err, 0,
				"%u: unknown error '%s': expected a name like EPERM or a number 1..4095",
				w->line, echo(buf, arg, an));
	} else {
		return error_set(err, 0, "%u: unknown action '%s': expected allow, errno, kill, log or trap",
				 w->line, echo(buf, p, n));
	}
	return 0;
}

/* Whether [P, P+N) is a syscall name: [a-z_][a-z0-9_]*, shorter than SECCOMP_NAME_MAX. */
static bool is_syscall_name(const char *p, size_t n)
{
	if (n == 0 || n >= SECCOMP_NAME_MAX || !(islower((unsigned char)*p) || *p == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)p[i]) || isdigit((unsigned char)p[i]) || p[i] == '_'))
			return false;
	return true;
}

/* Parse one condition "ARG OP VALUE [MASK]" whose first word is [P, P+N). */
static int parse_cond(struct line_words *w, const char *p, size_t n, struct seccomp_cond *c,
		      struct error *err)
{
	static const struct {
		const char *text;
		enum seccomp_op op;
	} ops[] = {
		{ "==", SECCOMP_OP_EQ },        { "!=", SECCOMP_OP_NE }, { "<", SECCOMP_OP_LT },
		{ "<=", SECCOMP_OP_LE },        { ">", SECCOMP_OP_GT },  { ">=", SECCOMP_OP_GE },
		{ "&=", SECCOMP_OP_MASKED_EQ },
	};
	char buf[ECHO_MAX + 4];
	const char *word;
	size_t wn, i;

	if (n != 1 || *p < '0' || *p > '5')
		return error_set(err, 0, "%u: invalid argument index '%s': expected 0..5", w->line,
				 echo(buf, p, n));
	c->arg = (unsigned)(*p - '0');
	wn = next_word(w, &word);
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (word_is(word, wn, ops[i].text))
			break;
	if (i == ARRAY_SIZE(ops))
		return error_set(
			err, 0,
			"%u: invalid operator '%s' after argument %u: expected one of == != < <= > >= &=",
			w->line, echo(buf, word, wn), c->arg);
	c->op = ops[i].op;
	c->mask = UINT64_MAX;
	wn = next_word(w, &word);
	if (parse_number(word, wn, &c->value) < 0)
		return error_set(
			err, 0, "%u: invalid value '%s' for argument %u: expected a number like 40 or 0x5412",
			w->line, echo(buf, word, wn), c->arg);
	if (c->op != SECCOMP_OP_MASKED_EQ)
		return 0;
	wn = next_word(w, &word);
	if (parse_number(word, wn, &c->mask) < 0)
		return error_set(
			err, 0,
			"%u: invalid mask '%s' for argument %u: '&=' takes VALUE MASK, like 0x5412 0xffffffff",
			w->line, echo(buf, word, wn), c->arg);
	if (c->value & ~c->mask)
		return error_set(
			err, 0,
			"%u: value 0x%llx has bits outside mask 0x%llx: argument %u would never match",
			w->line, (unsigned long long)c->value, (unsigned long long)c->mask, c->arg);
	return 0;
}

/* Append a rule for NAME to PROF; -ENOMEM, or -E2BIG past the rule limit. */
static int profile_push(struct seccomp_profile *prof, size_t *cap, const char *name, size_t n,
			const struct seccomp_action *action, unsigned line)
{
	struct seccomp_rule *r;

	if (prof->n_rules == SECCOMP_PROFILE_MAX_RULES)
		return -E2BIG;
	if (prof->n_rules == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;

		r = realloc(prof->rules, ncap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		prof->rules = r;
		*cap = ncap;
	}
	r = &prof->rules[prof->n_rules++];
	memset(r, 0, sizeof(*r));
	memcpy(r->name, name, n);
	r->action = *action;
	r->line = line;
	return 0;
}

/* Parse a rule line "ACTION NAME... [COND...]" whose action word is [P, P+N). */
static int parse_rule_line(struct line_words *w, const char *p, size_t n, struct seccomp_profile *prof,
			   size_t *cap, struct error *err)
{
	struct seccomp_cond conds[SECCOMP_MAX_ARGS];
	struct seccomp_action action;
	char buf[ECHO_MAX + 4];
	size_t first = prof->n_rules, wn;
	unsigned n_conds = 0, used = 0;
	const char *word;
	int r;

	if ((r = parse_action(w, p, n, &action, err)) < 0)
		return r;
	while ((wn = next_word(w, &word)) > 0 && !isdigit((unsigned char)*word)) {
		if (!is_syscall_name(word, wn))
			return error_set(
				err, 0,
				"%u: invalid syscall name '%s': expected lower-case letters, digits and '_'",
				w->line, echo(buf, word, wn));
		r = profile_push(prof, cap, word, wn, &action, w->line);
		if (r == -E2BIG)
			return error_set(err, 0, "%u: too many rules: at most %u", w->line,
					 SECCOMP_PROFILE_MAX_RULES);
		if (r < 0)
			return error_set(err, -r, "%u: add rule '%s'", w->line, echo(buf, word, wn));
	}
	if (prof->n_rules == first)
		return error_set(err, 0, "%u: '%s' needs at least one syscall name", w->line,
				 echo(buf, p, n));
	for (; wn > 0; wn = next_word(w, &word)) {
		struct seccomp_cond *c = &conds[n_conds];

		if (n_conds == SECCOMP_MAX_ARGS)
			return error_set(err, 0, "%u: too many conditions: at most %u", w->line,
					 SECCOMP_MAX_ARGS);
		if ((r = parse_cond(w, word, wn, c, err)) < 0)
			return r;
		/* libseccomp takes a single comparison per argument and rule. */
		if (used & (1U << c->arg))
			return error_set(err, 0,
					 "%u: argument %u is compared twice: write one rule per comparison",
					 w->line, c->arg);
		used |= 1U << c->arg;
		n_conds++;
	}
	/* In argument order, so that equal condition sets compare equal. */
	for (unsigned i = 1; i < n_conds; i++)
		for (unsigned j = i; j > 0 && conds[j - 1].arg > conds[j].arg; j--) {
			struct seccomp_cond t = conds[j];

			conds[j] = conds[j - 1];
			conds[j - 1] = t;
		}
	for (size_t i = first; i < prof->n_rules; i++) {
		memcpy(prof->rules[i].conds, conds, n_conds * sizeof(*conds));
		prof->rules[i].n_conds = n_conds;
	}
	return 0;
}

/* Parse the line [P, END) numbered LINE into PROF. */
static int parse_line(const char *p, const char *end, unsigned line, struct seccomp_profile *prof,
		      size_t *cap, unsigned *default_line, unsigned *known_line, struct error *err)
{
	struct line_words w = { p, end, line };
	char buf[ECHO_MAX + 4];
	const char *word, *act;
	size_t n, an;
	int r;

	n = next_word(&w, &word);
	if (n == 0)
		return 0;
	if (!word_is(word, n, "default") && !word_is(word, n, "known"))
		return parse_rule_line(&w, word, n, prof, cap, err);

	unsigned *seen = word_is(word, n, "default") ? default_line : known_line;
	struct seccomp_action *a = seen == default_line ? &prof->default_action : &prof->known_action;

	if (*seen)
		return error_set(err, 0, "%u: second '%s' line (the first is line %u)", line,
				 seen == default_line ? "default" : "known", *seen);
	an = next_word(&w, &act);
	if (an == 0)
		return error_set(err, 0, "%u: '%s' needs an action: allow, errno NAME, kill, log or trap",
				 line, seen == default_line ? "default" : "known");
	if ((r = parse_action(&w, act, an, a, err)) < 0)
		return r;
	if ((n = next_word(&w, &word)) > 0)
		return error_set(err, 0, "%u: unexpected '%s' after the action", line, echo(buf, word, n));
	*seen = line;
	return 0;
}

/* Order rules by name, then by line (qsort over pointers). */
static int rule_cmp(const void *a, const void *b)
{
	const struct seccomp_rule *ra = *(const struct seccomp_rule *const *)a;
	const struct seccomp_rule *rb = *(const struct seccomp_rule *const *)b;
	int c = strcmp(ra->name, rb->name);

	if (c)
		return c;
	return ra < rb ? -1 : ra > rb;
}

/* Whether two rules have the same conditions (kept in argument order). */
static bool rule_same_conds(const struct seccomp_rule *a, const struct seccomp_rule *b)
{
	if (a->n_conds != b->n_conds)
		return false;
	for (unsigned i = 0; i < a->n_conds; i++)
		if (a->conds[i].arg != b->conds[i].arg || a->conds[i].op != b->conds[i].op ||
		    a->conds[i].value != b->conds[i].value || a->conds[i].mask != b->conds[i].mask)
			return false;
	return true;
}

/* Reject what libseccomp would merge silently or refuse: a syscall has
 * either one rule without conditions, or rules with conditions (an
 * unconditional rule wipes the conditional ones, whichever comes first), and
 * no two rules with the same conditions but different actions. */
static int check_conflicts(const struct seccomp_profile *prof, struct error *err)
{
	cleanup_free const struct seccomp_rule **v = NULL;

	if (prof->n_rules < 2)
		return 0;
	v = malloc(prof->n_rules * sizeof(*v));
	if (!v)
		return error_set(err, ENOMEM, "check seccomp rules");
	for (size_t i = 0; i < prof->n_rules; i++)
		v[i] = &prof->rules[i];
	qsort(v, prof->n_rules, sizeof(*v), rule_cmp);
	for (size_t i = 1; i < prof->n_rules; i++) {
		const struct seccomp_rule *a = v[i - 1], *b = v[i];

		bool same_action = a->action.kind == b->action.kind && a->action.errnum == b->action.errnum;

		if (strcmp(a->name, b->name) != 0 || (same_action && rule_same_conds(a, b)))
			continue;
		if (a->n_conds == 0 && b->n_conds == 0)
			return error_set(err, 0, "%u: '%s' already has a different rule on line %u", b->line,
					 b->name, a->line);
		if (rule_same_conds(a, b))
			return error_set(err, 0,
					 "%u: '%s' has the same conditions with another action on line %u",
					 b->line, b->name, a->line);
		if (a->n_conds == 0 || b->n_conds == 0)
			return error_set(
				err, 0,
				"%u: '%s' has a rule %s conditions on line %u: a syscall takes one rule without conditions or only rules with conditions",
				b->line, b->name, a->n_conds == 0 ? "without" : "with", a->line);
	}
	return 0;
}

/* Parse a pistack-seccomp(5) profile; see security.h. */
int seccomp_profile_parse(const char *text, size_t len, struct seccomp_profile *out, struct error *err)
{
	const char *p = text, *end = text + len;
	unsigned line = 0, default_line = 0, known_line = 0;
	size_t cap = 0;
	int r;

	memset(out, 0, sizeof(*out));
	out->default_action = (struct seccomp_action){ SECCOMP_ACTION_ERRNO, EPERM };
	if (len > PROFILE_MAX_BYTES)
		return error_set(err, 0, "profile of %zu bytes: at most %u", len, PROFILE_MAX_BYTES);
	if (memchr(text, '\0', len)) {
		line = 1;
		for (const char *q = text; *q; q++)
			line += *q == '\n';
		return error_set(err, 0, "%u: NUL byte: a profile is text", line);
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *stop = eol ? eol : end;
		const char *hash = memchr(p, '#', (size_t)(stop - p));

		line++;
		if (hash)
			stop = hash;
		while (stop > p && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t'))
			stop--;
		r = parse_line(p, stop, line, out, &cap, &default_line, &known_line, err);
		if (r < 0)
			goto fail;
		p = eol ? eol + 1 : end;
	}
	/* Without a "known" line, known syscalls fall to the default action. */
	if (!known_line)
		out->known_action = out->default_action;
	if ((r = check_conflicts(out, err)) < 0)
		goto fail;
	return 0;
fail:
	seccomp_profile_release(out);
	return r;
}

/* Free the rules of PROF. */
void seccomp_profile_release(struct seccomp_profile *prof)
{
	free(prof->rules);
	prof->rules = NULL;
	prof->n_rules = 0;
}
