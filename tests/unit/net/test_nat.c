/*
 * test_nat.c - unit tests of src/net/nat.c and the pure part of localnet.c: the
 * nft script for sample configurations (tcp and udp, a host address, loopback
 * only, masquerade off, no services), hostile names and clashing ports, the
 * loopback map entries; as root, the script applied for real in a private
 * network namespace and the eBPF programs run through the kernel's verifier.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "net/localnet.h"
#include "net/nat.h"
#include "test.h"

/* A portmap from "[HOSTADDR:]HOSTPORT:PORT[/proto]" (must be valid). */
static struct portmap pm(const char *text)
{
	struct portmap_list l = {NULL, 0};
	struct portmap p = {0};
	struct error err;

	if (value_parse_portmaps(text, &l, &err) < 0 || l.n != 1)
		test_fail(__FILE__, __LINE__, "bad portmap %s", text);
	else
		p = l.v[0];
	portmap_list_release(&l);
	return p;
}

/* An IPv4 address from TEXT. */
static struct in_addr ip(const char *text)
{
	struct in_addr a = {0};

	inet_pton(AF_INET, text, &a);
	return a;
}

/* The configuration of the samples: bridge "intercontainer", 10.213.0.0/24. */
static struct nat_config sample_config(bool masquerade)
{
	struct nat_config c = {.bridge = "intercontainer", .masquerade = masquerade};
	struct error err;

	if (value_parse_subnet("10.213.0.0/24", &c.subnet, &err) < 0)
		test_fail(__FILE__, __LINE__, "bad subnet");
	return c;
}

static const char expect_sample[] =
	"table inet pistack {}\n"
	"delete table inet pistack\n"
	"table inet pistack {\n"
	"\tchain prerouting {\n"
	"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	"\t\tiifname \"intercontainer\" ip daddr 10.213.0.1 th dport 53 return\n"
	"\t\tmeta nfproto ipv4 fib daddr type local jump ports\n"
	"\t}\n"
	"\tchain output {\n"
	"\t\ttype nat hook output priority -100; policy accept;\n"
	"\t\tmeta nfproto ipv4 ip daddr != 127.0.0.0/8 fib daddr type local jump ports\n"
	"\t}\n"
	"\tchain ports {\n"
	"\t\ttcp dport 8080 dnat ip to 10.213.0.2:80 comment \"web\"\n"
	"\t\tudp dport 5353 dnat ip to 10.213.0.2:53 comment \"web\"\n"
	"\t\tip daddr 192.0.2.7 tcp dport 2222 dnat ip to 10.213.0.3:22 comment \"git\"\n"
	"\t}\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\toifname \"intercontainer\" ip saddr 10.213.0.0/24 ct status dnat masquerade\n"
	"\t\toifname != \"intercontainer\" ip saddr 10.213.0.0/24 masquerade\n"
	"\t}\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy accept;\n"
	"\t\toifname != \"intercontainer\" accept\n"
	"\t\tct state established,related accept\n"
	"\t\tct status dnat accept\n"
	"\t\tiifname \"intercontainer\" accept\n"
	"\t\tdrop\n"
	"\t}\n"
	"}\n";

TEST(nat_render_sample)
{
	struct portmap web[] = {pm("8080:80"), pm("5353:53/udp")};
	/* 127.0.0.1:9000 is published on loopback only: localnet's, no nft rule. */
	struct portmap git[] = {pm("192.0.2.7:2222:22"), pm("127.0.0.1:9000:90/udp")};
	struct nat_service v[] = {
		{"web", ip("10.213.0.2"), web, 2},
		{"git", ip("10.213.0.3"), git, 2},
	};
	struct nat_config c = sample_config(true);
	cleanup_free char *out = NULL;
	struct error err;

	CHECK_INT(nat_render(&c, v, 2, &out, &err), 0);
	CHECK_STR(out, expect_sample);
}

