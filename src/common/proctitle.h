/*
 * proctitle.h - name processes in ps(1) as nginx does ("pistack: daemon",
 * "pistack: init web") by rewriting the argv area in place.
 */
#ifndef PISTACK_COMMON_PROCTITLE_H
#define PISTACK_COMMON_PROCTITLE_H

/* Remember the argv area; call once at the start of main(). */
void proctitle_init(int argc, char **argv);
/* Replace the command line shown by ps and the comm name (first 15 bytes). */
void proctitle_set(const char *title);

#endif
