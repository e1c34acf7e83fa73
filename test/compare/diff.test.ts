// `jitgen diff` on a hand-written program. Expected listings come from hand reasoning
// about the plans: BPF R2 lives in a2:a3 and R3 in t0:t1 (hi:lo on big endian, lo:hi on
// little endian, DESIGN.md's table); 64-bit ADD is addu low, sltu carry, addu high, addu
// carry (DESIGN.md's plan), and Tony's RFC adds the high words first, then the low words
// into `at` for the carry.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { config } from '../../src/config.ts';
import { corpusBinding } from '../../src/verify/jit-runner.ts';
import { defaultTreeDir } from '../../src/verify/corpus/index.ts';
import { diffDesigns, formatDiff, sideBySide } from '../../src/compare/diff.ts';
import type { Program } from '../../src/bpf/program.ts';

// r2 += r3 (ALU64 ADD X = 0x0f), exit
const prog: Program = {
  id: 'add.json',
  insns: [
    { code: 0x0f, dst: 2, src: 3, off: 0, imm: 0 },
    { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
  ],
  verifierZext: false,
  stackDepth: 0,
};
const opts = { binding: corpusBinding(), treeDir: defaultTreeDir };

describe('diff', () => {
  it('shows jitgen and tony side by side for 64-bit ADD (be-r2)', async () => {
    const d = await diffDesigns(prog, ['jitgen', 'tony'], config('be-r2'), opts);
    const add = d.sections.find((s) => s.label === '0: r2 += r3')!;
    expect(add.a).toEqual(['addu a3,a3,t1', 'sltu t9,a3,t1', 'addu a2,a2,t0', 'addu a2,a2,t9']);
    expect(add.b).toEqual(['addu a2,a2,t0', 'addu at,a3,t1', 'sltu at,at,a3', 'addu a2,a2,at', 'addu a3,a3,t1']);
    const text = formatDiff(d).join('\n');
    expect(text).toContain('0: r2 += r3    [4 / 5 (+1)]');
    expect(text).toContain('= addu a2,a2,t0');
    expect(d.words[1] - d.words[0]).toBe(1);
  });

  it('swaps the halves on little endian', async () => {
    const d = await diffDesigns(prog, ['jitgen', 'johan'], config('le-r2'), opts);
    // jitgen's frameless epilogue on little endian (R0's low word already in v0) is
    // `jr ra` with the body's last word, the carry into the high word, in its delay slot
    const words = d.sections.flatMap((s) => s.a);
    expect(words.slice(-5)).toEqual(['addu a2,a2,t0', 'sltu t9,a2,t0', 'addu a3,a3,t1', 'jr ra', 'addu a3,a3,t9']);
    const add = d.sections.find((s) => s.label === '0: r2 += r3')!;
    expect(add.b).toEqual(['addu a2,a2,t0', 'sltu t9,a2,t0', 'addu a3,a3,t1', 'addu a3,a3,t9']);
  });

  it("splits mainline's harness image at the johan model's offsets when they agree", async () => {
    const d = await diffDesigns(prog, ['johan', 'mainline'], config('be-r2'), opts);
    expect(d.notes.join(' ')).toMatch(/identical/);
    expect(d.words[0]).toBe(d.words[1]);
    for (const s of d.sections) expect(s.b).toEqual(s.a);
  });

  it('marks lines only on one side', () => {
    expect(sideBySide(['a', 'b'], ['a']).map((l) => l.trim()[0])).toEqual(['=', '<']);
    expect(sideBySide([], ['x']).map((l) => l.trim()[0])).toEqual(['>']);
  });

  it('the CLI takes a JSON file and a corpus identity, and refuses one design', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitgen-diff-'));
    const file = join(dir, 'add.json');
    writeFileSync(file, JSON.stringify([[0x0f, 2, 3, 0, 0], [0x95, 0, 0, 0, 0]]));
    const out = execFileSync(process.execPath, ['bin/jitgen.js', 'diff', file, '--designs', 'jitgen,tony'], { encoding: 'utf8' });
    expect(out).toContain('0: r2 += r3    [4 / 5 (+1)]');
    const corpus = execFileSync(process.execPath, ['bin/jitgen.js', 'diff', 'test_bpf:90', '--designs', 'jitgen,johan'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(corpus).toMatch(/^; test_bpf:90:ALU64_ADD_X: 1 \+ 2 = 3 \(be-r2\)/);
    // R0 = 1, R1 = 2, R0 += R1: the same 4-word ADD (R0 in v0:v1, R1 in a0:a1)
    expect(corpus).toContain('= addu v1,v1,a1');
    let status = 0;
    try {
      execFileSync(process.execPath, ['bin/jitgen.js', 'diff', file, '--designs', 'jitgen'], { stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});
