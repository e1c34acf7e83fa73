// Simulator speed beside QEMU user mode's on the same loop, measured in one run.
//
// The loop is JIT-like code (ALU, compare-and-carry, a load and a store, a counted
// branch with its delay slot). QEMU runs it inside the cross-check harness; its speed
// is (instructions at N iterations) / (wall time at N - wall time at N = 0), so process
// start-up and the harness's own work cancel out. The simulator runs the identical
// words at the identical addresses; its time is measured in-process.
import { spawnSync } from 'node:child_process';
import { config, type ConfigId } from '../src/config.ts';
import { ins } from '../src/mips/builder.ts';
import { buildHarness, caseInput, qemuCommand, simulateCase } from '../src/mips/check-qemu.ts';
import { encode, type MipsInsn } from '../src/mips/codec.ts';
import { A0, A1, A2, A3, K1, T0, T9 } from '../src/mips/regs.ts';
import { LAYOUT, type SeqCase } from '../src/mips/seqgen.ts';

const BODY = 10; // instructions per iteration, the closing bne and its slot included

function loopCase(id: ConfigId, iterations: number): SeqCase {
  const isa = config(id).isa;
  const prog: MipsInsn[] = [
    ins.lui(T0, iterations >>> 16),
    ins.ori(T0, T0, iterations & 0xffff),
    // body: a 64-bit add with carry, a load, a shift, a store, the counter
    ins.addu(A1, A1, A3),
    ins.sltu(T9, A1, A3),
    ins.addu(A0, A0, A2),
    ins.addu(A0, A0, T9),
    ins.lw(A2, 0, K1),
    ins.sll(A3, A2, 3),
    ins.sw(A1, 4, K1),
    ins.addiu(T0, T0, -1),
    ins.bne(T0, 0, -(BODY - 1) * 4),
    ins.xor(A3, A3, A1), // delay slot
  ];
  const guard: MipsInsn[] = [ins.beq(T0, 0, (prog.length - 1) * 4), ins.nop()]; // N = 0: skip the loop
  const code = [...prog.slice(0, 2), ...guard, ...prog.slice(2)];
  const regs = Array.from({ length: 32 }, (_, i) => (i * 0x9e3779b9) >>> 0);
  regs[0] = 0;
  regs[K1] = LAYOUT.k1;
  return { insns: code, words: code.map((i) => encode(i, isa)), regs, hi: 0, lo: 0, scratch: new Uint8Array(LAYOUT.scratchSize) };
}

function qemuSeconds(harness: string, id: ConfigId, c: SeqCase): number {
  const cfg = config(id);
  const { cmd, cpu } = qemuCommand(cfg);
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, [...cpu, harness], { input: caseInput(c, cfg.endian) });
  const dt = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`qemu failed: ${r.stderr}`);
  return dt;
}

/** Printable lines: simulator and QEMU speed (MIPS instructions per second) and ratio. */
export async function benchMips(configs: ConfigId[] = ['be-r2', 'le-r6']): Promise<string[]> {
  const lines: string[] = [];
  for (const id of configs) {
    const harness = await buildHarness(config(id), '.cache/mips');
    const simIters = 1_000_000;
    const qemuIters = 20_000_000;
    const insns = (n: number) => 4 + BODY * n; // set-up and guard, then the loop
    // the simulator: best of 3 (first run includes decoding and JIT warm-up)
    let simBest = Infinity;
    for (let k = 0; k < 3; k++) {
      const c = loopCase(id, simIters);
      const t = process.hrtime.bigint();
      const out = simulateCase(c, config(id), 2 * insns(simIters));
      simBest = Math.min(simBest, Number(process.hrtime.bigint() - t) / 1e9);
      if (out.fault) throw new Error(out.fault);
    }
    // QEMU: best of 3 at N and at 0
    let q0 = Infinity;
    let qn = Infinity;
    for (let k = 0; k < 3; k++) {
      q0 = Math.min(q0, qemuSeconds(harness, id, loopCase(id, 0)));
      qn = Math.min(qn, qemuSeconds(harness, id, loopCase(id, qemuIters)));
    }
    const simRate = insns(simIters) / simBest;
    const qemuRate = (insns(qemuIters) - insns(0)) / Math.max(qn - q0, 1e-9);
    const m = (r: number) => `${(r / 1e6).toFixed(1)} M insn/s`;
    lines.push(
      `mips ${id}: simulator ${m(simRate)} (${simIters} iterations x ${BODY}), ` +
        `qemu-user ${m(qemuRate)} (${qemuIters} iterations, start-up ${(q0 * 1000).toFixed(0)} ms subtracted), ` +
        `qemu/simulator = ${(qemuRate / simRate).toFixed(1)}x`,
    );
  }
  return lines;
}

// `npx tsx bench/mips.ts` runs it alone
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchMips()) console.log(line);
}
