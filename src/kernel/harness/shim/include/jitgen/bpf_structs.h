/*
 * jitgen harness shim: the kernel structures a BPF JIT reads, laid out with
 * the binding's offsets (generated into jitgen/target.h) where the JITed code
 * itself depends on them: bpf_array.map.max_entries, bpf_array.ptrs and
 * bpf_prog.bpf_func. Fields only the host JIT reads go after the bound ones;
 * their place does not show in any emitted word.
 *
 * Needs struct bpf_insn and the kernel integer types declared first. Shared
 * by the JIT's translation units and the driver.
 */
#ifndef JITGEN_SHIM_BPF_STRUCTS_H
#define JITGEN_SHIM_BPF_STRUCTS_H

#ifndef JITGEN_OFF_ARRAY_MAX_ENTRIES
#error "jitgen/target.h (generated) must come first"
#endif

#define JITGEN_PAD(n) char __jitgen_pad_##n

struct bpf_map {
	JITGEN_PAD(0)[JITGEN_OFF_ARRAY_MAX_ENTRIES];
	u32 max_entries;
};

struct bpf_array {
	struct bpf_map map;
	JITGEN_PAD(1)[JITGEN_OFF_ARRAY_PTRS - JITGEN_OFF_ARRAY_MAX_ENTRIES - 4];
	void *ptrs[];
};

struct bpf_prog;

struct bpf_prog_aux {
	u32 stack_depth;
	bool verifier_zext;
	bool tail_call_reachable;
	bool func_idx_valid;
	u32 func_idx;
	u32 func_cnt;
	u32 real_func_cnt;
	struct bpf_prog **func;
	void *jit_data;
};

struct bpf_prog {
	JITGEN_PAD(2)[JITGEN_OFF_PROG_BPF_FUNC];
	unsigned int (*bpf_func)(const void *ctx, const struct bpf_insn *insn);
	struct bpf_prog_aux *aux;
	u32 len;
	u32 jited_len;
	u16 jited:1,
	    jit_requested:1,
	    blinding_requested:1,
	    blinded:1,
	    is_func:1;
	struct bpf_insn insnsi[];
};

/* A kfunc's prototype as BTF gives it to a JIT (include/linux/bpf.h). */
#define MAX_BPF_FUNC_ARGS 12
#define MAX_BPF_FUNC_REG_ARGS 5
#define BTF_FMODEL_STRUCT_ARG (1u << 0)
#define BTF_FMODEL_SIGNED_ARG (1u << 1)

struct btf_func_model {
	u8 ret_size;
	u8 ret_flags;
	u8 nr_args;
	u8 arg_size[MAX_BPF_FUNC_ARGS];
	u8 arg_flags[MAX_BPF_FUNC_ARGS];
};

/* The kernel's image header: the JIT only passes it back to the allocator. */
struct bpf_binary_header {
	u32 size;
	u8 image[] __attribute__((aligned(4)));
};

_Static_assert(__builtin_offsetof(struct bpf_array, map.max_entries) == JITGEN_OFF_ARRAY_MAX_ENTRIES, "bpf_array.map.max_entries");
_Static_assert(__builtin_offsetof(struct bpf_array, ptrs) == JITGEN_OFF_ARRAY_PTRS, "bpf_array.ptrs");
_Static_assert(__builtin_offsetof(struct bpf_prog, bpf_func) == JITGEN_OFF_PROG_BPF_FUNC, "bpf_prog.bpf_func");

#endif /* JITGEN_SHIM_BPF_STRUCTS_H */
