/*
 * jitgen harness driver: runs a kernel BPF JIT (compiled unmodified with the
 * shims of include/) on a stream of programs and writes back what it emitted.
 * Written for jitgen. The stream layout is mirrored in ../stream.ts.
 *
 * stdin, little-endian u32 words:
 *   magic "JGH1", __bpf_call_base, count,
 *   then per program: insn count, stack depth, flags (bit 0 verifier_zext,
 *   bit 1 tail_call_reachable), image base, then the instructions
 *   (struct bpf_insn, 8 bytes each, the host's = RFC 9669 little-endian form).
 * stdout: magic, count, then per program:
 *   jited (0/1), image words, message bytes, message (padded to 4), words.
 *
 * The image goes at exactly the requested base (mmap MAP_FIXED_NOREPLACE in
 * this 32-bit process): MIPS `j` encodes bits of the absolute target, so the
 * words depend on where the image lives, and they must equal what the kernel
 * would emit at that address.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "include/jitgen/types.h"

/* The uapi layout of one instruction; the JIT's units get it from the tree. */
struct bpf_insn {
	u8 code;
	u8 dst_reg:4;
	u8 src_reg:4;
	s16 off;
	s32 imm;
};
_Static_assert(sizeof(struct bpf_insn) == 8, "struct bpf_insn");

#include "include/jitgen/bpf_structs.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MAGIC 0x3148474au /* "JGH1" */
#define BPF_PSEUDO_CALL 1
#define PAGE 4096u
#define MSG_MAX 4096

int bpf_jit_enable = 1;
struct bpf_prog *bpf_int_jit_compile(struct bpf_prog *prog);

static u32 call_base;
static u32 image_base;
static char msg[MSG_MAX];
static size_t msg_len;

static void die(const char *what)
{
	fprintf(stderr, "jitgen harness driver: %s\n", what);
	exit(3);
}

/* ---- the kernel services the JIT calls ---- */

void jitgen_log(int level, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)level;
	if (msg_len >= MSG_MAX - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg + msg_len, MSG_MAX - msg_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		msg_len += (size_t)n < MSG_MAX - msg_len ? (size_t)n : MSG_MAX - 1 - msg_len;
}

void jitgen_panic(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jitgen harness driver: the JIT panicked: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(3);
}

void *jitgen_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}

void jitgen_free(const void *p)
{
	free((void *)p);
}

/* One mapping, reused while the requested image fits in it. */
static u32 map_start, map_len;

static struct bpf_binary_header header;

struct bpf_binary_header *bpf_jit_binary_alloc(unsigned int proglen, u8 **image_ptr,
					       unsigned int alignment,
					       void (*fill)(void *area, unsigned int size))
{
	u32 start = image_base & ~(PAGE - 1);
	u32 end = (image_base + proglen + PAGE - 1) & ~(PAGE - 1);

	(void)alignment;
	if (end <= start)
		end = start + PAGE;
	if (start < map_start || end > map_start + map_len) {
		void *p;

		if (map_len && munmap((void *)map_start, map_len) != 0)
			die("munmap of the image area failed");
		map_len = 0;
		p = mmap((void *)start, end - start, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED || (u32)p != start) {
			fprintf(stderr, "jitgen harness driver: cannot map the image at 0x%08x (%u bytes): %s\n",
				image_base, proglen, p == MAP_FAILED ? "address in use or refused" : "placed elsewhere");
			exit(3);
		}
		map_start = start;
		map_len = end - start;
	}
	fill((void *)image_base, proglen);
	header.size = proglen;
	*image_ptr = (u8 *)image_base;
	return &header;
}

void bpf_jit_binary_free(struct bpf_binary_header *hdr)
{
	(void)hdr;
}

int bpf_jit_binary_lock_ro(struct bpf_binary_header *hdr)
{
	(void)hdr;
	return 0;
}

