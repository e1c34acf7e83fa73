/*
 * jitgen QEMU cross-check harness: a freestanding static MIPS32 program (no libc, raw
 * O32 syscalls, so the same source builds for R2 and R6). It reads cases from stdin,
 * runs each one's code with the seeded registers and scratch memory, and writes the
 * final register file, HI/LO (zero on R6) and the scratch memory to stdout.
 *
 * Built at run time by src/mips/crosscheck-qemu.ts, which passes the addresses below
 * with -D so that the TypeScript side (which runs the same cases in the simulator)
 * owns them. Case layout (words in the target's byte order):
 *   u32 nwords; u32 regs[32]; u32 hi, lo; u8 scratch[SCRATCH_SIZE]; u32 code[nwords]
 * Output per case: u32 regs[32]; u32 hi, lo; u8 scratch[SCRATCH_SIZE].
 */
#ifndef BLOB_ADDR
#error "BLOB_ADDR, SCRATCH_ADDR, SCRATCH_SIZE, SAVE_ADDR, SEED_ADDR, MAX_WORDS come from -D"
#endif

typedef unsigned int u32;

#include "o32-syscall.h"

#define SYS_exit 4001
#define SYS_read 4003
#define SYS_write 4004

static int read_full(void *buf, long len)
{
	char *p = buf;

	while (len > 0) {
		long n = sys3(SYS_read, 0, (long)p, len);

		if (n <= 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

static void write_full(const void *buf, long len)
{
	const char *p = buf;

	while (len > 0) {
		long n = sys3(SYS_write, 1, (long)p, len);

		if (n <= 0)
			sys3(SYS_exit, 3, 0, 0);
		p += n;
		len -= n;
	}
}

static void copy(void *dst, const void *src, long n)
{
	volatile char *d = dst;
	const char *s = src;

	while (n-- > 0)
		*d++ = *s++;
}

extern u32 loader_begin[], loader_end[], epilogue_begin[], epilogue_end[];
extern void run_case(u32 entry);

#define STR2(x) #x
#define STR(x) STR2(x)

/* The code buffer: writable and executable, at a fixed address. */
__asm__(".section .blob,\"awx\",@progbits\n"
	".globl blob_area\nblob_area:\n.space " STR(BLOB_AREA_SIZE) "\n"
	".previous\n");

/* Scratch memory, save area and seed block: writable, at a fixed address. */
__asm__(".section .scratcharea,\"aw\",@nobits\n"
	".space " STR(DATA_AREA_SIZE) "\n"
	".previous\n");

/*
 * run_case(entry): save what C needs, jump to the loader copied before the case's
 * code; the epilogue copied after it stores the registers and comes back here.
 */
__asm__(".text\n.set noreorder\n.set noat\n"
	".globl run_case\nrun_case:\n"
	"addiu $29, $29, -48\n"
	"sw $31, 44($29)\nsw $16, 0($29)\nsw $17, 4($29)\nsw $18, 8($29)\nsw $19, 12($29)\n"
	"sw $20, 16($29)\nsw $21, 20($29)\nsw $22, 24($29)\nsw $23, 28($29)\nsw $30, 32($29)\nsw $28, 36($29)\n"
	"lui $8, %hi(saved_sp)\nsw $29, %lo(saved_sp)($8)\n"
	"jr $4\nnop\n"
	/* loader: all registers from the seed block, k1 = scratch pointer */
	".globl loader_begin\nloader_begin:\n"
	"lui $27, %hi(" STR(SEED_ADDR) ")\naddiu $27, $27, %lo(" STR(SEED_ADDR) ")\n"
#if __mips_isa_rev < 6
	"lw $1, 128($27)\nmthi $1\nlw $1, 132($27)\nmtlo $1\n"
#endif
	"lw $1, 4($27)\nlw $2, 8($27)\nlw $3, 12($27)\nlw $4, 16($27)\nlw $5, 20($27)\nlw $6, 24($27)\n"
	"lw $7, 28($27)\nlw $8, 32($27)\nlw $9, 36($27)\nlw $10, 40($27)\nlw $11, 44($27)\nlw $12, 48($27)\n"
	"lw $13, 52($27)\nlw $14, 56($27)\nlw $15, 60($27)\nlw $16, 64($27)\nlw $17, 68($27)\nlw $18, 72($27)\n"
	"lw $19, 76($27)\nlw $20, 80($27)\nlw $21, 84($27)\nlw $22, 88($27)\nlw $23, 92($27)\nlw $24, 96($27)\n"
	"lw $25, 100($27)\nlw $26, 104($27)\nlw $28, 112($27)\nlw $29, 116($27)\nlw $30, 120($27)\nlw $31, 124($27)\n"
	"lw $27, 108($27)\n"
	".globl loader_end\nloader_end:\n"
	/* epilogue: registers to the save area (k1 must still hold the scratch pointer) */
	".globl epilogue_begin\nepilogue_begin:\n"
	"sw $1, 4+(" STR(SAVE_ADDR) "-" STR(K1_VALUE) ")($27)\n"
	"lui $1, %hi(" STR(SAVE_ADDR) ")\naddiu $1, $1, %lo(" STR(SAVE_ADDR) ")\n"
	"sw $0, 0($1)\nsw $2, 8($1)\nsw $3, 12($1)\nsw $4, 16($1)\nsw $5, 20($1)\nsw $6, 24($1)\n"
	"sw $7, 28($1)\nsw $8, 32($1)\nsw $9, 36($1)\nsw $10, 40($1)\nsw $11, 44($1)\nsw $12, 48($1)\n"
	"sw $13, 52($1)\nsw $14, 56($1)\nsw $15, 60($1)\nsw $16, 64($1)\nsw $17, 68($1)\nsw $18, 72($1)\n"
	"sw $19, 76($1)\nsw $20, 80($1)\nsw $21, 84($1)\nsw $22, 88($1)\nsw $23, 92($1)\nsw $24, 96($1)\n"
	"sw $25, 100($1)\nsw $26, 104($1)\nsw $27, 108($1)\nsw $28, 112($1)\nsw $29, 116($1)\nsw $30, 120($1)\n"
	"sw $31, 124($1)\n"
#if __mips_isa_rev < 6
	"mfhi $2\nsw $2, 128($1)\nmflo $2\nsw $2, 132($1)\n"
#else
	"sw $0, 128($1)\nsw $0, 132($1)\n"
#endif
	"lui $29, %hi(saved_sp)\nlw $29, %lo(saved_sp)($29)\n"
	"lw $31, 44($29)\nlw $16, 0($29)\nlw $17, 4($29)\nlw $18, 8($29)\nlw $19, 12($29)\n"
	"lw $20, 16($29)\nlw $21, 20($29)\nlw $22, 24($29)\nlw $23, 28($29)\nlw $30, 32($29)\nlw $28, 36($29)\n"
	"jr $31\naddiu $29, $29, 48\n"
	".globl epilogue_end\nepilogue_end:\n"
	".set at\n.set reorder\n");

u32 saved_sp;
static u32 header;
static u32 codebuf[MAX_WORDS];

int main(void)
{
	u32 *seed = (u32 *)SEED_ADDR;
	u32 *blob = (u32 *)BLOB_ADDR;
	long loader_len = (char *)loader_end - (char *)loader_begin;
	long epi_len = (char *)epilogue_end - (char *)epilogue_begin;

	for (;;) {
		if (!read_full(&header, 4))
			break;
		if (header > MAX_WORDS)
			return 4;
		if (!read_full(seed, 34 * 4) || !read_full((void *)SCRATCH_ADDR, SCRATCH_SIZE) ||
		    !read_full(codebuf, header * 4))
			return 5;
		copy((char *)blob - loader_len, loader_begin, loader_len);
		copy(blob, codebuf, header * 4);
		copy(blob + header, epilogue_begin, epi_len);
		run_case((u32)((char *)blob - loader_len));
		write_full((void *)SAVE_ADDR, 34 * 4);
		write_full((void *)SCRATCH_ADDR, SCRATCH_SIZE);
	}
	return 0;
}

__asm__(".text\n.set noreorder\n.globl __start\n__start:\n"
	"jal main\nnop\n"
	"move $4, $2\nli $2, 4001\nsyscall\n"
	".set reorder\n");
