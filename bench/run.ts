// `npm run bench`: the speed figures the issues ask for, measured side by side in one run.
// Absolute times on shared 2-core machines are noisy; the ratios are what to quote.
import { benchInterp } from './interp.ts';
import { benchMips } from './mips.ts';
import { benchJit } from './jit.ts';
import { benchProve } from './prove.ts';
import { benchCodeSize } from './code-size.ts';
import { benchFuzz } from './fuzz.ts';

const sections: [string, () => Promise<string[]>][] = [
  ['reference interpreter (BPF insns/s over test_bpf)', () => benchInterp()],
  ['MIPS simulator vs QEMU user mode (same loop)', () => benchMips()],
  ['JIT model (BPF insns compiled/s, test_bpf)', () => benchJit()],
  ['proofs (time for the whole plan set)', () => benchProve()],
  ['code size: jitgen vs mainline (johan), be-r2, test_bpf < 3000 insns', () => benchCodeSize()],
  ['differential fuzzer (programs/s, one process)', () => benchFuzz()],
];

const only = process.argv[2];
for (const [title, run] of sections) {
  if (only && !title.includes(only)) continue;
  process.stdout.write(`== ${title}\n`);
  try {
    for (const line of await run()) process.stdout.write(`${line}\n`);
  } catch (err) {
    process.stdout.write(`  failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