/* Constant blinding is off: the program is JITed as given. */
struct bpf_prog *bpf_jit_blind_constants(struct bpf_prog *fp)
{
	return fp;
}

void bpf_jit_prog_release_other(struct bpf_prog *fp, struct bpf_prog *fp_other)
{
	(void)fp;
	(void)fp_other;
}

void bpf_prog_fill_jited_linfo(struct bpf_prog *prog, const u32 *insn_to_jit_off)
{
	(void)prog;
	(void)insn_to_jit_off;
}

void bpf_jit_dump(unsigned int flen, unsigned int proglen, u32 pass, void *image)
{
	(void)flen;
	(void)proglen;
	(void)pass;
	(void)image;
}

/*
 * Helper calls are fixed addresses: __bpf_call_base + imm. bpf-to-bpf calls
 * are not known before the extra pass, which this harness (like test_bpf)
 * never makes, so they report "not fixed" with a placeholder address.
 */
int bpf_jit_get_func_addr(const struct bpf_prog *prog, const struct bpf_insn *insn,
			  bool extra_pass, u64 *func_addr, bool *func_addr_fixed)
{
	(void)prog;
	*func_addr_fixed = insn->src_reg != BPF_PSEUDO_CALL;
	if (!*func_addr_fixed) {
		if (extra_pass)
			return -22;
		*func_addr = 0;
		return 0;
	}
	*func_addr = (u32)(call_base + (u32)insn->imm);
	return 0;
}

/* ---- the stream ---- */

static void read_exact(void *buf, size_t n)
{
	if (n && fread(buf, 1, n, stdin) != n)
		die("truncated input stream");
}

static u32 read_u32(void)
{
	u32 v;

	read_exact(&v, 4);
	return v;
}

static void write_exact(const void *buf, size_t n)
{
	if (n && fwrite(buf, 1, n, stdout) != n)
		die("cannot write the output stream");
}

static void write_u32(u32 v)
{
	write_exact(&v, 4);
}

int main(void)
{
	static char inbuf[1 << 20], outbuf[1 << 20];
	struct bpf_prog_aux aux;
	u32 count, i;

	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (read_u32() != MAGIC)
		die("not a jitgen harness stream");
	call_base = read_u32();
	count = read_u32();
	write_u32(MAGIC);
	write_u32(count);

	for (i = 0; i < count; i++) {
		u32 len = read_u32();
		u32 stack_depth = read_u32();
		u32 flags = read_u32();
		struct bpf_prog *prog, *out;
		u32 words = 0;
		bool jited;

		image_base = read_u32();
		if (image_base & 3)
			die("image base not word aligned");
		prog = calloc(1, sizeof(*prog) + (size_t)len * sizeof(struct bpf_insn));
		if (!prog)
			die("out of memory");
		read_exact(prog->insnsi, (size_t)len * sizeof(struct bpf_insn));
		memset(&aux, 0, sizeof(aux));
		aux.stack_depth = stack_depth;
		aux.verifier_zext = flags & 1;
		aux.tail_call_reachable = (flags >> 1) & 1;
		prog->aux = &aux;
		prog->len = len;
		prog->jit_requested = 1;
		msg_len = 0;

		out = bpf_int_jit_compile(prog);
		jited = out && out->jited;
		if (jited) {
			if ((u32)out->bpf_func != image_base)
				die("the JIT placed the image elsewhere");
			words = out->jited_len / 4;
		}
		write_u32(jited);
		write_u32(words);
		write_u32((u32)msg_len);
		write_exact(msg, msg_len);
		write_exact("\0\0\0", (4 - (msg_len & 3)) & 3);
		write_exact((const void *)image_base, jited ? (size_t)words * 4 : 0);
		if (out && out != prog)
			die("the JIT returned another program (blinding is off)");
		free(prog);
	}
	if (fflush(stdout) != 0)
		die("cannot write the output stream");
	return 0;
}
