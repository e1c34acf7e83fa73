// `jitgen corpus import`: extract lib/test_bpf.c's tests from a kernel tree into the cache.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { defaultTreeDir, importCorpus, type ImportSummary } from '../verify/corpus/index.ts';

export function register(program: Command): void {
  const corpus = program.command('corpus').description("import the kernel's own test corpus (lib/test_bpf.c)");
  corpus
    .command('import')
    .description("compile test_bpf.c's test table on the host (both byte orders) and cache every test")
    .option('--tree <dir>', 'kernel tree to read lib/test_bpf.c from (default: kernel-tree/base)')
    .option('--force', 'rebuild even if the cache is up to date')
    .addHelpText(
      'after',
      '\nExamples:\n  jitgen corpus import\n  jitgen corpus import --tree /tmp/ks/linux-source-6.12 --force\n',
    )
    .action(async (opts: { tree?: string; force?: boolean }) => {
      if (!opts.tree && !existsSync(defaultTreeDir)) {
        throw new InputError(`no kernel tree at ${defaultTreeDir}: run \`jitgen tree init\` or pass --tree DIR`);
      }
      const summary = await importCorpus(opts.tree ?? defaultTreeDir, {
        force: opts.force,
        progress: (m) => process.stderr.write(`corpus: ${m}\n`),
      });
      process.stdout.write(report(summary));
    });
}

function report(s: ImportSummary): string {
  const lines = [
    `corpus: ${s.reused ? 'cache up to date, nothing to do' : `imported in ${s.seconds} s`}`,
    `  tree:  ${s.tree}`,
    `  cache: ${s.cacheDir} (${(s.cacheBytes / 1e6).toFixed(1)} MB)`,
  ];
  for (const e of ['be', 'le'] as const) {
    const b = s.byEndian[e];
    lines.push(
      `  ${e}: test_bpf ${b.tests} tests (${b.ebpf} eBPF, ${b.classic} classic; ${b.generated} generated, ` +
        `${b.generatedInsns.toLocaleString('en-US')} generated insns, ${b.insns.toLocaleString('en-US')} in all), ` +
        `tail_calls ${b.tailCalls} tests`,
    );
  }
  lines.push(`  tests that differ between byte orders: ${s.differingTests.length}`);
  lines.push(`  MAX_TAIL_CALL_CNT: ${s.maxTailCallCnt}`);
  return `${lines.join('\n')}\n`;
}
