/*
 * jitgen classic-conversion driver: included at the end of the generated
 * translation unit, after the tree's bpf_check_classic(),
 * bpf_convert_filter() and seccomp_check_filter(). It reads classic
 * programs from stdin and writes what the kernel makes of them: the checks
 * of bpf_prepare_filter() (bpf_check_classic, then for seccomp filters
 * seccomp_check_filter), then the two passes of bpf_migrate_filter().
 * Written for jitgen.
 *
 * Input, text:  "<kind> <len>" then len lines "code jt jf k" (decimal);
 *               kind 'S' socket filter, 'C' seccomp filter; "E" ends.
 * Output, text: "ERR <errno>" or "OK <stack_depth> <len>" then len lines
 *               "code dst src off imm [callee]" (decimal, imm signed);
 *               callee names the kernel function of a call.
 */
#include <stdio.h>

#define JITGEN_MAX_INPUT (1 << 20)

#define JITGEN_DEFINE_CALLEE(name, v) \
	__attribute__((noinline, used)) JITGEN_CALLEE(name) \
	{ (void)r1; (void)r2; (void)r3; (void)r4; (void)r5; \
	  __asm__ volatile(""); return v; }

JITGEN_DEFINE_CALLEE(__bpf_call_base, 0)
JITGEN_DEFINE_CALLEE(bpf_skb_load_helper_8, 1)
JITGEN_DEFINE_CALLEE(bpf_skb_load_helper_16, 2)
JITGEN_DEFINE_CALLEE(bpf_skb_load_helper_32, 3)
JITGEN_DEFINE_CALLEE(bpf_skb_get_pay_offset, 4)
JITGEN_DEFINE_CALLEE(bpf_skb_get_nlattr, 5)
JITGEN_DEFINE_CALLEE(bpf_skb_get_nlattr_nest, 6)
JITGEN_DEFINE_CALLEE(bpf_get_raw_cpu_id, 7)
JITGEN_DEFINE_CALLEE(bpf_user_rnd_u32, 8)

static const struct {
	const char *name;
	void *fn;
} jitgen_callees[] = {
	{ "bpf_skb_load_helper_8", bpf_skb_load_helper_8 },
	{ "bpf_skb_load_helper_16", bpf_skb_load_helper_16 },
	{ "bpf_skb_load_helper_32", bpf_skb_load_helper_32 },
	{ "bpf_skb_get_pay_offset", bpf_skb_get_pay_offset },
	{ "bpf_skb_get_nlattr", bpf_skb_get_nlattr },
	{ "bpf_skb_get_nlattr_nest", bpf_skb_get_nlattr_nest },
	{ "bpf_get_raw_cpu_id", bpf_get_raw_cpu_id },
	{ "bpf_user_rnd_u32", bpf_user_rnd_u32 },
};

static int jitgen_convert(struct sock_filter *prog, int len, int seccomp)
{
	struct bpf_prog_aux aux = { 0 };
	struct bpf_prog *fp;
	bool seen_ld_abs = false;
	int err, new_len, i;
	size_t c;

	/* bpf_prog_create(): the basic checks come first */
	err = bpf_check_basics_ok(prog, (unsigned int)len) ? 0 : -EINVAL;
	if (!err)
		err = bpf_check_classic(prog, (unsigned int)len);
	if (!err && seccomp)
		err = seccomp_check_filter(prog, (unsigned int)len);
	if (!err)
		err = bpf_convert_filter(prog, len, NULL, &new_len, &seen_ld_abs);
	if (err) {
		printf("ERR %d\n", err);
		return 0;
	}
	fp = calloc(1, sizeof(*fp) + (size_t)new_len * sizeof(struct bpf_insn));
	if (!fp)
		return -1;
	fp->aux = &aux;
	err = bpf_convert_filter(prog, len, fp, &new_len, &seen_ld_abs);
	if (err) {
		printf("ERR %d\n", err);
		free(fp);
		return 0;
	}
	printf("OK %u %d\n", aux.stack_depth, new_len);
	for (i = 0; i < new_len; i++) {
		const struct bpf_insn *in = &fp->insnsi[i];
		const char *callee = "";

		if (in->code == (BPF_JMP | BPF_CALL)) {
			for (c = 0; c < ARRAY_SIZE(jitgen_callees); c++)
				if ((s32)BPF_CALL_IMM(jitgen_callees[c].fn) == in->imm)
					callee = jitgen_callees[c].name;
		}
		printf("%u %u %u %d %d %s\n", in->code, in->dst_reg, in->src_reg,
		       in->off, in->imm, callee);
	}
	free(fp);
	return 0;
}

int main(void)
{
	/* room beyond BPF_MAXINSNS: tests that must be rejected for length */
	static struct sock_filter prog[JITGEN_MAX_INPUT];
	char kind;
	int len, i;

	while (scanf(" %c", &kind) == 1 && kind != 'E') {
		if (scanf("%d", &len) != 1 || len < 0 || len > JITGEN_MAX_INPUT)
			return 2;
		for (i = 0; i < len; i++) {
			unsigned int code, jt, jf, k;

			if (scanf("%u %u %u %u", &code, &jt, &jf, &k) != 4)
				return 2;
			prog[i].code = (u16)code;
			prog[i].jt = (u8)jt;
			prog[i].jf = (u8)jf;
			prog[i].k = k;
		}
		if (jitgen_convert(prog, len, kind == 'C'))
			return 3;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
