/*
 * jitgen probe: classic BPF filters of the kind tcpdump and seccomp users
 * produce, compiled offline by the real libraries (Debian's libpcap-dev and
 * libseccomp-dev). Written for jitgen.
 *
 * Usage: filters ARCH   (ARCH: mips or mipsel, the seccomp filters' target)
 * Reads nothing. Writes, for each filter:
 *   "<kind> <name> <len>" then len lines "code jt jf k" (decimal)
 * kind 'S' (socket filter, from pcap_compile on an Ethernet link) or 'C'
 * (seccomp filter, from seccomp_export_bpf); "E" at the end. A name has no
 * spaces (they are written as '_').
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>

/* Typical tcpdump expressions. */
static const char *const expressions[] = {
	"tcp",
	"udp",
	"icmp",
	"arp",
	"ip6",
	"tcp port 80",
	"udp dst port 53",
	"host 192.168.1.1",
	"src net 10.0.0.0/8",
	"tcp[tcpflags] & tcp-syn != 0",
	"ip and not net 192.168.0.0/16",
	"tcp portrange 1000-2000 or udp port 123",
	"ether broadcast or ether multicast",
	"greater 100",
	"vlan and tcp",
	"ip[8] < 64",
	"tcp dst port 443 and (tcp[((tcp[12:1] & 0xf0) >> 2):1] = 0x16)",
	"icmp[icmptype] == icmp-echo",
	"ip6 and tcp port 22",
	"not port 22 and not arp",
};

static void print_prog(char kind, const char *name, const struct sock_filter *f, unsigned int n)
{
	unsigned int i;
	const char *c;

	printf("%c ", kind);
	for (c = name; *c; c++)
		putchar(*c == ' ' ? '_' : *c);
	printf(" %u\n", n);
	for (i = 0; i < n; i++)
		printf("%u %u %u %u\n", f[i].code, f[i].jt, f[i].jf, f[i].k);
}

static int pcap_filters(void)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	size_t i;

	if (!p)
		return -1;
	for (i = 0; i < sizeof(expressions) / sizeof(expressions[0]); i++) {
		struct bpf_program prog;

		if (pcap_compile(p, &prog, expressions[i], 1, PCAP_NETMASK_UNKNOWN)) {
			fprintf(stderr, "pcap_compile(%s): %s\n", expressions[i], pcap_geterr(p));
			return -1;
		}
		print_prog('S', expressions[i], (const struct sock_filter *)prog.bf_insns, prog.bf_len);
		pcap_freecode(&prog);
	}
	pcap_close(p);
	return 0;
}

/* seccomp_export_bpf writes the raw sock_filter array to a descriptor, in
 * the byte order of the filter's architecture (the target's, which the
 * kernel loads it on): `swap` turns a big-endian one into host values. */
static int swap;

static int export_seccomp(scmp_filter_ctx ctx, const char *name)
{
	char path[] = "/tmp/jitgen-seccomp-XXXXXX";
	struct sock_filter buf[4096];
	ssize_t got;
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (seccomp_export_bpf(ctx, fd) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	got = read(fd, buf, sizeof(buf));
	close(fd);
	if (got <= 0 || got % sizeof(buf[0]))
		return -1;
	if (swap) {
		ssize_t i;

		for (i = 0; i < got / (ssize_t)sizeof(buf[0]); i++) {
			buf[i].code = __builtin_bswap16(buf[i].code);
			buf[i].k = __builtin_bswap32(buf[i].k);
		}
	}
	print_prog('C', name, buf, (unsigned int)(got / sizeof(buf[0])));
	return 0;
}

static scmp_filter_ctx new_ctx(uint32_t def, uint32_t arch)
{
	scmp_filter_ctx ctx = seccomp_init(def);

	if (!ctx)
		return NULL;
	/* the target's ABI only: the native one goes first (libseccomp
	 * refuses to mix byte orders in one filter) */
	if (seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE) || seccomp_arch_add(ctx, arch))
		return NULL;
	return ctx;
}

#define RULE(ctx, action, name, ...) \
	seccomp_rule_add(ctx, action, seccomp_syscall_resolve_name(name), __VA_ARGS__)

static int seccomp_filters(uint32_t arch)
{
	static const char *const allowed[] = {
		"read", "write", "close", "fstat", "mmap", "munmap", "brk",
		"rt_sigaction", "rt_sigprocmask", "exit", "exit_group",
		"futex", "clock_gettime", "getpid", "openat",
	};
	scmp_filter_ctx ctx;
	size_t i;

	/* 1: an allow-list, everything else kills the process */
	ctx = new_ctx(SCMP_ACT_KILL_PROCESS, arch);
	if (!ctx)
		return -1;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (RULE(ctx, SCMP_ACT_ALLOW, allowed[i], 0))
			return -1;
	if (export_seccomp(ctx, "allow-list"))
		return -1;
	seccomp_release(ctx);

	/* 2: a deny-list with errno, as container runtimes write */
	ctx = new_ctx(SCMP_ACT_ALLOW, arch);
	if (!ctx || RULE(ctx, SCMP_ACT_ERRNO(EPERM), "ptrace", 0) ||
	    RULE(ctx, SCMP_ACT_ERRNO(EPERM), "mount", 0) ||
	    RULE(ctx, SCMP_ACT_ERRNO(EPERM), "reboot", 0) ||
	    RULE(ctx, SCMP_ACT_ERRNO(ENOSYS), "kexec_load", 0) ||
	    RULE(ctx, SCMP_ACT_KILL, "init_module", 0))
		return -1;
	if (export_seccomp(ctx, "deny-list"))
		return -1;
	seccomp_release(ctx);

	/* 3: argument checks: write only to fds 1 and 2, socket only AF_INET */
	ctx = new_ctx(SCMP_ACT_ERRNO(EACCES), arch);
	if (!ctx || RULE(ctx, SCMP_ACT_ALLOW, "write", 1, SCMP_A0(SCMP_CMP_EQ, 1)) ||
	    RULE(ctx, SCMP_ACT_ALLOW, "write", 1, SCMP_A0(SCMP_CMP_EQ, 2)) ||
	    RULE(ctx, SCMP_ACT_ALLOW, "socket", 1, SCMP_A0(SCMP_CMP_EQ, 2)) ||
	    RULE(ctx, SCMP_ACT_ALLOW, "read", 1, SCMP_A2(SCMP_CMP_LE, 4096)) ||
	    RULE(ctx, SCMP_ACT_ALLOW, "mmap", 1, SCMP_A2(SCMP_CMP_MASKED_EQ, 4, 0)) ||
	    RULE(ctx, SCMP_ACT_ALLOW, "exit_group", 0))
		return -1;
	if (export_seccomp(ctx, "arguments"))
		return -1;
	seccomp_release(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t arch;

	if (argc != 2 || (strcmp(argv[1], "mips") && strcmp(argv[1], "mipsel"))) {
		fprintf(stderr, "usage: filters mips|mipsel\n");
		return 2;
	}
	arch = strcmp(argv[1], "mips") ? SCMP_ARCH_MIPSEL : SCMP_ARCH_MIPS;
	/* the host is little-endian (x86): only a big-endian target swaps */
	swap = arch == SCMP_ARCH_MIPS && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
	if (pcap_filters() || seccomp_filters(arch)) {
		fprintf(stderr, "filters: a library call failed\n");
		return 1;
	}
	printf("E\n");
	return fflush(stdout) == 0 ? 0 : 1;
}
