/*
 * jitgen harness driver: runs a kernel BPF JIT (compiled unmodified with the
 * shims of include/) on a stream of programs and writes back what it emitted.
 * Written for jitgen. The stream layout is mirrored in ../stream.ts.
 *
 * stdin, little-endian u32 words:
 *   magic "JGH2", __bpf_call_base, count,
 *   then per program: insn count, stack depth, flags (bit 0 verifier_zext,
 *   bit 1 tail_call_reachable), image base, kfunc count, then the
 *   instructions (struct bpf_insn, 8 bytes each, the host's = RFC 9669
 *   little-endian form), then per kfunc 16 bytes: the imm of its calls
 *   (func - __bpf_call_base), ret_size, nr_args, arg_size[5], arg_flags[5].
 * stdout: magic, count, then per program:
 *   jited (0/1), image words, message bytes, message (padded to 4), words.
 *
 * The image goes at exactly the requested base (mmap MAP_FIXED_NOREPLACE in
 * this 32-bit process): MIPS `j` encodes bits of the absolute target, so the
 * words depend on where the image lives, and they must equal what the kernel
 * would emit at that address. A program with bpf2bpf calls is split into its
 * functions as the verifier's jit_subprogs() does; each function's image
 * goes right after the one before, then the extra pass fills in the calls,
 * and the words reported are all the functions' images in order.
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

#define MAGIC 0x3248474au /* "JGH2" */
#define BPF_PSEUDO_CALL 1
#define BPF_JMP_CALL 0x85
#define KFUNC_ARGS 5
#define PAGE 4096u
#define MSG_MAX 4096

int bpf_jit_enable = 1;
struct bpf_prog *bpf_int_jit_compile(struct bpf_prog *prog);

static u32 call_base;
static u32 image_base;

/* The kfunc models of the program being compiled */
static struct kfunc_model {
	s32 imm;
	struct btf_func_model fm;
} *kfuncs;
static u32 nr_kfuncs;
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

/* One mapping, reused while the requested image fits in it, grown when the
 * image follows on from it (the functions of one program). */
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
	if (map_len && start >= map_start && start <= map_start + map_len &&
	    end > map_start + map_len) {
		u32 from = map_start + map_len;
		void *p = mmap((void *)from, end - from, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED || (u32)p != from)
			die("cannot grow the image area");
		map_len = end - map_start;
	}
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

void bpf_prog_unlock_free(struct bpf_prog *fp)
{
	(void)fp;
}

/*
 * As kernel/bpf/core.c: helper and kfunc calls are fixed addresses,
 * __bpf_call_base + imm; a bpf-to-bpf call's is known in the extra pass,
 * from the program's functions (off is the callee's number).
 */
int bpf_jit_get_func_addr(const struct bpf_prog *prog, const struct bpf_insn *insn,
			  bool extra_pass, u64 *func_addr, bool *func_addr_fixed)
{
	*func_addr_fixed = insn->src_reg != BPF_PSEUDO_CALL;
	if (!*func_addr_fixed) {
		if (!extra_pass)
			*func_addr = 0;
		else if (prog->aux->func && insn->off >= 0 &&
			 (u32)insn->off < prog->aux->real_func_cnt)
			*func_addr = (u32)prog->aux->func[insn->off]->bpf_func;
		else
			return -22;
		return 0;
	}
	*func_addr = (u32)(call_base + (u32)insn->imm);
	return 0;
}