TEST(nat_render_masquerade_off)
{
	struct portmap web[] = {pm("8080:80/tcp"), pm("8080:80/udp")};
	struct nat_service v[] = {{"web", ip("10.213.0.2"), web, 2}};
	struct nat_config c = sample_config(false);
	cleanup_free char *out = NULL;
	struct error err;

	CHECK_INT(nat_render(&c, v, 1, &out, &err), 0);
	/* The subnet keeps its addresses when leaving; hairpin still needs it. */
	CHECK(!strstr(out, "oifname != \"intercontainer\" ip saddr"));
	CHECK_CONTAINS(out,
		       "oifname \"intercontainer\" ip saddr 10.213.0.0/24 ct status dnat "
		       "masquerade\n");
	/* The same port over tcp and udp is two rules. */
	CHECK_CONTAINS(out,
		       "\t\ttcp dport 8080 dnat ip to 10.213.0.2:80 comment \"web\"\n"
		       "\t\tudp dport 8080 dnat ip to 10.213.0.2:80 comment \"web\"\n");
}

TEST(nat_render_no_services)
{
	static const char head[] = "table inet pistack {}\ndelete table inet pistack\ntable inet pistack {\n";
	struct nat_config c = sample_config(true);
	cleanup_free char *out = NULL;
	struct error err;

	CHECK_INT(nat_render(&c, NULL, 0, &out, &err), 0);
	CHECK(strncmp(out, head, sizeof(head) - 1) == 0);
	CHECK_CONTAINS(out, "\tchain ports {\n\t}\n");
	CHECK_CONTAINS(out, "oifname != \"intercontainer\" ip saddr 10.213.0.0/24 masquerade\n");
	CHECK_CONTAINS(out, "\t\tdrop\n");
	/* Nothing but our table is ever named. */
	CHECK(!strstr(out, "flush"));
	for (const char *t = strstr(out, "table "); t; t = strstr(t + 1, "table "))
		CHECK(strncmp(t, "table inet pistack", 18) == 0);
}

TEST(nat_render_other_subnet)
{
	struct portmap p[] = {pm("10.0.0.1:53:53/udp")};
	struct nat_service v[] = {{"dns", ip("172.30.128.9"), p, 1}};
	struct nat_config c = {.bridge = "br0", .masquerade = true};
	cleanup_free char *out = NULL;
	struct error err;

	CHECK_INT(value_parse_subnet("172.30.0.0/16", &c.subnet, &err), 0);
	CHECK_INT(nat_render(&c, v, 1, &out, &err), 0);
	CHECK_CONTAINS(out,
		       "\t\tip daddr 10.0.0.1 udp dport 53 dnat ip to 172.30.128.9:53 "
		       "comment \"dns\"\n");
	CHECK_CONTAINS(out, "oifname != \"br0\" ip saddr 172.30.0.0/16 masquerade\n");
}

/* nat_render() must fail with RET and a message containing WANT. */
static void render_fails(const struct nat_config *c, const struct nat_service *v, size_t n, int ret,
			 const char *want)
{
	char *out = (char *)"untouched";
	struct error err;

	error_clear(&err);
	CHECK_INT(nat_render(c, v, n, &out, &err), ret);
	CHECK(out == NULL);
	CHECK_CONTAINS(err.msg, want);
}

TEST(nat_render_hostile_names)
{
	struct portmap p[] = {pm("80:80")};
	struct nat_service v[] = {{"web", ip("10.213.0.2"), p, 1}};
	struct nat_config c = sample_config(true);
	static const char *bad_bridges[] = {"",      "br\"0", "br 0", "br0;", "a/b", "..", "sixteen-chars-xx",
					    "br0\n", "br}"};
	static const char *bad_names[] = {"",           "Web",  "we\"b",
					  "web\" drop", "-web", "web-",
					  "a b",        "w\nb", "x23456789012345678901234567890123"};

	for (size_t i = 0; i < ARRAY_SIZE(bad_bridges); i++) {
		c.bridge = bad_bridges[i];
		render_fails(&c, v, 1, -EINVAL, "invalid bridge name");
	}
	c.bridge = NULL;
	render_fails(&c, v, 1, -EINVAL, "invalid bridge name");
	c.bridge = "intercontainer";
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		v[0].name = bad_names[i];
		render_fails(&c, v, 1, -EINVAL, "invalid service name");
	}
	v[0].name = NULL;
	render_fails(&c, v, 1, -EINVAL, "invalid service name");
}

