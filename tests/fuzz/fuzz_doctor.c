/*
 * fuzz_doctor.c - libFuzzer target for the parsers of `pistack doctor`
 * (kernel and systemd versions, module lists, /proc/net/tcp listeners, the
 * Seccomp field) and for the $NOTIFY_SOCKET address parser: the input,
 * NUL-terminated in a buffer of exactly that size, so that any read past the
 * end trips ASan.  Checks what each parse promises.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/doctor.h"
#include "daemon/notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	unsigned long inodes[4];
	unsigned a, b;
	struct sockaddr_un addr;
	socklen_t len;
	int n, mode;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (doctor_parse_kernel_version(text, &a, &b) == 0 && !strchr(text, '.'))
		abort();
	if (doctor_parse_systemd_version(text, &a) == 0 && strncmp(text, "systemd ", 8) != 0)
		abort();
	/* A module is listed only as one of its files. */
	if (doctor_module_listed(text, "bridge") && !strstr(text, "bridge.ko"))
		abort();
	n = doctor_parse_listeners(text, 80, inodes, 4);
	if (n < 0 || n > 4)
		abort();
	for (int i = 0; i < n; i++)
		if (inodes[i] == 0)
			abort();
	mode = doctor_parse_seccomp_mode(text);
	if (mode > 2 || (mode >= 0 && !strstr(text, "Seccomp:")))
		abort();
	if (notify_parse_address(text, &addr, &len) == 0 &&
	    (len > sizeof(addr) || (text[0] != '/' && text[0] != '@')))
		abort();
	free(text);
	return 0;
}