/* As the kernel, by the imm of the call (after the verifier's fixup) */
const struct btf_func_model *bpf_jit_find_kfunc_model(const struct bpf_prog *prog,
						       const struct bpf_insn *insn)
{
	u32 i;

	(void)prog;
	for (i = 0; i < nr_kfuncs; i++)
		if (kfuncs[i].imm == insn->imm)
			return &kfuncs[i].fm;
	return NULL;
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

static struct bpf_prog *new_prog(u32 len, struct bpf_prog_aux *aux)
{
	struct bpf_prog *prog = calloc(1, sizeof(*prog) + (size_t)len * sizeof(struct bpf_insn));

	if (!prog)
		die("out of memory");
	prog->aux = aux;
	prog->len = len;
	prog->jit_requested = 1;
	return prog;
}

static bool is_local_call(const struct bpf_insn *insn)
{
	return insn->code == BPF_JMP_CALL && insn->src_reg == BPF_PSEUDO_CALL;
}

/* JIT one program that has no bpf2bpf call; its image is at image_base. */
static u32 compile_one(struct bpf_prog *prog)
{
	struct bpf_prog *out = bpf_int_jit_compile(prog);

	if (out != prog)
		die("the JIT returned another program (blinding is off)");
	if (!out->jited)
		return 0;
	if ((u32)out->bpf_func != image_base)
		die("the JIT placed the image elsewhere");
	return out->jited_len / 4;
}

/*
 * JIT a program with bpf2bpf calls as the verifier's jit_subprogs() does:
 * one bpf_prog per function (calls name their callee by number in off), each
 * JITed on its own, right after the one before, then the extra pass with
 * every function's address known. Returns the words from @base, 0 if the JIT
 * refused a function.
 */
static u32 compile_funcs(const struct bpf_prog *whole, const u32 *starts, u32 nr_funcs,
			 u32 base)
{
	struct bpf_prog **funcs = calloc(nr_funcs, sizeof(*funcs));
	struct bpf_prog_aux *auxs = calloc(nr_funcs, sizeof(*auxs));
	u32 next = base, words = 0, i, j, k;

	if (!funcs || !auxs)
		die("out of memory");
	for (k = 0; k < nr_funcs; k++) {
		u32 first = starts[k], end = k + 1 < nr_funcs ? starts[k + 1] : whole->len;

		auxs[k] = *whole->aux;
		auxs[k].func_idx = k;
		funcs[k] = new_prog(end - first, &auxs[k]);
		funcs[k]->is_func = 1;
		memcpy(funcs[k]->insnsi, &whole->insnsi[first], (end - first) * sizeof(struct bpf_insn));
		for (i = 0; i < end - first; i++) {
			struct bpf_insn *insn = &funcs[k]->insnsi[i];
			s32 to;

			if (!is_local_call(insn))
				continue;
			to = (s32)(first + i) + insn->imm + 1;
			for (j = 0; j < nr_funcs && starts[j] != (u32)to; j++)
				;
			insn->off = (s16)j;
			insn->imm = 1;
		}
	}
	for (k = 0; k < nr_funcs; k++) {
		image_base = next;
		if (!compile_one(funcs[k]))
			goto out;
		next += funcs[k]->jited_len;
	}
	for (k = 0; k < nr_funcs; k++) {
		auxs[k].func = funcs;
		auxs[k].func_cnt = nr_funcs;
		auxs[k].real_func_cnt = nr_funcs;
		for (i = 0; i < funcs[k]->len; i++) {
			struct bpf_insn *insn = &funcs[k]->insnsi[i];

			if (is_local_call(insn))
				insn->imm = (s32)((u32)funcs[insn->off]->bpf_func - call_base);
		}
	}
	/* a JIT that allocated a new image in the extra pass would get another place */
	image_base = next;
	for (k = 0; k < nr_funcs; k++) {
		void *old = (void *)funcs[k]->bpf_func;
		struct bpf_prog *out = bpf_int_jit_compile(funcs[k]);

		if (out != funcs[k] || !out->jited || (void *)out->bpf_func != old) {
			jitgen_log(3, "JIT doesn't support bpf-to-bpf calls\n");
			goto out;
		}
	}
	words = (next - base) / 4;
out:
	for (k = 0; k < nr_funcs; k++)
		free(funcs[k]);
	free(funcs);
	free(auxs);
	image_base = base;
	return words;
}

/* The first instruction of each function: 0 and every call's target */
static u32 find_funcs(const struct bpf_prog *prog, u32 *starts)
{
	u32 n = 0, i;
	u8 *start = calloc(prog->len + 1, 1);

	if (!start)
		die("out of memory");
	start[0] = 1;
	for (i = 0; i < prog->len; i++) {
		const struct bpf_insn *insn = &prog->insnsi[i];
		s64 to = (s64)i + insn->imm + 1;

		if (is_local_call(insn) && to >= 0 && to < prog->len)
			start[to] = 1;
	}
	for (i = 0; i < prog->len; i++)
		if (start[i])
			starts[n++] = i;
	free(start);
	return n;
}

static void read_kfuncs(u32 n)
{
	u32 i, k;

	free(kfuncs);
	kfuncs = calloc(n ? n : 1, sizeof(*kfuncs));
	if (!kfuncs)
		die("out of memory");
	nr_kfuncs = n;
	for (i = 0; i < n; i++) {
		u8 rec[12];

		kfuncs[i].imm = (s32)read_u32();
		read_exact(rec, sizeof(rec));
		kfuncs[i].fm.ret_size = rec[0];
		kfuncs[i].fm.nr_args = rec[1];
		for (k = 0; k < KFUNC_ARGS; k++) {
			kfuncs[i].fm.arg_size[k] = rec[2 + k];
			kfuncs[i].fm.arg_flags[k] = rec[2 + KFUNC_ARGS + k];
		}
	}
}

int main(void)
{
	static char inbuf[1 << 20], outbuf[1 << 20];
	struct bpf_prog_aux aux;
	u32 count, i;

	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (read_u32() != MAGIC)
		die("not a jitgen harness stream (or an older one)");
	call_base = read_u32();
	count = read_u32();
	write_u32(MAGIC);
	write_u32(count);

	for (i = 0; i < count; i++) {
		u32 len = read_u32();
		u32 stack_depth = read_u32();
		u32 flags = read_u32();
		u32 base = read_u32();
		u32 n_kfuncs = read_u32();
		struct bpf_prog *prog;
		u32 words, nr_funcs, *starts;

		if (base & 3)
			die("image base not word aligned");
		image_base = base;
		memset(&aux, 0, sizeof(aux));
		aux.stack_depth = stack_depth;
		aux.verifier_zext = flags & 1;
		aux.tail_call_reachable = (flags >> 1) & 1;
		prog = new_prog(len, &aux);
		read_exact(prog->insnsi, (size_t)len * sizeof(struct bpf_insn));
		read_kfuncs(n_kfuncs);
		msg_len = 0;

		starts = calloc(len + 1, sizeof(*starts));
		if (!starts)
			die("out of memory");
		nr_funcs = find_funcs(prog, starts);
		words = nr_funcs > 1 ? compile_funcs(prog, starts, nr_funcs, base) : compile_one(prog);
		write_u32(words != 0);
		write_u32(words);
		write_u32((u32)msg_len);
		write_exact(msg, msg_len);
		write_exact("\0\0\0", (4 - (msg_len & 3)) & 3);
		write_exact((const void *)base, (size_t)words * 4);
		free(starts);
		free(prog);
	}
	if (fflush(stdout) != 0)
		die("cannot write the output stream");
	return 0;
}
