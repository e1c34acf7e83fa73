// `jitgen boot-test`: build a kernel tree per configuration, boot it under QEMU with
// test_bpf.ko in an initramfs, and report test_bpf's summary lines.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configsFromOptions } from '../config.ts';
import { UsageError } from '../errors.ts';
import { resolveTree } from '../kernel/tree.ts';
import { bootTest, bootTestPassed, summaryText, type BootTestResult } from '../kernel/boottest.ts';
import { formatElapsed } from '../kernel/build.ts';
import { patchedTreeSources } from '../render/harness-check.ts';
import { recordBoot } from '../series/records.ts';
import { seriesWorktree } from '../series/paths.ts';

export interface BootTestCliOptions {
  configs?: string;
  isa?: string;
  endian?: string;
  mainline?: boolean;
  tree?: string;
  timeout?: string;
  jitDump?: boolean;
  json?: boolean;
}

const progress = (m: string): void => {
  process.stderr.write(`boot-test: ${m}\n`);
};

/**
 * The tree to boot: `--tree DIR` (a tree with the series applied, or with --mainline any
 * unpatched tree), with --mainline the base tree, else the series' own worktree.
 */
export function treeOf(o: Pick<BootTestCliOptions, 'tree' | 'mainline'>, worktree = seriesWorktree): string {
  if (o.tree) return resolveTree(o.tree);
  if (o.mainline) return resolveTree();
  if (!existsSync(join(worktree, '.git'))) {
    throw new UsageError('no series yet: run `jitgen patch --series` first, or give --tree DIR or --mainline');
  }
  return worktree;
}

function timeoutOf(o: BootTestCliOptions): number {
  // Dumping every image as hex over the emulated serial line takes much longer.
  if (o.timeout === undefined) return o.jitDump ? 2400 : 900;
  const n = Number(o.timeout);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout: expected seconds, got '${o.timeout}'`);
  return n;
}

function text(results: BootTestResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const timing = `build ${r.build.reused ? 'reused' : formatElapsed(r.build.seconds)}${r.boot ? `, boot ${formatElapsed(r.boot.seconds)}` : ''}`;
    lines.push(`${r.config}: ${summaryText(r)} (${timing})`);
    for (const f of r.failures) lines.push(`  FAILED ${f.id}: ${f.detail}`);
    if (r.jitDumps) lines.push(`  JIT images dumped: ${r.jitDumps.count} (${r.jitDumps.complete} complete) -> ${r.jitDumps.file}`);
    const cmp = r.jitDumps?.comparison;
    if (cmp) {
      lines.push(`  kernel vs harness: ${cmp.compared} compared, ${cmp.equal} equal, ${cmp.equalAtInferredBase} equal at the inferred image base, ${cmp.mismatches.length} differ` +
        `; ${cmp.incomplete} incomplete, ${cmp.notInCorpus.length} not in the corpus, ${cmp.notJitedByHarness.length} not JITed by the harness`);
      for (const m of cmp.mismatches.slice(0, 20)) lines.push(`    DIFFER ${m.id}: ${m.differing} words (kernel ${m.kernelWords}, harness ${m.harnessWords}; first at ${m.first?.at}: ${m.first?.kernel} vs ${m.first?.harness})`);
    }
    lines.push(`  serial log: ${r.log}`);
  }
  return `${lines.join('\n')}\n`;
}

function imagesOf(r: BootTestResult): { compared: number; equal: number; differ: number } | null {
  const c = r.jitDumps?.comparison;
  return c ? { compared: c.compared, equal: c.equal + c.equalAtInferredBase, differ: c.mismatches.length } : null;
}

/** Keep the summary for the series' cover letter, with the commit that was booted. */
async function record(tree: string, opts: BootTestCliOptions, results: BootTestResult[]): Promise<void> {
  const name = `boot-test${opts.mainline ? '-mainline' : ''}${opts.jitDump ? '-jit-dump' : ''}`;
  const configs = Object.fromEntries(results.map((r) => [r.config, { summary: summaryText(r), passed: bootTestPassed(r), images: imagesOf(r) }]));
  await recordBoot(tree, name, configs);
}

export function register(program: Command): void {
  program
    .command('boot-test')
    .description('build the kernel and test_bpf.ko, boot under qemu-system-mips(el) -M malta, report test_bpf')
    .option('--configs <list>', 'configurations (be-r2,le-r2,be-r6,le-r6; default all four)')
    .option('--isa <list>', 'ISAs (r2,r6), with --endian instead of --configs')
    .option('--endian <list>', 'byte orders (be,le)')
    .option('--mainline', 'the unpatched tree (the base tree, or --tree DIR)')
    .option('--tree <dir>', 'kernel tree to build and boot (default: the series worktree of `jitgen patch --series`; with --mainline the base tree)')
    .option('--timeout <seconds>', 'time limit of each boot in seconds (default 900; 2400 with --jit-dump)')
    .option('--jit-dump', 'build without BPF_JIT_ALWAYS_ON, boot with bpf_jit_enable=2 and keep every JIT image from the log')
    .option('--json', 'print JSON: {"configs": {ID: {"passed", "failed", "jited", "total", "tail_calls", "failures", "log", "seconds", ...}}}')
    .addHelpText(
      'after',
      '\nA kernel build takes 6-7 minutes per configuration (reused on the next run); a boot about 2.\n' +
        'Examples:\n  jitgen boot-test --configs be-r2\n  jitgen boot-test --mainline --configs be-r2\n  jitgen boot-test --mainline --configs be-r2 --jit-dump --json\n',
    )
    .action(async (opts: BootTestCliOptions) => {
      const tree = treeOf(opts);
      const configs = configsFromOptions(opts);
      const timeoutSeconds = timeoutOf(opts);
      const results: BootTestResult[] = [];
      for (const c of configs) {
        // the dumped images are compared with the same tree's C in the host harness:
        // mainline's bpf_jit_comp*.c, or the series' ebpf_jit_*.c
        const compareWith = !opts.jitDump ? undefined : opts.mainline ? ('mainline' as const) : patchedTreeSources(tree, c);
        results.push(await bootTest(tree, c, { timeoutSeconds, jitDump: opts.jitDump, compareWith, progress }));
      }
      await record(tree, opts, results);
      if (opts.json) {
        const configsOut = Object.fromEntries(results.map((r) => [r.config, r]));
        process.stdout.write(`${JSON.stringify({ tree, configs: configsOut }, null, 2)}\n`);
      } else {
        process.stdout.write(text(results));
      }
      const imagesDiffer = results.some((r) => (r.jitDumps?.comparison?.mismatches.length ?? 0) > 0);
      process.exitCode = results.every(bootTestPassed) && !imagesDiffer ? 0 : 1;
    });
}
