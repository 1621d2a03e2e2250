/*
 * test_doctor.c - the parsers behind `pistack doctor` on real and hostile
 * samples of uname, systemctl --version, modules.dep, /proc/net/tcp(6) and
 * /proc/self/status.
 */
#include <errno.h>
#include <string.h>

#include "cli/doctor.h"
#include "test.h"

TEST(doctor_kernel_version)
{
	unsigned major = 0, minor = 0;

	CHECK_INT(doctor_parse_kernel_version("6.1.0-18-arm64", &major, &minor), 0);
	CHECK_UINT(major, 6);
	CHECK_UINT(minor, 1);
	CHECK_INT(doctor_parse_kernel_version("6.12.25+rpt-rpi-2712", &major, &minor), 0);
	CHECK_UINT(minor, 12);
	CHECK_INT(doctor_parse_kernel_version("5.4", &major, &minor), 0);
	CHECK_INT(doctor_parse_kernel_version("", &major, &minor), -EINVAL);
	CHECK_INT(doctor_parse_kernel_version("6", &major, &minor), -EINVAL);
	CHECK_INT(doctor_parse_kernel_version("6.", &major, &minor), -EINVAL);
	CHECK_INT(doctor_parse_kernel_version("v6.1", &major, &minor), -EINVAL);
	CHECK_INT(doctor_parse_kernel_version("99999999999.1", &major, &minor), -EINVAL);
}

TEST(doctor_systemd_version)
{
	unsigned v = 0;

	CHECK_INT(doctor_parse_systemd_version("systemd 252 (252.22-1~deb12u1)\n+PAM +AUDIT\n", &v), 0);
	CHECK_UINT(v, 252);
	CHECK_INT(doctor_parse_systemd_version("systemd 257\n", &v), 0);
	CHECK_UINT(v, 257);
	CHECK_INT(doctor_parse_systemd_version("systemd 257", &v), 0);
	CHECK_INT(doctor_parse_systemd_version("systemd abc", &v), -EINVAL);
	CHECK_INT(doctor_parse_systemd_version("systemd 25x", &v), -EINVAL);
	CHECK_INT(doctor_parse_systemd_version("elogind 252", &v), -EINVAL);
	CHECK_INT(doctor_parse_systemd_version("", &v), -EINVAL);
}

TEST(doctor_modules)
{
	static const char dep[] =
		"kernel/net/802/stp.ko.xz: kernel/net/llc/llc.ko.xz\n"
		"kernel/net/bridge/bridge.ko.xz: kernel/net/802/stp.ko.xz kernel/net/llc/llc.ko.xz\n"
		"kernel/drivers/net/veth.ko:\n"
		"kernel/net/netfilter/nf_tables.ko.zst: kernel/net/netfilter/nfnetlink.ko.zst\n"
		"kernel/net/bridge/br_netfilter.ko.gz: kernel/net/bridge/bridge.ko.xz\n";

	CHECK(doctor_module_listed(dep, "bridge"));
	CHECK(doctor_module_listed(dep, "veth"));
	CHECK(doctor_module_listed(dep, "nf_tables"));
	CHECK(doctor_module_listed(dep, "nf-tables"));
	CHECK(doctor_module_listed(dep, "br_netfilter"));
	/* Only the module's own file counts, not its dependencies or a prefix. */
	CHECK(!doctor_module_listed(dep, "llc"));
	CHECK(!doctor_module_listed(dep, "brid"));
	CHECK(!doctor_module_listed(dep, "nfnetlink"));
	/* modules.builtin: one path per line. */
	CHECK(doctor_module_listed("kernel/net/bridge/bridge.ko\n", "bridge"));
	CHECK(doctor_module_listed("bridge.ko", "bridge"));
	CHECK(!doctor_module_listed("", "bridge"));
	CHECK(!doctor_module_listed(".ko\n:\n/\n", "bridge"));
	CHECK(!doctor_module_listed("kernel/bridge.ko.bz2\n", "bridge"));
}

TEST(doctor_listeners)
{
	static const char tcp[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 "
		"0000000000000000 100 0 0 10 0\n"
		"   1: 0100007F:0050 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 777 1 "
		"0000000000000000 20 4 30 10 -1\n"
		"   2: 0100007F:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1\n";
	static const char tcp6[] =
		"  sl  local_address                         remote_address                        st tx_queue "
		"rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A "
		"00000000:00000000 00:00000000 00000000     0        0 5151 1 0000000000000000 100 0 0 10 0\n";
	unsigned long inodes[4];

	/* Listening on 80: the first line; the second is an established connection. */
	CHECK_INT(doctor_parse_listeners(tcp, 80, inodes, 4), 1);
	CHECK_UINT(inodes[0], 4242);
	CHECK_INT(doctor_parse_listeners(tcp, 443, inodes, 4), 1);
	CHECK_UINT(inodes[0], 99);
	CHECK_INT(doctor_parse_listeners(tcp, 8080, inodes, 4), 0);
	CHECK_INT(doctor_parse_listeners(tcp6, 80, inodes, 4), 1);
	CHECK_UINT(inodes[0], 5151);
	CHECK_INT(doctor_parse_listeners(tcp, 80, inodes, 0), 0);
	/* Hostile lines: too few fields, no colon, bad hex, inode 0 or not a number. */
	CHECK_INT(doctor_parse_listeners("0: 00000000:0050 0 0A 0 0 0 0 0\n", 80, inodes, 4), 0);
	CHECK_INT(doctor_parse_listeners("0: 000000000050 x 0A a b c d e 12\n", 80, inodes, 4), 0);
	CHECK_INT(doctor_parse_listeners("0: 0:00G0 x 0A a b c d e 12\n", 80, inodes, 4), 0);
	CHECK_INT(doctor_parse_listeners("0: 0:0050 x 0A a b c d e 0\n", 80, inodes, 4), 0);
	CHECK_INT(doctor_parse_listeners("0: 0:0050 x 0A a b c d e 12x\n", 80, inodes, 4), 0);
	CHECK_INT(doctor_parse_listeners("0: 0:0050 x 0A a b c d e 99999999999999999999999\n", 80, inodes, 4),
		  0);
	CHECK_INT(doctor_parse_listeners("0: 0:00000000000000000050 x 0A a b c d e 12\n", 80, inodes, 4), 0);
	CHECK_INT(doctor_parse_listeners("0: 0:0050 x 0A a b c d e 12", 80, inodes, 4), 1);
	CHECK_INT(doctor_parse_listeners("", 80, inodes, 4), 0);
}

TEST(doctor_seccomp_mode)
{
	CHECK_INT(doctor_parse_seccomp_mode("Name:\tcat\nSeccomp:\t0\nSeccomp_filters:\t0\n"), 0);
	CHECK_INT(doctor_parse_seccomp_mode("Seccomp_filters:\t1\nSeccomp:\t2\n"), 2);
	CHECK_INT(doctor_parse_seccomp_mode("Seccomp:\t2"), 2);
	CHECK_INT(doctor_parse_seccomp_mode("Name:\tcat\n"), -ENOENT);
	CHECK_INT(doctor_parse_seccomp_mode("Seccomp:\t3\n"), -EINVAL);
	CHECK_INT(doctor_parse_seccomp_mode("Seccomp:\t\n"), -EINVAL);
	CHECK_INT(doctor_parse_seccomp_mode("Seccomp:\t1x\n"), -EINVAL);
	CHECK_INT(doctor_parse_seccomp_mode(""), -ENOENT);
}
