/*
 * One Linux O32 system call with up to three arguments, for jitgen's freestanding MIPS
 * programs (the QEMU cross-check harness, the test runner of JITed images). The kernel
 * returns the result in v0 and sets a3 on error (v0 then holds the errno); this returns
 * the Linux convention, a negative errno on error. HI/LO exist before R6 only.
 */
#ifndef JITGEN_O32_SYSCALL_H
#define JITGEN_O32_SYSCALL_H

#if defined(__mips_isa_rev) && __mips_isa_rev >= 6
#define O32_SYSCALL_CLOBBERS "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "memory"
#else
#define O32_SYSCALL_CLOBBERS "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory"
#endif

static inline long sys3(long nr, long a, long b, long c)
{
	register long v0 __asm__("$2") = nr;
	register long a0 __asm__("$4") = a;
	register long a1 __asm__("$5") = b;
	register long a2 __asm__("$6") = c;
	register long a3 __asm__("$7");

	__asm__ volatile("syscall" : "+r"(v0), "=r"(a3) : "r"(a0), "r"(a1), "r"(a2) : O32_SYSCALL_CLOBBERS);
	return a3 ? -v0 : v0;
}

#endif /* JITGEN_O32_SYSCALL_H */
