// `jitgen fuzz`: the differential fuzzer (random valid programs, interpreter vs JITed
// image in the simulator, mismatches shrunk and saved as regression reproducers), and
// with --inputs the hostile-input fuzzer of the loaders and the CLI.
import { join } from 'node:path';
import type { Command } from 'commander';
import { configsFromOptions } from '../config.ts';
import { UsageError } from '../errors.ts';
import { repoRoot } from '../paths.ts';
import { designByName } from '../jit/designs/index.ts';
import { perConfigProcesses } from '../verify/parallel.ts';
import { defaultTreeDir } from '../verify/corpus/index.ts';
import { fuzzConfig, mergeFuzzResults, type FuzzResult } from '../fuzz/run.ts';
import { fuzzHarness } from '../fuzz/harness.ts';
import { fuzzCli, fuzzLoaders } from '../fuzz/hostile.ts';

interface FuzzOpts {
  cases: string;
  seed: string;
  configs?: string;
  isa?: string;
  endian?: string;
  design: string;
  harden?: boolean;
  harness?: boolean;
  tree?: string;
  json?: boolean;
  bpf2bpf: boolean;
  kfuncs: boolean;
  steps: string;
  save: boolean;
  saveDir?: string;
  maxShrink: string;
  inputs?: boolean;
  cli: string;
}

