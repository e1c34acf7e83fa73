// `jitgen crosscheck`: the MIPS encoder/disassembler against GNU objdump and the
// simulator against QEMU user mode (validation ladder, rung 2).
import type { Command } from 'commander';
import { configsFromOptions } from '../config.ts';
import { UsageError } from '../errors.ts';
import { checkObjdump, type CheckMismatch, type CheckResult } from '../mips/check-objdump.ts';
import { checkQemu } from '../mips/check-qemu.ts';

interface Options {
  objdump?: boolean;
  qemu?: boolean;
  cases: string;
  seed: string;
  configs?: string;
  isa?: string;
  endian?: string;
  json?: boolean;
  cacheDir: string;
}

function count(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a non-negative integer, got '${value}'`);
  return n;
}

export function register(program: Command): void {
  program
    .command('crosscheck')
    .description('check the MIPS encoder against GNU objdump and the simulator against QEMU user mode')
    .option('--objdump', 'encoder and disassembler vs mips-linux-gnu-objdump (default: both checks)')
    .option('--qemu', 'simulator vs qemu-mips-static / qemu-mipsel-static (default: both checks)')
    .option('--cases <n>', 'cases per configuration and check', '1000')
    .option('--seed <s>', 'seed of the random cases', '1')
    .option('--configs <list>', 'configurations (be-r2,le-r2,be-r6,le-r6)')
    .option('--isa <list>', 'ISAs (r2,r6), with --endian instead of --configs')
    .option('--endian <list>', 'byte orders (be,le)')
    .option('--json', 'print JSON: {"cases", "mismatches", "configs", "examples"}')
    .option('--cache-dir <dir>', 'where the harness and blobs are built', '.cache/mips')
    .action(async (opts: Options) => {
      const configs = configsFromOptions(opts);
      const cases = count(opts.cases, '--cases');
      const seed = count(opts.seed, '--seed');
      const both = !opts.objdump && !opts.qemu;
      const started = performance.now();
      const perConfig: Record<string, unknown>[] = [];
      const examples: CheckMismatch[] = [];
      let total = 0;
      let mismatches = 0;
      const add = (r: CheckResult): { cases: number; mismatches: number } => {
        total += r.cases;
        mismatches += r.mismatches;
        examples.push(...r.examples);
        return { cases: r.cases, mismatches: r.mismatches };
      };
      for (const cfg of configs) {
        const t = performance.now();
        const entry: Record<string, unknown> = { id: cfg.id };
        if (both || opts.objdump) {
          entry.objdump = add(await checkObjdump(cfg, cases, seed, opts.cacheDir));
        }
        if (both || opts.qemu) {
          entry.qemu = add(
            await checkQemu(cfg, cases, seed, opts.cacheDir, {
              progress: (n) => process.stderr.write(`\r${cfg.id}: qemu ${n}/${cases}`),
            }),
          );
          process.stderr.write('\n');
        }
        entry.seconds = Number(((performance.now() - t) / 1000).toFixed(1));
        perConfig.push(entry);
        if (!opts.json) process.stderr.write(`${cfg.id}: ${JSON.stringify(entry)}\n`);
      }
      const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ cases: total, mismatches, configs: perConfig, examples, seconds }, null, 2)}\n`);
      } else {
        for (const e of examples) printMismatch(e);
        process.stdout.write(`${total} cases, ${mismatches} mismatches (${configs.map((c) => c.id).join(', ')}; ${seconds} s)\n`);
      }
      if (mismatches > 0) process.exitCode = 1;
    });
}

function printMismatch(e: CheckMismatch): void {
  const lines = [`${e.check} mismatch, ${e.config} case ${e.case}: ${e.what}`];
  for (const [k, v] of Object.entries(e)) {
    if (['check', 'config', 'case', 'what', 'reproducer'].includes(k)) continue;
    if (Array.isArray(v)) lines.push(`  ${k}:`, ...v.map((x) => `    ${String(x)}`));
    else lines.push(`  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  lines.push(`  reproduce: ${e.reproducer}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
