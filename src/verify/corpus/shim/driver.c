/*
 * jitgen corpus driver: included at the end of the generated translation
 * unit, after the test table of lib/test_bpf.c. It runs every fill_helper
 * and writes every test to stdout as a binary stream that
 * src/verify/corpus/stream.ts reads. Written for jitgen.
 *
 * Stream (every integer little-endian, whatever the host):
 *   "JGTB" u32 STREAM_VERSION u32 MAX_TAIL_CALL_CNT u32 MAX_DATA
 *   then records, each starting with one tag byte:
 *   'T' a test of tests[]:
 *       u32 index, str name, u32 aux, i32 fill_status, u32 stack_depth,
 *       i32 expected_errcode, u32 nr_testruns, u8 data[MAX_DATA],
 *       u8 frag_data[MAX_DATA], 3 x (i32 data_size, u32 result),
 *       u8 generated, insns
 *   'A' the tail-call prog array: u32 ntests, u32 max_entries, u32 n,
 *       n x (str name, u32 id): the helpers prepare_tail_call_tests()
 *       resolves for BPF_CALL_REL
 *   'C' a test of tail_call_tests[]:
 *       u32 index, str name, u32 flags, i32 result, u32 stack_depth,
 *       u8 has_tail_call, insns
 *   'E' end of stream.
 *   str   = u16 length, bytes
 *   insns = u8 kind (0 eBPF, 1 classic), u32 count, count x 8 bytes:
 *           eBPF    code, src << 4 | dst, s16 off, s32 imm
 *           classic u16 code, u8 jt, u8 jf, u32 k
 */

#define JITGEN_STREAM_VERSION 1

static void jitgen_u8(unsigned int v)
{
	putchar((int)(v & 0xff));
}

static void jitgen_u16(unsigned int v)
{
	jitgen_u8(v);
	jitgen_u8(v >> 8);
}

static void jitgen_u32(u32 v)
{
	jitgen_u16(v & 0xffff);
	jitgen_u16(v >> 16);
}

static void jitgen_str(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	jitgen_u16((unsigned int)n);
	fwrite(s, 1, n, stdout);
}

static void jitgen_ebpf_insns(const struct bpf_insn *insn, u32 len)
{
	u32 i;

	jitgen_u8(0);
	jitgen_u32(len);
	for (i = 0; i < len; i++) {
		jitgen_u8(insn[i].code);
		jitgen_u8((unsigned int)(insn[i].src_reg << 4 | insn[i].dst_reg));
		jitgen_u16((u16)insn[i].off);
		jitgen_u32((u32)insn[i].imm);
	}
}

static void jitgen_classic_insns(const struct sock_filter *insn, u32 len)
{
	u32 i;

	jitgen_u8(1);
	jitgen_u32(len);
	for (i = 0; i < len; i++) {
		jitgen_u16(insn[i].code);
		jitgen_u8(insn[i].jt);
		jitgen_u8(insn[i].jf);
		jitgen_u32(insn[i].k);
	}
}

/*
 * The program length as the kernel's runner computes it for a static test:
 * the table is read as sock_filter entries (8 bytes, like bpf_insn) and
 * trailing entries whose 16-bit code and 32-bit k are zero are dropped;
 * the first entry always counts.
 */
static u32 jitgen_static_len(const struct bpf_test *t)
{
	int len;

	for (len = MAX_INSNS - 1; len > 0; len--)
		if (t->u.insns[len].code != 0 || t->u.insns[len].k != 0)
			break;
	return (u32)len + 1;
}

static void jitgen_test(int index, struct bpf_test *t)
{
	int fill_status = 0, generated = t->fill_helper != NULL, i;
	bool classic = (t->aux & TEST_TYPE_MASK) == CLASSIC;
	const void *insns;
	u32 len;

	if (generated) {
		fill_status = t->fill_helper(t);
		if (fill_status < 0) {
			fprintf(stderr, "fill_helper of test %d failed: %d\n",
				index, fill_status);
			exit(3);
		}
		insns = t->u.ptr.insns;
		len = t->u.ptr.len;
	} else {
		insns = t->u.insns;
		len = jitgen_static_len(t);
	}

	jitgen_u8('T');
	jitgen_u32((u32)index);
	jitgen_str(t->descr);
	jitgen_u32(t->aux);
	jitgen_u32((u32)fill_status);
	jitgen_u32((u32)t->stack_depth);
	jitgen_u32((u32)t->expected_errcode);
	jitgen_u32((u32)t->nr_testruns);
	fwrite(t->data, 1, MAX_DATA, stdout);
	fwrite(t->frag_data, 1, MAX_DATA, stdout);
	for (i = 0; i < MAX_SUBTESTS; i++) {
		jitgen_u32((u32)t->test[i].data_size);
		jitgen_u32(t->test[i].result);
	}
	jitgen_u8((unsigned int)generated);
	if (classic)
		jitgen_classic_insns(insns, len);
	else
		jitgen_ebpf_insns(insns, len);

	if (generated) {
		kfree(t->u.ptr.insns);
		t->u.ptr.insns = NULL;
	}
}

