/*
 * doctor.h - the pure parsers behind `pistack doctor` (cli/cmd_doctor.c):
 * each reads the text of one kernel or tool output, unit-tested and fuzzed.
 */
#ifndef PISTACK_CLI_DOCTOR_H
#define PISTACK_CLI_DOCTOR_H

#include <stdbool.h>

/* MAJOR.MINOR of a kernel release string ("6.1.0-18-arm64").  -EINVAL when it
 * does not start with two numbers. */
int doctor_parse_kernel_version(const char *release, unsigned *major, unsigned *minor);

/* The version of `systemctl --version` output ("systemd 252 (252.22-1)\n...").
 * -EINVAL when the first line is not "systemd NUMBER". */
int doctor_parse_systemd_version(const char *text, unsigned *version);

/* Whether module NAME (dashes and underscores alike) is listed in the text of
 * modules.dep ("kernel/net/bridge/bridge.ko.xz: deps...") or modules.builtin
 * ("kernel/net/bridge/bridge.ko"), compressed or not. */
bool doctor_module_listed(const char *text, const char *name);

/* The socket inodes of TCP sockets listening on PORT in a /proc/net/tcp or
 * /proc/net/tcp6 TEXT, at most MAX into INODES.  Returns how many were found
 * (malformed lines are skipped). */
int doctor_parse_listeners(const char *text, unsigned port, unsigned long *inodes, int max);

/* The "Seccomp:" mode of a /proc/PID/status TEXT (0, 1 or 2); -ENOENT when the
 * line is missing (a kernel without CONFIG_SECCOMP), -EINVAL when malformed. */
int doctor_parse_seccomp_mode(const char *text);

#endif
