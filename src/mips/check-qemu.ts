// Simulator against QEMU user mode: random sequences (seqgen.ts) run by the freestanding
// harness (qemu/harness.c, cross-compiled here at run time into .cache/mips/) under
// qemu-mips-static / qemu-mipsel-static, and by the simulator; the whole register file,
// HI/LO (R2) and the scratch memory are compared.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ConcreteMemory } from '../bv/memory.ts';
import type { Config } from '../config.ts';
import { disasm } from './codec.ts';
import { MipsFault } from './machine.ts';
import { REG_NAMES } from './regs.ts';
import { Rng } from './random.ts';
import { LAYOUT, SequenceGenerator, type SeqCase } from './seqgen.ts';
import { Simulator } from './sim.ts';
import { wordsToBytes, type CheckMismatch, type CheckResult } from './check-objdump.ts';

const run = promisify(execFile);
const HARNESS_SRC = join(dirname(fileURLToPath(import.meta.url)), 'qemu', 'harness.c');
const SYSCALL_HEADER = join(dirname(HARNESS_SRC), 'o32-syscall.h');

export function qemuCommand(cfg: Config): { cmd: string; cpu: string[] } {
  return {
    cmd: cfg.endian === 'be' ? 'qemu-mips-static' : 'qemu-mipsel-static',
    cpu: cfg.isa === 'r6' ? ['-cpu', 'mips32r6-generic'] : ['-cpu', '24Kf'],
  };
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

/** Build (or reuse) the harness for a configuration; returns its path. */
export async function buildHarness(cfg: Config, cacheDir: string): Promise<string> {
  // the harness and the header it includes: either one changing makes a new build
  const src = Buffer.concat([await readFile(HARNESS_SRC), await readFile(SYSCALL_HEADER)]);
  const cc = cfg.endian === 'be' ? 'mips-linux-gnu-gcc' : 'mipsel-linux-gnu-gcc';
  const defs = {
    BLOB_ADDR: LAYOUT.blob, BLOB_AREA_SIZE: LAYOUT.blobAreaSize, DATA_AREA_SIZE: LAYOUT.dataAreaSize,
    SCRATCH_ADDR: LAYOUT.scratch, SCRATCH_SIZE: LAYOUT.scratchSize, SAVE_ADDR: LAYOUT.save,
    SEED_ADDR: LAYOUT.seed, K1_VALUE: LAYOUT.k1, MAX_WORDS: LAYOUT.maxWords,
  };
  const args = [
    '-static', '-nostdlib', '-ffreestanding', '-fno-pic', '-mno-abicalls', '-G0', '-O2',
    `-march=${cfg.isa === 'r2' ? 'mips32r2' : 'mips32r6'}`,
    `-Wl,--section-start=.blob=${hex(LAYOUT.blobArea)}`, `-Wl,--section-start=.scratcharea=${hex(LAYOUT.dataArea)}`,
    '-Wl,--no-warn-rwx-segments',
    ...Object.entries(defs).map(([k, v]) => `-D${k}=${hex(v)}`),
  ];
  const key = createHash('sha256').update(src).update(cc).update(args.join(' ')).digest('hex').slice(0, 12);
  const out = join(cacheDir, `harness-${cfg.id}-${key}`);
  if (existsSync(out)) return out;
  await mkdir(cacheDir, { recursive: true });
  await run(cc, [...args, '-o', `${out}.tmp`, HARNESS_SRC]);
  await run('mv', [`${out}.tmp`, out]);
  return out;
}

const OUT_BYTES = 34 * 4 + LAYOUT.scratchSize;

/** The bytes the harness reads for one case. */
export function caseInput(c: SeqCase, endian: 'be' | 'le'): Uint8Array {
  const head = wordsToBytes([c.words.length, ...c.regs, c.hi, c.lo], endian);
  const code = wordsToBytes(c.words, endian);
  const out = new Uint8Array(head.length + c.scratch.length + code.length);
  out.set(head, 0);
  out.set(c.scratch, head.length);
  out.set(code, head.length + c.scratch.length);
  return out;
}

/** Run cases through QEMU; returns the raw output per case (undefined: no output). */
export async function runQemu(harness: string, cfg: Config, cases: readonly SeqCase[], timeoutMs = 120_000): Promise<(Uint8Array | undefined)[]> {
  const { cmd, cpu } = qemuCommand(cfg);
  const input = Buffer.concat(cases.map((c) => caseInput(c, cfg.endian)));
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const p = spawn(cmd, [...cpu, harness], { stdio: ['pipe', 'pipe', 'inherit'] });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (b: Buffer) => chunks.push(b));
    p.on('error', reject);
    p.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    p.stdin.on('error', () => {}); // a crashed harness closes its stdin early
    p.stdin.end(input);
  });
  const all = Buffer.concat(chunks);
  return cases.map((_, i) => (all.length >= (i + 1) * OUT_BYTES ? new Uint8Array(all.subarray(i * OUT_BYTES, (i + 1) * OUT_BYTES)) : undefined));
}

export interface SimOutcome {
  regs: number[];
  hi: number;
  lo: number;
  scratch: Uint8Array;
  steps: number;
  fault?: string;
}

