/*
 * jitgen harness shim: what the kernel-internal <linux/filter.h> and
 * <linux/bpf.h> give a JIT: the uapi instruction set (the tree's own header),
 * the kernel-internal opcodes and registers, the structures and the JIT's
 * entry points into the BPF core (implemented by the driver).
 */
#ifndef JITGEN_SHIM_BPF_H
#define JITGEN_SHIM_BPF_H

#include <uapi/linux/bpf.h>

/* Kernel-internal instruction encodings and registers (include/linux/filter.h). */
#define BPF_TAIL_CALL 0xf0
#define BPF_PROBE_MEM 0x20
#define BPF_PROBE_MEMSX 0x40
#define BPF_PROBE_MEM32 0xa0
#define BPF_PROBE_ATOMIC 0xe0
#define BPF_NOSPEC 0xc0
#define BPF_REG_ARG1 BPF_REG_1
#define BPF_REG_CTX BPF_REG_6
#define BPF_REG_FP BPF_REG_10
#define BPF_REG_AX MAX_BPF_REG
#define MAX_BPF_EXT_REG (MAX_BPF_REG + 1)
#define MAX_BPF_JIT_REG MAX_BPF_EXT_REG
#define BPF_REG_TMP BPF_REG_8
#define MAX_BPF_STACK 512
#define MAX_TAIL_CALL_CNT JITGEN_MAX_TAIL_CALL_CNT

#include <jitgen/bpf_structs.h>

/* sysctl net.core.bpf_jit_enable (the driver's: 1, no dumps) */
extern int bpf_jit_enable;

typedef void (*bpf_jit_fill_hole_t)(void *area, unsigned int size);

struct bpf_binary_header *bpf_jit_binary_alloc(unsigned int proglen, u8 **image_ptr,
					       unsigned int alignment,
					       bpf_jit_fill_hole_t bpf_fill_ill_insns);
void bpf_jit_binary_free(struct bpf_binary_header *hdr);
int bpf_jit_binary_lock_ro(struct bpf_binary_header *hdr);
struct bpf_prog *bpf_jit_blind_constants(struct bpf_prog *fp);
void bpf_jit_prog_release_other(struct bpf_prog *fp, struct bpf_prog *fp_other);
void bpf_prog_fill_jited_linfo(struct bpf_prog *prog, const u32 *insn_to_jit_off);
int bpf_jit_get_func_addr(const struct bpf_prog *prog, const struct bpf_insn *insn,
			  bool extra_pass, u64 *func_addr, bool *func_addr_fixed);

const struct btf_func_model *bpf_jit_find_kfunc_model(const struct bpf_prog *prog,
						       const struct bpf_insn *insn);

/* Freeing a JITed program (bpf_jit_free; the harness never frees one). */
#define PAGE_MASK (~4095ul)

static inline bool bpf_prog_kallsyms_verify_off(const struct bpf_prog *fp)
{
	(void)fp;
	return true;
}

void bpf_prog_unlock_free(struct bpf_prog *fp);
void bpf_jit_dump(unsigned int flen, unsigned int proglen, u32 pass, void *image);

/* What the JIT defines for the BPF core. */
struct bpf_prog *bpf_int_jit_compile(struct bpf_prog *prog);
bool bpf_jit_needs_zext(void);
bool bpf_jit_supports_kfunc_call(void);
void bpf_jit_free(struct bpf_prog *fp);

#endif /* JITGEN_SHIM_BPF_H */