/*
 * A tail-call test as prepare_tail_call_tests() loads it: the length counts
 * LD_IMM64 as two slots and stops at the first zero opcode; the index
 * operand of each TAIL_CALL() (a MOV of TAIL_CALL_MARKER into R3 whose off
 * is relative) becomes the absolute index, ntests for TAIL_CALL_NULL and
 * ntests + 1 for TAIL_CALL_INVALID; helper calls written BPF_CALL_REL(id)
 * become ordinary helper calls (src_reg 0, imm = helper id) that a later
 * stage binds to addresses. The LD_IMM64 of TAIL_CALL_MARKER into R2 is
 * kept unchanged: it stands for the prog array's address.
 */
static void jitgen_tail_call_test(int which, int ntests)
{
	struct tail_call_test *test = &tail_call_tests[which];
	struct bpf_insn insns[MAX_INSNS];
	int len, i;

	for (len = 0; len < MAX_INSNS; len++) {
		/* The zero test is on the slot the step started at, so an
		 * LD_IMM64 never ends the program at its second half. */
		const struct bpf_insn *first = &test->insns[len];

		if (len < MAX_INSNS - 1 &&
		    first->code == (BPF_LD | BPF_DW | BPF_IMM))
			len++;
		if (first->code == 0)
			break;
	}
	memcpy(insns, test->insns, sizeof(insns));

	for (i = 0; i < len; i++) {
		struct bpf_insn *insn = &insns[i];

		if (insn->code == (BPF_ALU | BPF_MOV | BPF_K) &&
		    insn->imm == TAIL_CALL_MARKER) {
			if (insn->off == TAIL_CALL_NULL)
				insn->imm = ntests;
			else if (insn->off == TAIL_CALL_INVALID)
				insn->imm = ntests + 1;
			else
				insn->imm = which + insn->off;
			insn->off = 0;
		} else if (insn->code == (BPF_JMP | BPF_CALL) &&
			   insn->src_reg == BPF_PSEUDO_CALL) {
			insn->src_reg = 0;
		}
	}

	jitgen_u8('C');
	jitgen_u32((u32)which);
	jitgen_str(test->descr);
	jitgen_u32((u32)test->flags);
	jitgen_u32((u32)test->result);
	jitgen_u32((u32)test->stack_depth);
#if JITGEN_TC_HAS_TAIL_CALL
	jitgen_u8(test->has_tail_call);
#else
	jitgen_u8(0); /* before 6.2 test_bpf left tail_call_reachable unset */
#endif
	jitgen_ebpf_insns(insns, (u32)len);
}

/* The helper ids BPF_CALL_REL may name in tail_call_tests[]: the ones
 * prepare_tail_call_tests() resolves to a kernel function. */
static void jitgen_helpers(void)
{
	static const struct {
		const char *name;
		u32 id;
	} helpers[] = {
		{ "get_numa_node_id", BPF_FUNC_get_numa_node_id },
		{ "ktime_get_ns", BPF_FUNC_ktime_get_ns },
		{ "ktime_get_boot_ns", BPF_FUNC_ktime_get_boot_ns },
		{ "ktime_get_coarse_ns", BPF_FUNC_ktime_get_coarse_ns },
		{ "jiffies64", BPF_FUNC_jiffies64 },
		{ "test_func", BPF_FUNC_test_func },
	};
	size_t i;

	jitgen_u32((u32)ARRAY_SIZE(helpers));
	for (i = 0; i < ARRAY_SIZE(helpers); i++) {
		jitgen_str(helpers[i].name);
		jitgen_u32(helpers[i].id);
	}
}

int main(void)
{
	int ntests = (int)ARRAY_SIZE(tail_call_tests), i;

	fwrite("JGTB", 1, 4, stdout);
	jitgen_u32(JITGEN_STREAM_VERSION);
	jitgen_u32(MAX_TAIL_CALL_CNT);
	jitgen_u32(MAX_DATA);

	for (i = 0; i < (int)ARRAY_SIZE(tests); i++)
		jitgen_test(i, &tests[i]);

	/* The kernel's array has one more slot than tests, left NULL. */
	jitgen_u8('A');
	jitgen_u32((u32)ntests);
	jitgen_u32((u32)ntests + 1);
	jitgen_helpers();
	for (i = 0; i < ntests; i++)
		jitgen_tail_call_test(i, ntests);

	jitgen_u8('E');
	return fflush(stdout) == 0 ? 0 : 1;
}