/** Run one case in the simulator, as the harness lays it out. */
export function simulateCase(c: SeqCase, cfg: Config, budget = 1_000_000): SimOutcome {
  const memory = new ConcreteMemory();
  memory.map('code', LAYOUT.blob, wordsToBytes(c.words, cfg.endian), false);
  const scratch = new Uint8Array(c.scratch);
  memory.map('scratch', LAYOUT.scratch, scratch);
  const end = LAYOUT.blob + 4 * c.words.length;
  const sim = new Simulator({ isa: cfg.isa, endian: cfg.endian, memory, haltAddress: end });
  c.regs.forEach((v, i) => sim.setReg(i, v));
  sim.hiValue = c.hi;
  sim.loValue = c.lo;
  let fault: string | undefined;
  try {
    sim.run(LAYOUT.blob, budget);
  } catch (e) {
    if (!(e instanceof MipsFault)) throw e;
    fault = e.message;
  }
  const regs = Array.from({ length: 32 }, (_, i) => sim.reg(i));
  return { regs, hi: cfg.isa === 'r2' ? sim.hiValue : 0, lo: cfg.isa === 'r2' ? sim.loValue : 0, scratch, steps: sim.steps, fault };
}

/** Differences between the simulator's outcome and QEMU's output bytes. */
export function compareOutcome(sim: SimOutcome, qemu: Uint8Array, endian: 'be' | 'le'): string[] {
  const dv = new DataView(qemu.buffer, qemu.byteOffset, qemu.byteLength);
  const diffs: string[] = [];
  if (sim.fault) diffs.push(`simulator fault: ${sim.fault}`);
  for (let i = 0; i < 34; i++) {
    const q = dv.getUint32(i * 4, endian === 'le');
    const s = i < 32 ? sim.regs[i]! : i === 32 ? sim.hi : sim.lo;
    const name = i < 32 ? REG_NAMES[i]! : i === 32 ? 'hi' : 'lo';
    if (q !== s) diffs.push(`${name}: qemu ${hex(q)} sim ${hex(s)}`);
  }
  for (let i = 0; i < LAYOUT.scratchSize; i++) {
    const q = qemu[34 * 4 + i]!;
    if (q !== sim.scratch[i]) diffs.push(`scratch[${hex(LAYOUT.scratch + i)}]: qemu ${hex(q)} sim ${hex(sim.scratch[i]!)}`);
  }
  return diffs;
}

/** A listing of the case, as objdump would print it at the case's addresses. */
export function listing(c: SeqCase, isa: 'r2' | 'r6'): string[] {
  return c.words.map((w, i) => {
    const pc = LAYOUT.blob + 4 * i;
    return `${pc.toString(16)}:\t${w.toString(16).padStart(8, '0')}\t${disasm(w, isa, pc)}`;
  });
}

export async function checkQemu(
  cfg: Config,
  cases: number,
  seed: number,
  cacheDir: string,
  opts: { batch?: number; parallel?: number; maxExamples?: number; progress?: (done: number) => void } = {},
): Promise<CheckResult> {
  const harness = await buildHarness(cfg, cacheDir);
  const batch = opts.batch ?? 1000;
  const parallel = opts.parallel ?? 2;
  const maxExamples = opts.maxExamples ?? 5;
  const gen = new SequenceGenerator(cfg.isa, new Rng(seed ^ 0x9e3779b9));
  const all = Array.from({ length: cases }, () => gen.generate());
  const examples: CheckMismatch[] = [];
  let mismatches = 0;
  let done = 0;

  const doBatch = async (start: number): Promise<void> => {
    const slice = all.slice(start, start + batch);
    const outs = await runQemu(harness, cfg, slice);
    for (let j = 0; j < slice.length; j++) {
      const c = slice[j]!;
      const out = outs[j];
      const sim = simulateCase(c, cfg);
      const diffs = out ? compareOutcome(sim, out, cfg.endian) : ['qemu produced no output for this case (crash or hang)'];
      if (diffs.length === 0) continue;
      mismatches++;
      if (examples.length < maxExamples) {
        const file = join(cacheDir, `repro-${cfg.id}-${start + j}.bin`);
        await writeFile(file, caseInput(c, cfg.endian));
        const { cmd, cpu } = qemuCommand(cfg);
        examples.push({
          check: 'qemu',
          config: cfg.id,
          case: start + j,
          what: diffs.slice(0, 8).join('; '),
          listing: listing(c, cfg.isa),
          seeds: Object.fromEntries(c.regs.map((v, i) => [REG_NAMES[i]!, hex(v)]).concat([['hi', hex(c.hi)], ['lo', hex(c.lo)]])),
          reproducer: `${cmd} ${cpu.join(' ')} ${harness} < ${file} | od -A x -t x1 | head -20`,
        });
      }
    }
    done += slice.length;
    opts.progress?.(done);
  };

  const starts: number[] = [];
  for (let s = 0; s < cases; s += batch) starts.push(s);
  const workers = Array.from({ length: Math.min(parallel, starts.length) }, async () => {
    for (let s = starts.shift(); s !== undefined; s = starts.shift()) await doBatch(s);
  });
  await Promise.all(workers);
  examples.sort((a, b) => a.case - b.case);
  return { cases, mismatches, examples };
}
