// A JITed image, written with `--emit bin`, runs under qemu-mips-static /
// qemu-mipsel-static in a tiny static harness that calls it as the kernel calls bpf_func,
// and returns what lib/test_bpf.c expects. The sample keeps to programs without calls
// of kernel functions (no helper, tail call, 64-bit division or 64-bit atomic).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as op from '../../src/bpf/opcodes.ts';
import type { TestProgram } from '../../src/bpf/program.ts';
import { config } from '../../src/config.ts';
import { jit } from '../../src/jit/core.ts';
import { defaultBinding } from '../../src/jit/binding.ts';
import { jitgen } from '../../src/jit/designs/jitgen.ts';
import { imageBytes } from '../../src/jit/listing.ts';
import { defaultTreeDir, loadCorpus } from '../../src/verify/corpus/index.ts';
import { contextBytes } from '../../src/verify/corpus/model.ts';

const haveCorpus = (() => {
  try {
    loadCorpus(defaultTreeDir, 'tail_calls', 'be');
    return true;
  } catch {
    return false;
  }
})();

/** Kernel functions are not there under qemu-user: keep to programs that call none. */
function selfContained(p: TestProgram): boolean {
  if (p.skip || p.resultInState || p.generated || p.expect.length === 0) return false;
  return p.insns.every((i) => {
    const cls = op.cls(i.code);
    if (cls === op.JMP && (op.op(i.code) === op.CALL || op.op(i.code) === op.TAIL_CALL)) return false;
    if (cls === op.ALU64 && (op.op(i.code) === op.DIV || op.op(i.code) === op.MOD)) return false;
    if (i.code === (op.STX | op.ATOMIC | op.DW)) return false;
    return true;
  });
}

const BASE = 0x10000000; // kuseg: where a user-mode process can map it

describe.skipIf(!haveCorpus)('JITed images under QEMU user mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jitgen-qemu-'));
  const runner: Record<string, string> = {};
  for (const [endian, gcc] of [['be', 'mips-linux-gnu-gcc'], ['le', 'mipsel-linux-gnu-gcc']] as const) {
    runner[endian] = join(dir, `run-image-${endian}`);
    execFileSync(gcc, ['-static', '-O2', '-o', runner[endian]!, 'test/fixtures/qemu/run-image.c']);
  }

  for (const id of ['be-r2', 'le-r2'] as const) {
    test(`${id}: a sample of test_bpf returns the kernel's expected results`, () => {
      const cfg = config(id);
      const qemu = cfg.endian === 'be' ? 'qemu-mips-static' : 'qemu-mipsel-static';
      const sample = loadCorpus(defaultTreeDir, 'test_bpf', cfg.endian).filter(selfContained).filter((_, k) => k % 8 === 0);
      expect(sample.length).toBeGreaterThan(60);
      let ran = 0;
      for (const p of sample) {
        const img = jit(p, { design: jitgen, config: cfg, binding: { ...defaultBinding(), imageBase: BASE } });
        const file = join(dir, `${id}-${p.index}.bin`);
        writeFileSync(file, imageBytes(img, cfg));
        const e = p.expect[0]!;
        const ctx = contextBytes(p, e);
        const args = [runner[cfg.endian]!, file, BASE.toString(16)];
        if (ctx) {
          writeFileSync(`${file}.ctx`, ctx);
          args.push(`${file}.ctx`);
        }
        const r = spawnSync(qemu, args, { encoding: 'utf8' });
        expect({ id: p.id, status: r.status, out: r.stdout.trim() }).toEqual({
          id: p.id,
          status: 0,
          out: (e.result >>> 0).toString(16).padStart(8, '0'),
        });
        ran++;
      }
      expect(ran).toBe(sample.length);
    });
  }
});
