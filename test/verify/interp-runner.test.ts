// The interp-only runner and the result JSON on hand-written corpora: the kernel runner's
// rules (sub-tests, result in state, skips) and the shape of DESIGN.md "Conventions".
import { describe, expect, test } from 'vitest';
import type { Insn } from '../../src/bpf/opcodes.ts';
import type { TestProgram } from '../../src/bpf/program.ts';
import { configsFromOptions } from '../../src/config.ts';
import { runTestInterp, verifyInterp } from '../../src/verify/interp-runner.ts';
import { exitStatus, formatResult, ResultCollector } from '../../src/verify/results.ts';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const EXIT = I(0x95, 0, 0, 0, 0);
const FLAG_NO_DATA = 1;

function tp(index: number, name: string, insns: Insn[], expect: { dataSize: number; result: number }[], extra: Partial<TestProgram> = {}): TestProgram {
  return {
    id: `t:${index}:${name}`,
    corpus: 't',
    index,
    name,
    insns,
    verifierZext: false,
    stackDepth: 0,
    flags: FLAG_NO_DATA,
    data: new Uint8Array(0),
    expect,
    ...extra,
  };
}

describe('runTestInterp', () => {
  test('compares the low 32 bits of R0', () => {
    // r0 = 0x1_0000_0007 (LD_IMM64); the kernel compares (u32) 7
    const p = tp(0, 'wide', [I(0x18, 0, 0, 0, 7), I(0, 0, 0, 0, 1), EXIT], [{ dataSize: 0, result: 7 }]);
    expect(runTestInterp(p, 'le')).toEqual({ ok: true });
    const q = { ...p, expect: [{ dataSize: 0, result: 8 }] };
    expect(runTestInterp(q, 'le')).toMatchObject({ ok: false, expected: 8, got: 7 });
  });
  test('every sub-test runs on its own context; data comes from the test', () => {
    // r0 = *(u8 *)(r1 + 0): data[0] = 0x2a on every sub-test
    const p = tp(1, 'data', [I(0x71, 0, 1, 0, 0), EXIT], [{ dataSize: 1, result: 0x2a }, { dataSize: 2, result: 0x2a }], {
      flags: 0,
      data: Uint8Array.of(0x2a, 0),
    });
    expect(runTestInterp(p, 'be')).toEqual({ ok: true });
    const bad = { ...p, expect: [{ dataSize: 1, result: 0x2a }, { dataSize: 2, result: 0 }] };
    expect(runTestInterp(bad, 'be')).toMatchObject({ ok: false, reason: expect.stringMatching(/^sub-test 1/) });
  });
  test('a result in state is the u32 at R1 after all runs', () => {
    // state += 3 per run, 10 runs -> 30
    const p = tp(2, 'state', [I(0x61, 2, 1, 0, 0), I(0x07, 2, 0, 0, 3), I(0x63, 1, 2, 0, 0), EXIT], [{ dataSize: 4, result: 30 }], {
      flags: 0,
      data: new Uint8Array(4),
      runs: 10,
      resultInState: true,
    });
    expect(runTestInterp(p, 'be')).toEqual({ ok: true });
    expect(runTestInterp(p, 'le')).toEqual({ ok: true });
  });
  test('a fault is a failure with no value and the fault in the reason', () => {
    const p = tp(3, 'null', [I(0x61, 0, 1, 0, 0), EXIT], [{ dataSize: 0, result: 0 }]);
    expect(runTestInterp(p, 'le')).toMatchObject({ ok: false, expected: 0, got: null, reason: expect.stringMatching(/bounds fault: .*insn 0/) });
  });
});

describe('verifyInterp and the result JSON', () => {
  const good = tp(0, 'good', [I(0xb7, 0, 0, 0, 1), EXIT], [{ dataSize: 0, result: 1 }]);
  // BPF_END TO_BE 16 of 0x1234: 0x3412 on a little-endian target, 0x1234 on big endian
  const endianSensitive = tp(1, 'end', [I(0xb7, 0, 0, 0, 0x1234), I(0xdc, 0, 0, 0, 16), EXIT], [{ dataSize: 0, result: 0x1234 }]);
  const classic = tp(2, 'classic', [], [{ dataSize: 0, result: 0 }], { skip: 'classic BPF' });
  const load = () => [good, endianSensitive, classic];

  test('counts per configuration, sums at the top, failures per configuration, skips named once', async () => {
    const r = await verifyInterp({ corpora: ['c'], configs: configsFromOptions({}), load });
    expect(Object.keys(r)).toEqual(['passed', 'failed', 'skipped', 'configs', 'failures', 'skips']);
    expect(r.configs).toEqual({
      'be-r2': { passed: 2, failed: 0, skipped: 1 },
      'be-r6': { passed: 2, failed: 0, skipped: 1 },
      'le-r2': { passed: 1, failed: 1, skipped: 1 },
      'le-r6': { passed: 1, failed: 1, skipped: 1 },
    });
    expect([r.passed, r.failed, r.skipped]).toEqual([6, 2, 4]);
    expect(r.failures.map((f) => [f.id, f.config, f.expected, f.got])).toEqual([
      ['t:1:end', 'le-r2', 0x1234, 0x3412],
      ['t:1:end', 'le-r6', 0x1234, 0x3412],
    ]);
    expect(Object.keys(r.failures[0]!)).toEqual(['id', 'config', 'expected', 'got', 'reason']);
    expect(r.skips).toEqual([{ id: 't:2:classic', reason: 'classic BPF' }]);
    expect(exitStatus(r)).toBe(1);
  });
  test('all passing exits 0; the text summary has one line per configuration', async () => {
    const r = await verifyInterp({ corpora: ['c'], configs: configsFromOptions({ endian: 'be', isa: 'r2' }), load });
    expect(exitStatus(r)).toBe(0);
    const text = formatResult(r);
    expect(text[0]).toBe('be-r2: 2 passed, 0 failed, 1 skipped');
    expect(text.at(-1)).toBe('total: 2 passed, 0 failed, 1 skipped');
  });
  test('a configuration with nothing run is still reported', () => {
    const c = new ResultCollector();
    c.config('le-r6');
    expect(c.result()).toEqual({ passed: 0, failed: 0, skipped: 0, configs: { 'le-r6': { passed: 0, failed: 0, skipped: 0 } }, failures: [], skips: [] });
  });
});
