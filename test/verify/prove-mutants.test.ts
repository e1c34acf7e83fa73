// A proof that cannot fail is worthless: each mutant below breaks one plan of the jitgen
// design on purpose, by transforming the plan DATA (never the files), and `prove` must
// reject it with a counterexample. For a sample of mutants the counterexample is then run
// concretely: the reproducer program, JITed with the mutant design by the TS JIT and run
// in the simulator, must disagree with the reference interpreter — so the counterexamples
// are real bugs, not artefacts of the proof encoding.
// Slow: 28 mutants of one to a few proofs each plus two core obligations, about 60 s in
// all on these machines; the lead was told.
import { beforeAll, describe, expect, test } from 'vitest';
import { makeSymbolic, type Symbolic } from '../../src/bv/symbolic.ts';
import { config as configOf } from '../../src/config.ts';
import type { CExpr, Operand, Stmt } from '../../src/jit/dsl.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import type { Design } from '../../src/jit/design.ts';
import { cText, drop, emitText, inCase, jumpOp, mutate, renameOp, takeBranch, withArgs } from '../helpers/plan-surgery.ts';
import { proveDesign, type ProofCase } from '../../src/verify/prove/index.ts';
import { provePrologueEpilogue } from '../../src/verify/prove/core-seqs.ts';
import { isHighWordFailure, reproducer } from '../../src/verify/prove/reproducer.ts';
import { interpreterRow, jitRow } from '../../src/commands/run.ts';

let S: Symbolic;
beforeAll(async () => {
  S = await makeSymbolic();
}, 60_000);

interface Mutant {
  name: string;
  design: () => Design;
  /** Which cases to prove: a name prefix and a register assignment. */
  what: string;
  dst: number;
  src?: number;
  config: string;
  /** Also check the counterexample concretely (JIT + simulator vs interpreter). */
  concrete?: boolean;
}