TEST(nat_render_hostile_addresses)
{
	struct portmap p[] = {pm("80:80")}, zero[] = {{{0}, 0, 80, IPPROTO_TCP}},
		       sctp[] = {{{0}, 80, 80, IPPROTO_SCTP}};
	struct nat_service v[] = {{"web", ip("10.213.0.2"), p, 1}};
	struct nat_config c = sample_config(true);
	static const char *outside[] = {"10.213.1.2", "10.213.0.0", "10.213.0.255", "0.0.0.0", "127.0.0.1"};

	for (size_t i = 0; i < ARRAY_SIZE(outside); i++) {
		v[0].addr = ip(outside[i]);
		render_fails(&c, v, 1, -EINVAL, "is not in the subnet");
	}
	v[0].addr = ip("10.213.0.2");
	v[0].ports = zero;
	render_fails(&c, v, 1, -EINVAL, "invalid port mapping 0:80");
	v[0].ports = sctp;
	render_fails(&c, v, 1, -EINVAL, "invalid port mapping");
	v[0].ports = p;
	c.subnet.family = AF_INET6;
	render_fails(&c, v, 1, -EINVAL, "not an IPv4 network");
	c = sample_config(true);
	c.subnet.addr = ip("10.213.0.1"); /* host bits set */
	render_fails(&c, v, 1, -EINVAL, "not an IPv4 network");
	c = sample_config(true);
	c.subnet.prefix = 31;
	render_fails(&c, v, 1, -EINVAL, "not an IPv4 network");
}

TEST(nat_clash)
{
	struct portmap a[] = {pm("8080:80"), pm("53:53/udp")};
	struct portmap same[] = {pm("8080:81")};
	struct portmap udp[] = {pm("8080:80/udp")};
	struct portmap addr1[] = {pm("192.0.2.1:53:53/udp")}, addr2[] = {pm("192.0.2.2:53:53/udp")};
	struct nat_service v[] = {
		{"a", ip("10.213.0.2"), a, 2},
		{"b", ip("10.213.0.3"), same, 1},
	};
	struct nat_service x = {"x", ip("10.213.0.4"), addr1, 1};
	struct nat_service y = {"y", ip("10.213.0.5"), addr2, 1};
	struct nat_config c = sample_config(true);
	struct error err;

	render_fails(&c, v, 2, -EADDRINUSE, "publish port '8080/tcp' of 'b': already published by 'a'");
	CHECK_INT(nat_check_clash(v, 1, &v[1], &err), -EADDRINUSE);
	CHECK_INT(err.errnum, EADDRINUSE);
	CHECK_STR(err.msg, "publish port '8080/tcp' of 'b': already published by 'a'");
	/* Another protocol is another socket. */
	v[1].ports = udp;
	CHECK_INT(nat_check_clash(v, 1, &v[1], &err), 0);
	/* Two specific addresses do not clash; a specific one and "any" do. */
	CHECK_INT(nat_check_clash(&x, 1, &y, &err), 0);
	CHECK_INT(nat_check_clash(v, 1, &x, &err), -EADDRINUSE);
	CHECK_STR(err.msg, "publish port '53/udp' of 'x': already published by 'a'");
	/* A service is not compared with itself. */
	CHECK_INT(nat_check_clash(v, 2, &v[0], &err), 0);
}

