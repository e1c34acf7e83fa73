// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitgen's /init for the test_bpf boot test: a freestanding MIPS O32 program
 * (no libc: nolibc of 6.12 lists hi/lo as clobbers and so does not build for R6).
 *
 * It loads /test_bpf.ko with the main suite, removes it (the module stays loaded
 * when every test passed), loads it again with the tail-call suite and powers off.
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

void jitgen_init_main(void)
{
	load("test_suite=test_bpf");
	/* Fails with ENOENT when a test failed: the module then never stayed. */
	report("delete_module", syscall4(NR_DELETE_MODULE, (long)"test_bpf", MIPS_O_NONBLOCK, 0, 0));
	load("test_suite=test_tail_calls");
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
