// `jitgen run` and `jitgen verify` as a user calls them: output, exit status, errors.
// (Spawns the CLI: about a second per call.)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatRow, parseRegAssignment } from '../../src/commands/run.ts';
import { parseCorpora } from '../../src/commands/verify.ts';
import { UsageError } from '../../src/errors.ts';

const bin = join(import.meta.dirname, '../../bin/jitgen.js');
const dir = mkdtempSync(join(tmpdir(), 'jitgen-run-'));

function jitgen(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('option parsing', () => {
  test('--reg rN=VALUE', () => {
    expect(parseRegAssignment('r1=0x10')).toEqual([1, 16n]);
    expect(parseRegAssignment('R9=-1')).toEqual([9, 0xffff_ffff_ffff_ffffn]);
    expect(parseRegAssignment('r0=18446744073709551615')).toEqual([0, 0xffff_ffff_ffff_ffffn]);
    expect(() => parseRegAssignment('r10=1')).toThrow(UsageError);
    expect(() => parseRegAssignment('r1=1x')).toThrow(UsageError);
    expect(() => parseRegAssignment('r1=0x10000000000000000')).toThrow(/64 bits/);
  });
  test('rows print hex, unsigned and signed decimal', () => {
    expect(formatRow({ engine: 'interpreter', r0: 0xffff_ffff_ffff_fffen, steps: 2 })).toBe(
      'interpreter  r0 = 0xfffffffffffffffe  18446744073709551614 (-2)  (2 insns)',
    );
    expect(formatRow({ engine: 'interpreter', fault: 'x: insn 0: boom' })).toBe('interpreter  fault: x: insn 0: boom');
  });
  test('corpus names', () => {
    expect(parseCorpora('test_bpf, tail_calls')).toEqual(['test_bpf', 'tail_calls']);
    expect(parseCorpora('xdp,classic')).toEqual(['xdp', 'classic']);
    expect(() => parseCorpora('nosuch')).toThrow(/unknown corpus 'nosuch'/);
  });
});

describe('jitgen run', () => {
  // r0 = r1 + r2; r0 += *(u16 *)(ctx + 0) when R1 points to a context
  const add = join(dir, 'add.json');
  writeFileSync(add, JSON.stringify([[0xbf, 0, 1, 0, 0], [0x0f, 0, 2, 0, 0], [0x95, 0, 0, 0, 0]]));
  const load = join(dir, 'load.json');
  writeFileSync(load, JSON.stringify([[0x69, 0, 1, 0, 0], [0x95, 0, 0, 0, 0]]));
  const ctx = join(dir, 'ctx.bin');
  writeFileSync(ctx, Uint8Array.of(0x12, 0x34));

  test('prints R0 with preset registers', () => {
    const out = execFileSync(process.execPath, [bin, 'run', add, '--reg', 'r1=40', '--reg', 'r2=2'], { encoding: 'utf8' });
    const lines = out.split('\n');
    expect(lines.slice(0, 2)).toEqual(['add.json (be-r2, 3 insns)', 'interpreter  r0 = 0x000000000000002a  42  (3 insns)']);
    // the JITed image in the simulator: the same R0, low 32 bits as bpf_func returns it
    expect(lines[2]).toMatch(/^jit \(jitgen\) w0 = 0x0000002a {10}42 {2}\(\d+ MIPS insns\)$/);
  }, 120_000);
  test('the context is read in the target byte order', () => {
    expect(jitgen('run', load, '--ctx', ctx, '--endian', 'le', '--isa', 'r2').stdout).toMatch(/r0 = 0x0000000000003412 /);
    expect(jitgen('run', load, '--ctx', ctx, '--config', 'be-r6').stdout).toMatch(/r0 = 0x0000000000001234 /);
  }, 120_000);
  test('a fault exits 1 and names the instruction; bad usage exits 2', () => {
    const fault = jitgen('run', load);
    expect(fault.status).toBe(1);
    expect(fault.stdout).toMatch(/fault: load\.json: insn 0 \(69 10 0000 00000000\): load of 2 bytes/);
    const usage = jitgen('run', add, '--reg', 'r10=1');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe('jitgen: error: --reg r10=1: only r0-r9 can be preset (r10 is the frame pointer)\n');
    expect(jitgen('run', join(dir, 'missing.json')).status).toBe(2);
  }, 120_000);
  test('a 64-bit division by a zero register: the JIT row is a fault (the kernel function is outside its contract), no crash', () => {
    // r0 = 7; r1 = 0; r0 /= r1 (ALU64 DIV X): BPF defines 0, the JITed code calls div64_u64
    const div0 = join(dir, 'div0.json');
    writeFileSync(div0, JSON.stringify([[0xb7, 0, 0, 0, 7], [0xb7, 1, 0, 0, 0], [0x3f, 0, 1, 0, 0], [0x95, 0, 0, 0, 0]]));
    const r = jitgen('run', div0);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^interpreter +r0 = 0x0000000000000000 /m);
    expect(r.stdout).toMatch(/^jit \(jitgen\) +fault: .*div64_u64 with divisor 0/m);
    expect(r.stderr).toBe('');
  }, 120_000);
});

describe('jitgen verify', () => {
  test('an unknown corpus, design or configuration: usage error', () => {
    expect(jitgen('verify', '--design', 'nope').status).toBe(2);
    expect(jitgen('verify', '--configs', 'be-r3').status).toBe(2);
    const r = jitgen('verify', '--interp-only', '--corpus', 'nope');
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/^jitgen: error: unknown corpus 'nope'/)]);
  }, 120_000);
  test('a directory that is not a kernel tree: exit 2', () => {
    expect(jitgen('verify', '--interp-only', '--tree', dir).status).toBe(2);
  }, 120_000);
});
