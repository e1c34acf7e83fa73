// `jitgen run PROG`: run one program and print R0. Today the reference interpreter's
// column only; the JIT model (simulated) adds its own row beside it.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configFromOptions, type Config } from '../config.ts';
import { InputError, UsageError } from '../errors.ts';
import { loadProgram } from '../bpf/loaders/index.ts';
import { verifierRewrites } from '../bpf/rewrites.ts';
import { BpfFault, interpret } from '../bpf/interpreter.ts';
import type { Program } from '../bpf/program.ts';
import type { Design } from '../jit/design.ts';
import { designByName } from '../jit/designs/index.ts';
import { defaultBinding } from '../jit/binding.ts';
import { runProgramJit } from '../verify/jit-runner.ts';

interface RunOpts {
  ctx?: string;
  reg: string[];
  config?: string;
  isa?: string;
  endian?: string;
  section?: string;
  inputEndian?: string;
  budget?: string;
  design: string;
  verifierRewrites?: boolean;
}

/** One engine's answer: R0, or why there is none. */
export interface RunRow {
  engine: string;
  r0?: bigint;
  steps?: number;
  fault?: string;
  /** Only the low 32 bits of R0 are known (the JITed function's return value). */
  low32?: boolean;
}

/** `rN=VALUE` (decimal, 0x hex, negative for two's complement) into register and u64. */
export function parseRegAssignment(text: string): [number, bigint] {
  const m = /^r(\d+)=(-?(?:0x[0-9a-f]+|\d+))$/i.exec(text.trim());
  if (!m) throw new UsageError(`--reg takes rN=VALUE (e.g. r1=0x10 or r2=-1), not '${text}'`);
  const reg = Number(m[1]);
  if (reg > 9) throw new UsageError(`--reg ${text}: only r0-r9 can be preset (r10 is the frame pointer)`);
  const neg = m[2]!.startsWith('-');
  const mag = BigInt(neg ? m[2]!.slice(1) : m[2]!);
  if (mag >= 1n << 64n) throw new UsageError(`--reg ${text}: value does not fit in 64 bits`);
  return [reg, BigInt.asUintN(64, neg ? -mag : mag)];
}

function readCtx(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read context file${code ? ` (${code})` : ''}`);
  }
}

function parseBudget(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--budget takes a positive number of instructions, not '${text}'`);
  return n;
}

/** The interpreter's row for `prog` on configuration `cfg`. */
export function interpreterRow(
  prog: Program,
  cfg: Config,
  ctx: Uint8Array | null,
  regs: Map<number, bigint>,
  budget?: number,
): RunRow {
  try {
    const r = interpret(prog, { order: cfg.endian, budget }, { ctx, regs });
    return { engine: 'interpreter', r0: r.r0, steps: r.steps };
  } catch (e) {
    if (e instanceof BpfFault) return { engine: 'interpreter', fault: e.message };
    throw e;
  }
}

/**
 * The JIT model's row: the image in the simulator. `bpf_func` returns an unsigned int,
 * so only R0's low 32 bits come back. Preset registers are placed in their MIPS homes;
 * R1 is the context pointer the kernel passes, so only its low 32 bits can be preset.
 */
export function jitRow(prog: Program, cfg: Config, design: Design, ctx: Uint8Array | null, regs: Map<number, bigint>, budget?: number): RunRow {
  const engine = `jit (${design.name})`;
  try {
    const r = runProgramJit(prog, { design, config: cfg, binding: defaultBinding(), budget }, ctx, regs);
    return { engine, r0: BigInt(r.r0), steps: r.steps, low32: true };
  } catch (e) {
    if (e instanceof InputError || (e as Error).name === 'MipsFault') return { engine, fault: (e as Error).message };
    throw e;
  }
}

/** `engine  r0 = 0x<16 hex>  <u64>[ (<s64>)]  <n> insns`, or the fault. */
export function formatRow(row: RunRow): string {
  const name = row.engine.padEnd(12);
  if (row.r0 === undefined) return `${name} fault: ${row.fault}`;
  if (row.low32) {
    const signed = BigInt.asIntN(32, row.r0);
    const dec = signed < 0n ? `${row.r0} (${signed})` : `${row.r0}`;
    return `${name} w0 = 0x${row.r0.toString(16).padStart(8, '0')}          ${dec}  (${row.steps} MIPS insns)`;
  }
  const signed = BigInt.asIntN(64, row.r0);
  const dec = signed < 0n ? `${row.r0} (${signed})` : `${row.r0}`;
  return `${name} r0 = 0x${row.r0.toString(16).padStart(16, '0')}  ${dec}  (${row.steps} insns)`;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a BPF program in the reference interpreter and JITed in the simulator; print R0')
    .argument('<prog>', 'program file: .bin (raw bytecode), .json or .o (BPF ELF)')
    .option('--ctx <file>', 'bytes R1 points to (default: none, R1 = 0)')
    .option('--reg <rN=VALUE>', 'preset a register before the run (repeatable; r0-r9)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--config <id>', 'configuration be-r2, le-r2, be-r6 or le-r6 (default be-r2)')
    .option('--isa <r2|r6>', 'ISA release (with --endian, instead of --config)')
    .option('--endian <be|le>', 'target byte order (with --isa, instead of --config)')
    .option('--section <name>', 'ELF: program section, section:function, or function name')
    .option('--input-endian <be|le>', 'raw bytecode: byte order of the file (default le)')
    .option('--budget <n>', 'stop after this many instructions (default 50000000)')
    .option('--design <name>', 'design preset of the JIT row', 'jitgen')
    .option('--verifier-rewrites', "apply the verifier's rewrites first (x/0 guards, explicit zero extensions): both rows run the rewritten program")
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen run prog.bin --config le-r2\n' +
        '  jitgen run prog.json --reg r1=0x10 --reg r2=-1\n' +
        '  jitgen run prog.o --section xdp --ctx packet.bin --endian le\n' +
        '\nExit status: 0 when the program exits, 1 on a fault (bounds, budget, unknown\n' +
        'helper, reserved instruction), 2 on bad input.\n',
    )
    .action((path: string, opts: RunOpts) => {
      const cfg = configFromOptions(opts);
      const ie = opts.inputEndian;
      if (ie !== undefined && ie !== 'be' && ie !== 'le') throw new UsageError(`--input-endian takes be or le, not '${ie}'`);
      const regs = new Map(opts.reg.map(parseRegAssignment));
      const budget = parseBudget(opts.budget);
      const loaded = loadProgram(path, { section: opts.section, inputEndian: ie });
      const prog = opts.verifierRewrites ? verifierRewrites(loaded) : loaded;
      const ctx = opts.ctx !== undefined ? readCtx(opts.ctx) : null;
      const rows = [interpreterRow(prog, cfg, ctx, regs, budget), jitRow(prog, cfg, designByName(opts.design), ctx, regs, budget)];
      const lines = [`${prog.id} (${cfg.id}, ${prog.insns.length} insns)`, ...rows.map(formatRow)];
      process.stdout.write(`${lines.join('\n')}\n`);
      if (rows.some((r) => r.fault !== undefined)) process.exitCode = 1;
    });
}