const MUTANTS: Mutant[] = [
  { name: 'ADD64 X: carry dropped', design: () => mutate('alu64_x', drop('addu hi(dst), hi(dst), t9')), what: 'alu64 ADD X', dst: 1, src: 2, config: 'be-r2', concrete: true },
  {
    name: 'ADD64 X: carry subtracted (R6 sltu believed to give -1)',
    design: () => mutate('alu64_x', renameOp('addu hi(dst), hi(dst), t9', 'subu')),
    what: 'alu64 ADD X', dst: 5, src: 6, config: 'le-r6', concrete: true,
  },
  { name: 'ADD64 X: no dst == src special case', design: () => mutate('alu64_x', takeBranch('same(lo(dst), lo(src))', 'else')), what: 'alu64 ADD X', dst: 4, src: 4, config: 'be-r2', concrete: true },
  {
    name: 'SUB64 X: borrow from the swapped comparison',
    design: () => mutate('alu64_x', withArgs('sltu t9, lo(dst), lo(src)', (a) => [a[0]!, a[2]!, a[1]!])),
    what: 'alu64 SUB X', dst: 0, src: 1, config: 'le-r2', concrete: true,
  },
  { name: 'ADD64 K: negative imm does not touch the high word', design: () => mutate('alu64_k', drop('addiu hi(dst), hi(dst), -1')), what: 'alu64 ADD K', dst: 6, config: 'be-r2' },
  { name: 'MUL64 K: negative imm does not subtract lo', design: () => mutate('alu64_k', drop('subu hi(dst), hi(dst), lo(dst)')), what: 'alu64 MUL K', dst: 1, config: 'be-r2', concrete: true },
  { name: 'MUL64 X: a cross product dropped', design: () => mutate('alu64_x', drop('addu t9, t9, t8')), what: 'alu64 MUL X', dst: 0, src: 1, config: 'le-r6' },
  {
    name: 'LSH64 K: shift amount masked with 31 instead of 63',
    design: () => mutate('alu64_k', maskTo31),
    what: 'alu64 LSH K', dst: 1, config: 'be-r2',
  },
  {
    name: 'LSH32 K: shift amount masked with 32 instead of 31 (off by one)',
    design: () => mutate('alu32_k', withArgs('sll lo(dst), lo(dst), (imm & 31)', (a) => [a[0]!, a[1]!, { k: 'bin', op: '&', a: { k: 'param', name: 'imm' }, b: { k: 'lit', v: 32 } }])),
    what: 'alu LSH K', dst: 1, config: 'be-r2',
  },
  { name: 'RSH64 X: no crossing for shifts >= 32', design: () => mutate('alu64_x', (s) => (s.k === 'call' && s.plan === 'movn_r' && argIsHalf(s, 0, 'lo') && argIsHalf(s, 1, 'hi') ? [] : undefined)), what: 'alu64 RSH X', dst: 1, src: 2, config: 'be-r2' },
  { name: 'MOVSX8 32: sign extension skipped', design: () => mutate('alu32_x', renameOp('seb lo(dst), lo(src)', 'move')), what: 'alu MOVSX8 X', dst: 0, src: 1, config: 'le-r2', concrete: true },
  { name: 'MOVSX32 64: high word not sign-filled', design: () => mutate('alu64_x', takeBranch('(off == 32)', 'else')), what: 'alu64 MOVSX32 X', dst: 5, src: 6, config: 'be-r6' },
  { name: 'ALU32: zero extension dropped', design: () => mutate('alu32_x', drop('move hi(dst), zero')), what: 'alu ADD X', dst: 1, src: 2, config: 'be-r2', concrete: true },
  { name: 'JGT64: branch condition swapped', design: () => mutate('jmp64_x', inCase('32', jumpOp('bnez', 'beqz'))), what: 'jmp JGT X', dst: 1, src: 2, config: 'le-r2', concrete: true },
  { name: 'JSGT64: high words compared unsigned', design: () => mutate('jmp64_x', renameOp('slt t9, hi(src), hi(dst)', 'sltu')), what: 'jmp JSGT X', dst: 9, src: 0, config: 'be-r2', concrete: true },
  { name: 'JEQ64: wrong half of a pair', design: () => mutate('jmp64_k', withArgs('or t8, t8, hi(dst)', (a) => [a[0]!, a[1]!, { k: 'half', half: 'lo', pair: 'dst' }])), what: 'jmp JEQ K', dst: 5, config: 'be-r2' },
  { name: 'JEQ32 K: compare with zero inverted', design: () => mutate('jmp32_k', jumpOp('beqz', 'bnez')), what: 'jmp32 JEQ K', dst: 9, config: 'le-r6' },
  { name: 'LDX DW: words in the wrong byte order', design: () => mutate('ldx', takeBranch('target', 'else')), what: 'ldx MEM DW', dst: 0, src: 1, config: 'be-r2' },
  { name: 'LDX DW: base overwritten before the second load', design: () => mutate('ldx', takeBranch('same(lo(dst), lo(src))', 'else')), what: 'ldx MEM DW', dst: 3, src: 3, config: 'le-r2' },
  { name: 'LDX MEMSX H: loaded unsigned', design: () => mutate('ldx', renameOp('lh lo(dst), off, lo(src)', 'lhu')), what: 'ldx MEMSX H', dst: 6, src: 9, config: 'be-r6' },
  { name: 'STX DW: wrong byte order on little endian', design: () => mutate('stx', takeBranch('target', 'then')), what: 'stx MEM DW', dst: 1, src: 2, config: 'le-r2' },
  { name: 'ST DW: negative imm stored without sign extension', design: () => mutate('st', takeBranch('(imm < 0)', 'else')), what: 'st MEM DW', dst: 1, config: 'be-r2' },
  { name: 'ATOMIC32 ADD: ll/sc retry branch to the wrong place', design: () => mutate('atomic32', withArgs('beqz t9, -16', (a) => [a[0]!, { k: 'lit', v: -12 }])), what: 'atomic W ADD', dst: 1, src: 2, config: 'be-r2' },
  { name: 'ATOMIC32 CMPXCHG: r0 not given the old value', design: () => mutate('atomic32', drop('move lo(r0), t8')), what: 'atomic W CMPXCHG', dst: 1, src: 2, config: 'le-r2' },
  { name: 'BSWAP32: halfwords rotated by 8', design: () => mutate('bswap', withArgs('rotr lo(dst), lo(dst), 16', (a) => [a[0]!, a[1]!, { k: 'lit', v: 8 }])), what: 'alu END TO_BE 32', dst: 1, config: 'le-r2', concrete: true },
  { name: "DIV64: divisor's low word taken from dst", design: () => mutate('divmod64', withArgs('move t8, lo(src)', (a) => [a[0]!, { k: 'half', half: 'lo', pair: 'dst' }])), what: 'alu64 DIV X', dst: 5, src: 6, config: 'be-r2' },
  { name: 'LD_IMM64: halves swapped', design: () => mutate('ld_imm64', (s) => (s.k === 'call' ? [{ ...s, args: [s.args[0]!, { k: 'val', v: { k: 'param', name: s.args[1]!.k === 'val' && cText((s.args[1] as { v: CExpr }).v) === 'imm' ? 'imm_hi' : 'imm' } }] }] : undefined)), what: 'ld IMM64', dst: 1, config: 'le-r2', concrete: true },
];

