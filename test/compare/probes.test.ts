// Per-feature counts against hand reasoning (DESIGN.md's ALU64 ADD X sequence, the
// instruction set's field widths) and mainline's real C in the host harness.
import { describe, expect, it } from 'vitest';
import { config } from '../../src/config.ts';
import { corpusBinding } from '../../src/verify/jit-runner.ts';
import { defaultTreeDir } from '../../src/verify/corpus/index.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { johan } from '../../src/jit/designs/johan.ts';
import { tony } from '../../src/jit/designs/tony.ts';
import { mainlineProbeCosts, modelFrames, modelProbeCosts, probes } from '../../src/compare/probes.ts';
import { featureOf } from '../../src/compare/features.ts';

const be = config('be-r2');
const binding = corpusBinding();

describe('features', () => {
  it('splits opcodes that ISA v4 overloads', () => {
    // 0xbf is ALU64 | MOV | X; off 8/16/32 makes it MOVSX (RFC 9669, 4.1)
    expect(featureOf({ code: 0xbf, dst: 1, src: 2, off: 0, imm: 0 })).toBe('ALU64 MOV X');
    expect(featureOf({ code: 0xbf, dst: 1, src: 2, off: 16, imm: 0 })).toBe('ALU64 MOVSX X');
    // 0x3f is ALU64 | DIV | X; off 1 makes it signed (SDIV)
    expect(featureOf({ code: 0x3f, dst: 1, src: 2, off: 1, imm: 0 })).toBe('ALU64 SDIV X');
    // 0xdb is STX | ATOMIC | DW; imm 0xf1 is CMPXCHG, 0x01 is FETCH_ADD
    expect(featureOf({ code: 0xdb, dst: 1, src: 2, off: 0, imm: 0xf1 })).toBe('STX ATOMIC DW CMPXCHG');
    expect(featureOf({ code: 0xdb, dst: 1, src: 2, off: 0, imm: 0x01 })).toBe('STX ATOMIC DW FETCH_ADD');
  });

  it('has one probe per feature', () => {
    const ps = probes(binding);
    expect(new Set(ps.map((p) => p.feature)).size).toBe(ps.length);
    expect(ps.find((p) => p.feature === 'ALU64 ADD X')?.text).toBe('r2 += r3');
  });
});

describe('probe counts (model)', () => {
  const j = modelProbeCosts(jitgen, be, binding);
  const t = modelProbeCosts(tony, be, binding);
  const m = modelProbeCosts(johan, be, binding);

  it('ALU64 ADD X: four words for jitgen and johan (addu, sltu carry, addu, addu), five for tony', () => {
    expect(j['ALU64 ADD X']).toEqual({ delta: 4, body: 4, calls: false });
    expect(m['ALU64 ADD X']).toEqual({ delta: 4, body: 4, calls: false });
    // Tony's RFC: addu hi; addu at; sltu at; addu hi, at; addu lo
    expect(t['ALU64 ADD X']).toEqual({ delta: 5, body: 5, calls: false });
  });

  it('a 32-bit store is one sw; a 64-bit store two', () => {
    for (const c of [j, t, m]) {
      expect(c['STX MEM W']?.delta).toBe(1);
      expect(c['STX MEM DW']?.delta).toBe(2);
    }
  });

  it('a 64-bit constant with four non-zero halfwords takes lui + ori per word', () => {
    for (const c of [j, t, m]) expect(c['LD IMM DW']?.delta).toBe(4);
  });

  it('ISA v4 opcodes are declined by the 2021 designs and compiled by jitgen', () => {
    for (const f of ['JMP32 JA', 'ALU64 BSWAP', 'LDX MEMSX W']) {
      expect(j[f]?.delta).toBeGreaterThan(0);
      expect(t[f]?.delta).toBeNull();
      expect(m[f]?.delta).toBeNull();
    }
  });

  it('kernel calls are where DESIGN.md says: Tony calls for 64-bit div/mod and XADD only', () => {
    const calling = Object.entries(t).filter(([f, c]) => c.calls && f !== 'JMP CALL helper').map(([f]) => f);
    expect(calling.sort()).toEqual(['ALU64 DIV K', 'ALU64 DIV X', 'ALU64 MOD K', 'ALU64 MOD X', 'STX ATOMIC DW ADD']);
    // 32-bit atomics are native ll/sc in every design
    for (const c of [j, t, m]) expect(c['STX ATOMIC W ADD']?.calls).toBe(false);
  });

  it('a leaf without BPF stack has no frame', () => {
    for (const d of [jitgen, johan, tony]) expect(modelFrames(d, be, binding)[0]).toEqual({ shape: 'leaf, no BPF stack', bytes: 0 });
  });
});

describe('probe counts (mainline, host harness)', () => {
  it('mainline refuses the ISA v4 opcodes it does not know and equals the johan model everywhere else', async () => {
    const ml = await mainlineProbeCosts(defaultTreeDir, be, binding);
    // bpf_jit_comp32.c has no case for these: "unknown opcode"
    expect(ml.probes['ALU64 BSWAP']?.declined).toMatch(/unknown opcode d7/);
    expect(ml.probes['JMP32 JA']?.declined).toMatch(/unknown opcode 06/);
    // MOVSX is compiled as a plain move (DESIGN.md: mainline ignores off)
    expect(ml.probes['ALU64 MOVSX X']?.delta).toBe(ml.probes['ALU64 MOV X']?.delta);
    expect(ml.probes['ALU64 ADD X']?.delta).toBe(4);
    // 64-bit div/mod and every 64-bit atomic are calls of kernel functions in mainline
    for (const f of ['ALU64 DIV X', 'ALU64 MOD K', 'STX ATOMIC DW XOR', 'STX ATOMIC DW CMPXCHG']) expect(ml.probes[f]?.calls).toBe(true);
    expect(ml.probes['ALU64 MUL X']?.calls).toBe(false);
    const model = modelProbeCosts(johan, be, binding);
    const differing = Object.keys(ml.probes).filter((f) => model[f]!.delta !== null && model[f]!.delta !== ml.probes[f]!.delta);
    expect(differing).toEqual([]);
    expect(ml.frames.map((f) => f.bytes)).toEqual(modelFrames(johan, be, binding).map((f) => f.bytes));
  });
});
