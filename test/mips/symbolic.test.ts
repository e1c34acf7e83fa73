// The symbolic runner on Z3: the 64-bit add sequence of the JIT proved equal to 64-bit
// addition for all inputs, its dst == src pitfall refuted, and branches forked into paths.
import { beforeAll, expect, test } from 'vitest';
import { makeSymbolic, type Symbolic, type SymBV } from '../../src/bv/symbolic.ts';
import { ins } from '../../src/mips/builder.ts';
import { encode, type MipsInsn } from '../../src/mips/codec.ts';
import { A0, A1, A2, A3, RA, T0, T9, V0, ZERO } from '../../src/mips/regs.ts';
import { runSymbolic, z3Hooks } from '../../src/mips/symexec.ts';

let sym: Symbolic;
beforeAll(async () => {
  sym = await makeSymbolic();
});

function runOn(prog: MipsInsn[], regs: (SymBV | undefined)[], isa: 'r2' | 'r6' = 'r2') {
  return runSymbolic({
    bv: sym.bv, hooks: z3Hooks(sym), isa, endian: 'be',
    code: { base: 0x1000, words: prog.map((i) => encode(i, isa)) },
    regs, memory: sym.memory('mem'),
  });
}

test('addu/sltu/addu/addu on register pairs is 64-bit addition', async () => {
  const { bv } = sym;
  const regs: SymBV[] = [];
  regs[A0] = sym.fresh('dst_hi', 32);
  regs[A1] = sym.fresh('dst_lo', 32);
  regs[A2] = sym.fresh('src_hi', 32);
  regs[A3] = sym.fresh('src_lo', 32);
  const prog = [ins.addu(A1, A1, A3), ins.sltu(T9, A1, A3), ins.addu(A0, A0, A2), ins.addu(A0, A0, T9)];
  const r = runOn(prog, regs);
  expect(r.paths).toHaveLength(1);
  const p = r.paths[0]!;
  expect(p.status).toBe('exit');
  expect(p.exitPc).toBe(0x1010);
  const want = bv.add(64, bv.concat(32, regs[A0]!, 32, regs[A1]!), bv.concat(32, regs[A2]!, 32, regs[A3]!));
  const got = bv.concat(32, p.regs[A0]!, 32, p.regs[A1]!);
  expect(await sym.prove(bv.eq(64, got, want))).toEqual({ status: 'proved' });
}, 120_000);

test('the same sequence with dst == src is not doubling (counterexample)', async () => {
  const { bv } = sym;
  const regs: SymBV[] = [];
  regs[A0] = sym.fresh('x_hi', 32);
  regs[A1] = sym.fresh('x_lo', 32);
  const r = runOn([ins.addu(A1, A1, A1), ins.sltu(T9, A1, A1), ins.addu(A0, A0, A0), ins.addu(A0, A0, T9)], regs);
  const x = bv.concat(32, regs[A0]!, 32, regs[A1]!);
  const p = r.paths[0]!;
  const res = await sym.prove(bv.eq(64, bv.concat(32, p.regs[A0]!, 32, p.regs[A1]!), bv.add(64, x, x)));
  expect(res.status).toBe('failed');
  // the carry is lost exactly when the low word's top bit is set
  expect(res.model!.x_lo! >= 0x80000000n).toBe(true);
}, 120_000);

test('a symbolic branch forks into two paths with their conditions; jr ra exits with a term', async () => {
  const { bv } = sym;
  const regs: SymBV[] = [];
  regs[A0] = sym.fresh('p', 32);
  regs[A1] = sym.fresh('q', 32);
  regs[RA] = sym.fresh('ret', 32);
  const r = runOn([ins.beq(A0, A1, 8), ins.addiu(V0, ZERO, 1), ins.addiu(V0, ZERO, 2), ins.jr(RA), ins.nop()], regs);
  expect(r.paths).toHaveLength(2);
  for (const p of r.paths) {
    expect(p.status).toBe('exit');
    expect(p.exitTarget).toBeDefined();
    // on each path: v0 = p == q ? 1 : 2, and the exit is the symbolic return address
    const expected = bv.ite(bv.eq(32, regs[A0]!, regs[A1]!), bv.lit(32, 1), bv.lit(32, 2));
    expect(await sym.prove(bv.eq(32, p.regs[V0]!, expected), [p.condition])).toEqual({ status: 'proved' });
    expect(await sym.prove(bv.eq(32, p.exitTarget!, regs[RA]!), [p.condition])).toEqual({ status: 'proved' });
  }
}, 120_000);

test('a load through a symbolic address records its alignment fault condition', async () => {
  const regs: SymBV[] = [];
  regs[T0] = sym.fresh('addr', 32);
  const r = runOn([ins.lw(V0, 0, T0)], regs);
  expect(r.faults).toHaveLength(1);
  expect(r.faults[0]!.kind).toBe('align-load');
  // satisfiable: some address is misaligned
  expect((await sym.prove(sym.bv.bnot(r.faults[0]!.condition))).status).toBe('failed');
}, 120_000);

test('constant loops unroll (constant folding keeps the counter concrete)', () => {
  const r = runOn([ins.addiu(T0, ZERO, 3), ins.addiu(V0, V0, 2), ins.addiu(T0, T0, -1), ins.bne(T0, ZERO, -12), ins.nop()], []);
  expect(r.paths).toHaveLength(1);
  expect(sym.ctx.isBitVecVal(r.paths[0]!.regs[V0]!) && r.paths[0]!.regs[V0]!.value()).toBe(6n);
});
