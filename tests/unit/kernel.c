/*
 * kernel.c - what the kernel under the unit tests offers, for SKIP_UNLESS: cases of code
 * that needs openat2 or seccomp filters skip where it is missing (an old kernel, or qemu-user
 * running a cross build's tests, which emulates neither).
 */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* Whether openat2(2) exists (Linux 5.6). */
bool test_have_openat2(void)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd >= 0)
		close((int)fd);
	return fd >= 0 || errno != ENOSYS;
}

/* Whether the kernel takes the filters pistack builds: libseccomp's API level 3 means
 * seccomp(2) with SECCOMP_RET_KILL_PROCESS (Linux 4.14), which they use for unknown ABIs. */
bool test_have_seccomp(void)
{
	return seccomp_api_get() >= 3;
}

/* Whether netfilter's netlink family is there (qemu-user does not emulate it). */
bool test_have_nfnetlink(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* Whether a socket tells its network namespace's cookie (Linux 5.14; not
 * under qemu-user): the loopback redirection of published ports needs it. */
bool test_have_netns_cookie(void)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

	if (fd >= 0) {
		r = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
		close(fd);
	}
	return r == 0;
}
