// The path to proofs: the interpreter's own `step` run on Z3 terms. The expected side of
// each claim is written with Z3's operators directly (not with the semantics), so the
// proof compares two independent definitions.
import { beforeAll, describe, expect, test } from 'vitest';
import { makeSymbolic, type Symbolic, type SymBV } from '../../src/bv/symbolic.ts';
import { step, type BpfState, type SemInsn } from '../../src/bpf/semantics.ts';

let S: Symbolic;
beforeAll(async () => {
  S = await makeSymbolic();
}, 60_000);

/** A state with fresh 64-bit registers r0..r10 and a symbolic memory. */
function symbolicState(prefix: string): BpfState<SymBV> {
  const regs: SymBV[] = [];
  for (let r = 0; r < 12; r++) regs.push(S.fresh(`${prefix}r${r}`, 64));
  return { regs, mem: S.memory(`${prefix}mem`) };
}

describe('symbolic smoke proofs of the BPF semantics', () => {
  test('ALU64 ADD X: r0 = r0 + r1 for all 64-bit inputs', async () => {
    const st = symbolicState('add_');
    const [r0, r1] = [st.regs[0]!, st.regs[1]!];
    const e = step(S.bv, st, { code: 0x0f, dst: 0, src: 1, off: 0, imm: 0 }, 0, undefined, { order: 'be' });
    expect(e.kind).toBe('next');
    const r = await S.prove(st.regs[0]!.eq(r0.add(r1)));
    expect(r.status).toBe('proved');
  }, 60_000);

  test('ALU MOD K with a symbolic imm: zext(lo32(dst)) when imm is 0, else the unsigned remainder', async () => {
    const st = symbolicState('mod_');
    const dst = st.regs[3]!;
    const imm = S.fresh('mod_imm', 32);
    const insn: SemInsn<SymBV> = { code: 0x94, dst: 3, src: 0, off: 0, imm: 0, immV: imm };
    step(S.bv, st, insn, 0, undefined, { order: 'le' });
    const { ctx } = S;
    const lo = dst.extract(31, 0);
    const expected = ctx.If(imm.eq(ctx.BitVec.val(0n, 32)), lo, lo.urem(imm)).zeroExt(32);
    const r = await S.prove(st.regs[3]!.eq(expected));
    expect(r.status).toBe('proved');
  }, 60_000);

  test('a wrong claim fails with a counterexample', async () => {
    // claim: ALU64 SUB X is commutative; false whenever r1 != r2
    const st = symbolicState('sub_');
    const [r1, r2] = [st.regs[1]!, st.regs[2]!];
    step(S.bv, st, { code: 0x1f, dst: 1, src: 2, off: 0, imm: 0 }, 0, undefined, { order: 'le' });
    const r = await S.prove(st.regs[1]!.eq(r2.sub(r1)));
    expect(r.status).toBe('failed');
    const a = r.model!['sub_r1']!;
    const b = r.model!['sub_r2']!;
    // the counterexample really refutes the claim: a - b != b - a (mod 2^64)
    expect(BigInt.asUintN(64, a - b)).not.toBe(BigInt.asUintN(64, b - a));
  }, 60_000);

  test('a conditional branch yields its condition as a term', async () => {
    // JSGT X: taken iff r1 > r2 as signed 64-bit numbers
    const st = symbolicState('jmp_');
    const e = step(S.bv, st, { code: 0x6d, dst: 1, src: 2, off: 4, imm: 0 }, 10, undefined, { order: 'le' });
    if (e.kind !== 'branch') throw new Error('expected a branch');
    expect(e.target).toBe(15);
    const r = await S.prove(S.ctx.Eq(e.taken, st.regs[1]!.sgt(st.regs[2]!)));
    expect(r.status).toBe('proved');
  }, 60_000);
});
