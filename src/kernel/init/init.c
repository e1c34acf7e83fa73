// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitgen's /init for the test_bpf boot test: a freestanding MIPS O32 program
 * (no libc: nolibc of 6.12 lists hi/lo as clobbers and so does not build for R6).
 *
 * It loads /test_bpf.ko with the main suite, removes it (the module stays loaded
 * when every test passed), loads it again with the tail-call suite, then loads and
 * runs one program with bpf2bpf calls through the bpf() system call (test_bpf has
 * none: they exist only for programs the verifier splits), and powers off.
 * Every step is announced on the console as "jitgen-init: ..." so the boot log
 * shows where a run stopped; jitgen's log parser relies on the "load" markers to
 * tell which suite a JIT dump belongs to.
 */

#define O32_SYSCALL(n) (4000 + (n)) /* O32 numbers start at __NR_Linux = 4000 */
#define NR_WRITE 4
#define NR_OPEN 5
#define NR_CLOSE 6
#define NR_REBOOT 88
#define NR_DELETE_MODULE 129
#define NR_FINIT_MODULE 348
#define NR_BPF 355

#define O_RDONLY 0
#define MIPS_O_NONBLOCK 0x80 /* MIPS's value, not the generic 0x800 */

#define REBOOT_MAGIC1 0xfee1deadUL
#define REBOOT_MAGIC2 0x28121969UL
#define REBOOT_CMD_POWER_OFF 0x4321fedcUL

/* HI/LO exist before R6 only; a syscall may clobber them there. */
#if __mips_isa_rev < 6
#define CLOBBER_HI_LO "hi", "lo",
#else
#define CLOBBER_HI_LO
#endif

/*
 * One O32 system call with up to four arguments. The kernel returns the result
 * in v0 and sets a3 to non-zero on error (v0 then holds the positive errno);
 * this returns the Linux convention: a negative errno on error.
 */
static long syscall4(long nr, long a, long b, long c, long d)
{
	register long v0 asm("$2") = O32_SYSCALL(nr);
	register long a0 asm("$4") = a;
	register long a1 asm("$5") = b;
	register long a2 asm("$6") = c;
	register long a3 asm("$7") = d;

	asm volatile("syscall"
		     : "+r"(v0), "+r"(a3)
		     : "r"(a0), "r"(a1), "r"(a2)
		     : "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13",
		       "$14", "$15", "$24", "$25", CLOBBER_HI_LO "memory");
	return a3 ? -v0 : v0;
}

static unsigned long length(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	syscall4(NR_WRITE, 1, (long)s, (long)length(s), 0);
}