function argIsHalf(s: Extract<Stmt, { k: 'call' }>, i: number, half: 'lo' | 'hi'): boolean {
  const a = s.args[i];
  return a?.k === 'reg' && a.reg.k === 'half' && a.reg.half === half && a.reg.pair === 'dst';
}

/** In alu64_k's shift bodies, `imm & 63` becomes `imm & 31`. */
function maskTo31(s: Stmt): Stmt[] | undefined {
  if (s.k !== 'emit') return undefined;
  const text = emitText(s)!;
  if (!text.includes('(imm & 63)')) return undefined;
  const fix = (e: Operand): Operand => {
    if (e.k === 'bin' && e.op === '&' && e.b.k === 'lit' && e.b.v === 63) return { ...e, b: { k: 'lit', v: 31 } };
    if (e.k === 'bin') return { ...e, a: fix(e.a) as CExpr, b: fix(e.b) as CExpr };
    return e;
  };
  return [{ ...s, args: s.args.map(fix) }];
}

describe('prove rejects broken plans', () => {
  test('there are at least 20 distinct mutants', () => {
    expect(new Set(MUTANTS.map((m) => m.name)).size).toBeGreaterThanOrEqual(20);
  });

  for (const m of MUTANTS) {
    test(`mutant rejected: ${m.name}`, async () => {
      const cfg = configOf(m.config);
      const design = m.design();
      const pick = (c: ProofCase) => c.what === m.what && c.dst === m.dst && (m.src === undefined || c.src === m.src);
      const report = await proveDesign({ design, configs: [cfg], timeoutMs: 30_000, filter: pick, skipLemmas: true, sym: S });
      expect(report.obligations.length).toBeGreaterThan(0);
      const failed = report.obligations.filter((o) => o.status === 'failed');
      expect(failed.length, `${m.name}: ${JSON.stringify(report.obligations.map((o) => [o.status, o.path, o.reason]))}`).toBeGreaterThan(0);
      const withCex = failed.find((o) => o.counterexample);
      expect(withCex?.counterexample).toBeDefined();
      if (m.concrete) {
        // the counterexample is a real miscompilation: interpreter and mutant JIT disagree
        const o = withCex!;
        const r = reproducer(o.counterexample!, isHighWordFailure(o));
        const prog = { id: 'cex', insns: r.insns, verifierZext: false, stackDepth: 0 };
        const regs = new Map<number, bigint>();
        for (let k = 0; k <= 9; k++) regs.set(k, BigInt(o.counterexample!.regs[`r${k}`]!));
        const want = interpreterRow(prog, cfg, null, regs);
        const got = jitRow(prog, cfg, design, null, regs);
        expect(want.r0).toBeDefined();
        expect(got.r0 === undefined || BigInt.asUintN(32, got.r0) !== BigInt.asUintN(32, want.r0!), `${m.name}: ${r.listing.join('; ')}`).toBe(true);
        // and the unmutated design agrees with the interpreter on it
        const good = jitRow(prog, cfg, jitgen, null, regs);
        expect(BigInt.asUintN(32, good.r0!)).toBe(BigInt.asUintN(32, want.r0!));
      }
    }, 120_000);
  }
});

describe('prove rejects a broken core convention', () => {
  test('a design that forgets s0 is callee-saved fails the prologue/epilogue obligation', async () => {
    const design: Design = { ...jitgen, calleeSaved: jitgen.calleeSaved.filter((r) => r !== 16) };
    // that obligation alone: the other core sequences fail too without s0 and would make
    // one z3 instance search counterexamples for all of them
    const pe = await provePrologueEpilogue(S, design, configOf('le-r2'), 30_000);
    expect(pe.name).toBe('core: prologue and epilogue');
    expect(pe?.status).toBe('failed');
    expect(pe?.reason).toMatch(/^s0 restored/);
  }, 120_000);
});