function count(name: string, text: string, min = 0): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} takes an integer >= ${min}, not '${text}'`);
  return n;
}

const hex = (v: number | null): string => (v === null ? '-' : `0x${(v >>> 0).toString(16)}`);

function summary(r: FuzzResult): string[] {
  const lines: string[] = [];
  for (const [id, c] of Object.entries(r.configs)) {
    lines.push(`${id}: ${c!.passed} passed, ${c!.failed} mismatches, ${c!.declined} declined, ${c!.skipped} invalid; ${r.programs_per_second[id as keyof typeof r.programs_per_second]} programs/s`);
  }
  for (const f of r.failures.slice(0, 20)) {
    lines.push(`MISMATCH ${f.config} ${f.id}: expected ${hex(f.expected)}, got ${hex(f.got)}: ${f.reason}` + (f.reproducer ? ` (shrunk ${f.size} -> ${f.shrunkSize} insns: ${f.reproducer})` : ''));
  }
  if (r.failures.length > 20) lines.push(`... and ${r.failures.length - 20} more (--json lists all)`);
  for (const [id, d] of Object.entries(r.declines)) for (const [why, n] of Object.entries(d!)) lines.push(`declined ${id}: ${n}: ${why}`);
  lines.push(`total: ${r.passed} passed, ${r.failed} mismatches, ${r.declined} declined, ${r.skipped} invalid`);
  return lines;
}

function childArgs(o: FuzzOpts, id: string): string[] {
  const a = ['fuzz', '--configs', id, '--cases', o.cases, '--seed', o.seed, '--design', o.design, '--steps', o.steps, '--max-shrink', o.maxShrink, '--json'];
  if (o.harden) a.push('--harden');
  if (o.harness) a.push('--harness');
  if (o.tree) a.push('--tree', o.tree);
  if (!o.bpf2bpf) a.push('--no-bpf2bpf');
  if (!o.kfuncs) a.push('--no-kfuncs');
  if (!o.save) a.push('--no-save');
  if (o.saveDir) a.push('--save-dir', o.saveDir);
  return a;
}

export function register(program: Command): void {
  program
    .command('fuzz')
    .description('differential fuzzing: random valid programs through the interpreter and the JITed image; or hostile inputs (--inputs)')
    .option('--cases <n>', 'programs per configuration (with --inputs: mutated inputs)', '1000')
    .option('--seed <n>', 'seed: the same seed gives the same programs', '1')
    .option('--configs <list>', 'configurations (default: be-r2,le-r2,be-r6,le-r6)')
    .option('--isa <list>', 'ISA releases r2,r6 (with --endian, instead of --configs)')
    .option('--endian <list>', 'byte orders be,le (with --isa, instead of --configs)')
    .option('--design <name>', 'design preset of the JIT model', 'jitgen')
    .option('--harden', 'blind constants before JITing (a seed per program)')
    .option('--harness', 'run the images the rendered C emits (host harness) instead of the model\'s')
    .option('--tree <dir>', 'kernel tree for --harness (default kernel-tree/base)')
    .option('--no-bpf2bpf', 'do not generate bpf2bpf calls')
    .option('--no-kfuncs', 'do not generate kfunc calls')
    .option('--steps <n>', 'body steps of a generated program (about 1-3 insns each)', '24')
    .option('--max-shrink <n>', 'shrink and save at most this many mismatches per configuration', '5')
    .option('--save-dir <dir>', 'where reproducers go (default test/regressions)')
    .option('--no-save', 'do not save reproducers')
    .option('--inputs', 'hostile inputs: mutated program files through the loaders and the CLI')
    .option('--cli <n>', 'with --inputs: how many of them also go through real jitgen processes', '30')
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen fuzz --cases 10000 --seed 7 --configs be-r2,le-r6\n' +
        '  jitgen fuzz --cases 250000 --json          # per configuration, all four in parallel\n' +
        '  jitgen fuzz --harden --design johan --no-save\n' +
        '  jitgen fuzz --harness --cases 2000 --configs be-r2\n' +
        '  jitgen fuzz --inputs --cases 100000 --cli 50\n' +
        '\nGenerated programs never divide by zero (nor INT_MIN by -1 for SDIV/SMOD): the\n' +
        'verifier rewrites those, so the JIT relies on it; see src/fuzz/gen.ts for the rules.\n' +
        'A mismatch is shrunk and saved as JSON under test/regressions/ (replayed by its test).\n' +
        'Declines (a design that refuses an opcode, bpf2bpf or kfunc calls) are counted, not failed.\n' +
        'Exit status: 0 no mismatch, 1 mismatches (or crashes with --inputs), 2 bad input or usage.\n',
    )
    .action(async (o: FuzzOpts) => {
      const cases = count('--cases', o.cases);
      const seed = count('--seed', o.seed);
      const progress = (line: string): void => {
        process.stderr.write(`${line}\n`);
      };
      if (o.inputs) {
        const cli = count('--cli', o.cli);
        const loaders = fuzzLoaders(cases, seed, { progress });
        progress(`fuzz --inputs: ${loaders.inputs} inputs in ${loaders.seconds} s: ${loaders.crashes.length} crashes, ${loaders.slow.length} slow`);
        const procs = cli > 0 ? fuzzCli(join(repoRoot, 'bin/jitgen.js'), cli, seed) : undefined;
        const result = { loaders, cli: procs };
        const bad = loaders.crashes.length + loaders.slow.length + (procs?.findings.length ?? 0);
        if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else {
          const lines = [`loaders: ${loaders.inputs} inputs (${loaders.loaded} loaded, ${loaders.rejected} rejected with a clear error), ${loaders.crashes.length} crashes, ${loaders.slow.length} slow, ${loaders.seconds} s`];
          for (const c of [...loaders.crashes, ...loaders.slow].slice(0, 20)) lines.push(`  ${c.stage} ${c.input} (${c.how}): ${c.error}`);
          if (procs) {
            lines.push(`processes: ${procs.runs} runs, ${procs.clearErrors} clear errors, ${procs.accepted} accepted, ${procs.findings.length} problems`);
            for (const f of procs.findings.slice(0, 20)) lines.push(`  jitgen ${f.args.join(' ')}: ${f.problem}: ${f.stderr.split('\n')[0]}`);
          }
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        process.exitCode = bad > 0 ? 1 : 0;
        return;
      }
      const configs = configsFromOptions(o);
      const design = designByName(o.design);
      count('--steps', o.steps, 1);
      const maxShrink = count('--max-shrink', o.maxShrink);
      const saveDir = o.save ? (o.saveDir ?? join(repoRoot, 'test/regressions')) : undefined;
      let result: FuzzResult;
      if (configs.length > 1) {
        const parts = await perConfigProcesses(join(repoRoot, 'bin/jitgen.js'), configs.map((c) => c.id), (id) => childArgs(o, id), progress);
        result = mergeFuzzResults(parts as unknown as FuzzResult[]);
      } else {
        const fo = {
          cases,
          seed,
          config: configs[0]!,
          design,
          harden: o.harden,
          gen: { steps: Number(o.steps), bpf2bpf: o.bpf2bpf, kfuncs: o.kfuncs },
          saveDir,
          maxShrink,
          progress,
        };
        result = o.harness ? await fuzzHarness(o.tree ?? defaultTreeDir, fo) : fuzzConfig(fo);
      }
      if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${summary(result).join('\n')}\n`);
      process.exitCode = result.failed > 0 ? 1 : 0;
    });
}