/* "-22" for -22: the errno a step returned, for the log. */
static void say_number(long v)
{
	char buf[24];
	int i = sizeof(buf) - 1;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	buf[i] = 0;
	do {
		buf[--i] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		buf[--i] = '-';
	say(&buf[i]);
}

static void report(const char *what, long ret)
{
	say("jitgen-init: ");
	say(what);
	say(" returned ");
	say_number(ret);
	say("\n");
}

/* Load /test_bpf.ko with the given module parameters. */
static void load(const char *params)
{
	long fd, ret;

	say("jitgen-init: load test_bpf ");
	say(params);
	say("\n");
	fd = syscall4(NR_OPEN, (long)"/test_bpf.ko", O_RDONLY, 0, 0);
	if (fd < 0) {
		report("open /test_bpf.ko", fd);
		return;
	}
	ret = syscall4(NR_FINIT_MODULE, fd, (long)params, 0, 0);
	report("finit_module", ret);
	syscall4(NR_CLOSE, fd, 0, 0, 0);
}

/* The uapi pieces of bpf() this needs (include/uapi/linux/bpf.h) */
#define BPF_PROG_LOAD 5
#define BPF_PROG_TEST_RUN 10
#define BPF_PROG_TYPE_SOCKET_FILTER 1

struct bpf_insn {
	unsigned char code;
	unsigned char dst_reg:4;
	unsigned char src_reg:4;
	short off;
	int imm;
};

struct prog_load_attr {
	unsigned int prog_type;
	unsigned int insn_cnt;
	unsigned long long insns;
	unsigned long long license;
	unsigned int log_level;
	unsigned int log_size;
	unsigned long long log_buf;
};

struct test_run_attr {
	unsigned int prog_fd;
	unsigned int retval;
	unsigned int data_size_in;
	unsigned int data_size_out;
	unsigned long long data_in;
	unsigned long long data_out;
	unsigned int repeat;
	unsigned int duration;
};

/*
 * main: r6 = 0x12345; r1 = 0x1_0000_0002; r2 = 3; keep r1 on the stack; r0 = f(r1, r2);
 *       r0 += the kept r1 + r6; fold the high word into the low one; exit
 * f:    r6 = r1 * r2 (its own R6, on its own stack); r0 = g(r2) + r6; exit
 * g:    r0 = r1 << 40 | 5; exit
 * The interpreter of jitgen (and a hand calculation) give 0x00012056.
 */
static const struct bpf_insn bpf2bpf_prog[] = {
	{ 0xb7, 6, 0, 0, 0x12345 },	/* r6 = 0x12345 */
	{ 0x18, 1, 0, 0, 2 },		/* r1 = 0x100000002 ll */
	{ 0x00, 0, 0, 0, 1 },
	{ 0xb7, 2, 0, 0, 3 },		/* r2 = 3 */
	{ 0x7b, 10, 1, -8, 0 },		/* *(u64 *)(r10 - 8) = r1 */
	{ 0x85, 0, 1, 0, 7 },		/* call f */
	{ 0x79, 1, 10, -8, 0 },		/* r1 = *(u64 *)(r10 - 8) */
	{ 0x0f, 0, 1, 0, 0 },		/* r0 += r1 */
	{ 0x0f, 0, 6, 0, 0 },		/* r0 += r6 */
	{ 0xbf, 1, 0, 0, 0 },		/* r1 = r0 */
	{ 0x77, 1, 0, 0, 32 },		/* r1 >>= 32 */
	{ 0xaf, 0, 1, 0, 0 },		/* r0 ^= r1 */
	{ 0x95, 0, 0, 0, 0 },		/* exit */
	{ 0xbf, 6, 1, 0, 0 },		/* f: r6 = r1 */
	{ 0x2f, 6, 2, 0, 0 },		/* r6 *= r2 */
	{ 0x7b, 10, 6, -16, 0 },	/* *(u64 *)(r10 - 16) = r6 */
	{ 0xbf, 1, 2, 0, 0 },		/* r1 = r2 */
	{ 0x85, 0, 1, 0, 3 },		/* call g */
	{ 0x79, 1, 10, -16, 0 },	/* r1 = *(u64 *)(r10 - 16) */
	{ 0x0f, 0, 1, 0, 0 },		/* r0 += r1 */
	{ 0x95, 0, 0, 0, 0 },		/* exit */
	{ 0xbf, 0, 1, 0, 0 },		/* g: r0 = r1 */
	{ 0x67, 0, 0, 0, 40 },		/* r0 <<= 40 */
	{ 0x47, 0, 0, 0, 5 },		/* r0 |= 5 */
	{ 0x95, 0, 0, 0, 0 },		/* exit */
};

static void zero(void *p, unsigned long n)
{
	char *c = p;

	while (n--)
		*c++ = 0;
}

/* Load the bpf2bpf program (the JIT compiles its three functions) and run it once. */
static void bpf2bpf(void)
{
	static char log[4096];
	static unsigned char packet[64];
	struct prog_load_attr load;
	struct test_run_attr run;
	long fd, ret;

	say("jitgen-init: bpf2bpf\n");
	zero(&load, sizeof(load));
	load.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	load.insn_cnt = sizeof(bpf2bpf_prog) / sizeof(bpf2bpf_prog[0]);
	load.insns = (unsigned long)bpf2bpf_prog;
	load.license = (unsigned long)"GPL";
	load.log_level = 1;
	load.log_size = sizeof(log);
	load.log_buf = (unsigned long)log;
	fd = syscall4(NR_BPF, BPF_PROG_LOAD, (long)&load, sizeof(load), 0);
	if (fd < 0) {
		report("bpf2bpf: BPF_PROG_LOAD", fd);
		say(log);
		return;
	}
	zero(&run, sizeof(run));
	run.prog_fd = fd;
	run.data_size_in = sizeof(packet);
	run.data_in = (unsigned long)packet;
	run.repeat = 1;
	ret = syscall4(NR_BPF, BPF_PROG_TEST_RUN, (long)&run, sizeof(run), 0);
	if (ret < 0) {
		report("bpf2bpf: BPF_PROG_TEST_RUN", ret);
	} else {
		report("bpf2bpf: the program", run.retval);
	}
	syscall4(NR_CLOSE, fd, 0, 0, 0);
}

void jitgen_init_main(void)
{
	load("test_suite=test_bpf");
	/* Fails with ENOENT when a test failed: the module then never stayed. */
	report("delete_module", syscall4(NR_DELETE_MODULE, (long)"test_bpf", MIPS_O_NONBLOCK, 0, 0));
	load("test_suite=test_tail_calls");
	bpf2bpf();
	say("jitgen-init: power off\n");
	syscall4(NR_REBOOT, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_CMD_POWER_OFF, 0);
	say("jitgen-init: power off failed\n");
	for (;;)
		;
}

/*
 * The entry point: the kernel enters with sp at argc. Reserve the 16-byte O32
 * argument area (and keep 8-byte alignment) before calling C; never return.
 */
asm(".text\n"
    ".globl __start\n"
    ".type __start, @function\n"
    ".set push\n"
    ".set noreorder\n"
    "__start:\n"
    "	addiu $sp, $sp, -32\n"
    "	jal jitgen_init_main\n"
    "	nop\n"
    "1:	b 1b\n"
    "	nop\n"
    ".set pop\n");