TEST(nat_forwarding_hostile_bridge)
{
	struct error err;

	CHECK_INT(nat_enable_forwarding("../../../etc", &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "invalid interface name");
	CHECK_INT(nat_enable_forwarding(NULL, &err), -EINVAL);
}

TEST(localnet_entries_loopback_only)
{
	struct portmap web[] = {pm("8080:80"), pm("5353:53/udp"), pm("192.0.2.7:2222:22"),
				pm("127.0.0.2:9000:90")};
	struct nat_service v[] = {{"web", ip("10.213.0.2"), web, 4}};
	struct localnet_key keys[4];
	struct localnet_target targets[4];
	uint8_t want_key[8] = {0, 0, 0, 0, 0x1f, 0x90, IPPROTO_TCP, 0};
	uint8_t want_target[8] = {10, 213, 0, 2, 0, 80, 0, 0};
	uint8_t want_lo[8] = {127, 0, 0, 2, 0x23, 0x28, IPPROTO_TCP, 0};

	CHECK_UINT(localnet_entries(v, 1, NULL, NULL, 0), 3);
	CHECK_UINT(localnet_entries(v, 1, keys, targets, 4), 3);
	/* The programs read the bytes in network order, whatever the CPU. */
	CHECK(sizeof(keys[0]) == 8 && sizeof(targets[0]) == 8);
	CHECK(memcmp(&keys[0], want_key, 8) == 0);
	CHECK(memcmp(&targets[0], want_target, 8) == 0);
	CHECK_INT(keys[1].proto, IPPROTO_UDP);
	CHECK_UINT(ntohs(keys[1].port), 5353);
	CHECK_UINT(ntohs(targets[1].port), 53);
	CHECK(memcmp(&keys[2], want_lo, 8) == 0);
	/* MAX bounds what is written, not what is counted. */
	CHECK_UINT(localnet_entries(v, 1, keys, targets, 1), 3);
}

/* Whether this process may change network namespaces and netfilter. */
static bool nat_privileged(void)
{
	return geteuid() == 0;
}

/* In a private network namespace: apply, list, re-apply, remove; the exit
 * code says which step failed. */
static int nat_apply_in_netns(void)
{
	struct portmap web[] = {pm("8080:80"), pm("5353:53/udp")};
	struct nat_service v[] = {{"web", ip("10.213.0.2"), web, 2}};
	struct nat_config c = sample_config(true);
	struct nft_ctx *ctx;
	const char *list;
	struct error err;

	if (unshare(CLONE_NEWNET) < 0)
		return 10;
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx || nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx))
		return 11;
	if (nft_run_cmd_from_buffer(ctx,
				    "table inet other {\n chain c {\n type filter hook "
				    "input priority 0; policy accept;\n tcp dport 1234 accept\n"
				    " }\n}\n") != 0)
		return 12;
	if (nat_apply(&c, v, 1, &err) < 0)
		return 13;
	if (nft_run_cmd_from_buffer(ctx, "list ruleset") != 0)
		return 14;
	list = nft_ctx_get_output_buffer(ctx);
	if (!strstr(list, "udp dport 5353 dnat ip to 10.213.0.2:53 comment \"web\"") ||
	    !strstr(list, "table inet other") || !strstr(list, "tcp dport 1234 accept"))
		return 15;
	/* The shape of our script, with a rule the kernel refuses (DNAT in a
	 * filter chain): the whole transaction fails, the old table stays. */
	if (nft_run_cmd_from_buffer(ctx,
				    "table inet pistack {}\ndelete table inet pistack\n"
				    "table inet pistack {\n chain x {\n type filter hook input "
				    "priority 0;\n tcp dport 1 dnat ip to 10.0.0.1:1\n }\n}\n") == 0)
		return 21;
	if (nft_run_cmd_from_buffer(ctx, "list ruleset") != 0)
		return 22;
	list = nft_ctx_get_output_buffer(ctx);
	if (!strstr(list, "udp dport 5353 dnat ip to 10.213.0.2:53") || strstr(list, "chain x"))
		return 23;
	/* Re-applied without the service: its rules are gone, nothing doubled. */
	if (nat_apply(&c, NULL, 0, &err) < 0 || nft_run_cmd_from_buffer(ctx, "list ruleset") != 0)
		return 16;
	list = nft_ctx_get_output_buffer(ctx);
	if (strstr(list, "dnat ip to") || !strstr(list, "table inet other") ||
	    strstr(strstr(list, "table inet pistack") + 1, "table inet pistack"))
		return 17;
	if (nat_remove(&err) < 0 || nat_remove(&err) < 0)
		return 18;
	if (nft_run_cmd_from_buffer(ctx, "list ruleset") != 0)
		return 19;
	list = nft_ctx_get_output_buffer(ctx);
	if (strstr(list, "pistack") || !strstr(list, "table inet other"))
		return 20;
	nft_ctx_free(ctx);
	return 0;
}

TEST(nat_apply_private_netns)
{
	int status = -1;
	pid_t pid;

	if (!nat_privileged())
		return; /* needs root; the VM and CI run it */
	SKIP_UNLESS(test_have_nfnetlink(), "no netfilter netlink (qemu-user)");
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(nat_apply_in_netns());
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

TEST(localnet_programs_pass_the_verifier)
{
	struct error err;
	int r;

	if (!nat_privileged())
		return;
	SKIP_UNLESS(test_have_netns_cookie(), "no SO_NETNS_COOKIE (kernel < 5.14, or qemu-user)");
	/* Loaded, never attached: nothing on this host changes. */
	r = localnet_probe(&err);
	if (r == -EPERM || r == -ENOSYS)
		return; /* bpf(2) not allowed here: nothing to learn */
	if (r != 0)
		test_fail(__FILE__, __LINE__, "localnet_probe: %s", err.msg);
}
