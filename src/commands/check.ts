// `jitgen check`: checks of the JIT against outside references. Modes so far:
//   --harness --mainline   mainline's MIPS32 JIT C, compiled unmodified in the host
//                          harness, on the corpus: JITed / refused / static words.
//   --harness              the rendered C (jitgen render) in the host harness: every
//                          image word for word equal to the TS model's.
// Each mode is one entry of MODES; a new mode adds an entry (and its options).
import type { Command } from 'commander';
import { configsFromOptions, type Config } from '../config.ts';
import { UsageError } from '../errors.ts';
import { resolveTree } from '../kernel/tree.ts';
import { HARNESS_CORPORA, mainlineReport, type MainlineReport } from '../kernel/harness/mainline.ts';
import type { CorpusName } from '../verify/corpus/index.ts';
import { parseCorpora } from './verify.ts';
import { buildReportText, buildTargets, checkBuild } from '../kernel/checkbuild.ts';
import { harnessCheck, harnessCheckText } from '../render/harness-check.ts';
import { designByName } from '../render/index.ts';
import { checkpatchSeries, checkpatchText } from '../kernel/checkpatch.ts';
import { patchesDir } from '../paths.ts';
import { join } from 'node:path';
import { recordBuild, recordCheckpatch, recordHarness, recordMainline } from '../series/records.ts';

export interface CheckOptions {
  build?: boolean;
  /** --no-mips64 skips the 64-bit build of --build. */
  mips64?: boolean;
  harness?: boolean;
  mainline?: boolean;
  configs?: string;
  isa?: string;
  endian?: string;
  corpus?: string;
  json?: boolean;
  tree?: string;
  design?: string;
  checkpatch?: boolean;
  patches?: string;
  version?: string;
}

interface Mode {
  /** Does this mode handle the given options? */
  matches: (o: CheckOptions) => boolean;
  /** Runs it; returns the exit status. */
  run: (o: CheckOptions, configs: Config[]) => Promise<number>;
}

/** --checkpatch runs beside another mode (e.g. with --build); its own exit status. */
async function runCheckpatch(o: CheckOptions): Promise<number> {
  const dir = join(o.patches ?? patchesDir, `v${o.version ?? '1'}`);
  const report = checkpatchSeries(resolveTree(o.tree), dir);
  process.stdout.write(o.json ? `${JSON.stringify({ checkpatch: report }, null, 2)}\n` : checkpatchText(report));
  recordCheckpatch(report);
  return report.ok ? 0 : 1;
}

const progress = (m: string): void => {
  process.stderr.write(`${m}\n`);
};

function corporaOf(o: CheckOptions): CorpusName[] {
  return o.corpus ? parseCorpora(o.corpus) : [...HARNESS_CORPORA];
}

const MODES: Mode[] = [
  {
    // --build: the tree cross-compiles per configuration (+ MIPS64), W=1, no JIT warnings.
    matches: (o) => !!o.build,
    run: async (o, configs) => {
      const report = await checkBuild(resolveTree(o.tree), buildTargets(configs, o.mips64 !== false), {
        progress: (m) => progress(`check --build: ${m}`),
      });
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : buildReportText(report));
      await recordBuild(report);
      return report.ok ? 0 : 1;
    },
  },
  {
    matches: (o) => !!o.harness && !!o.mainline,
    run: async (o, configs) => {
      const report = await mainlineReport(resolveTree(o.tree), configs, { corpora: corporaOf(o), progress });
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : mainlineText(report));
      recordMainline(corporaOf(o), report);
      // Refusals are a fact about mainline being measured, not a failure of the check.
      return 0;
    },
  },
  {
    matches: (o) => !!o.harness && !o.mainline,
    run: async (o, configs) => {
      const design = designByName(o.design ?? 'jitgen');
      const report = await harnessCheck(resolveTree(o.tree), configs, { corpora: corporaOf(o), design, progress });
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : harnessCheckText(report));
      recordHarness(design.name, corporaOf(o), report);
      return report.differing ? 1 : 0;
    },
  },
];

function mainlineText(r: MainlineReport): string {
  const lines = ["mainline's MIPS32 JIT in the host harness (tree's bpf_jit_comp.c + bpf_jit_comp32.c, unmodified)"];
  for (const [id, c] of Object.entries(r.configs)) {
    lines.push(`  ${id}: ${c.programs} programs: ${c.jited} JITed, ${c.refused} refused, ${c.skipped} skipped; ${c.words} words`);
  }
  const refusals = new Map<string, string[]>();
  for (const [id, c] of Object.entries(r.configs)) {
    for (const p of c.results) if (!p.jited) refusals.set(`${p.id}: ${p.error}`, [...(refusals.get(`${p.id}: ${p.error}`) ?? []), id]);
  }
  if (refusals.size) lines.push('refused:');
  for (const [what, cfgs] of refusals) lines.push(`  ${what} (${cfgs.join(', ')})`);
  if (r.unbound.length) lines.push(`kernel functions not in the binding (bound to 0): ${r.unbound.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('check')
    .description('check JIT C against outside references: the rendered C against the model (--harness), mainline (--harness --mainline)')
    .option('--build', 'cross-build the tree (make W=1 vmlinux modules) per configuration and MIPS64; exit 1 on a failure or a warning in arch/mips/net')
    .option('--checkpatch', "scripts/checkpatch.pl --strict on every patch of patches/vN; exit 1 on any error, warning or check")
    .option('--patches <dir>', 'with --checkpatch: where the series versions are (default patches/)')
    .option('--version <n>', 'with --checkpatch: the series version to check (default 1)')
    .option('--no-mips64', 'with --build: skip the MIPS64 (Malta, 64-bit R2) build')
    .option('--harness', "run kernel JIT C in the host harness (gcc -m32, the tree's uasm, jitgen's shims)")
    .option('--mainline', "with --harness: the tree's own, unmodified MIPS32 JIT (bpf_jit_comp.c + bpf_jit_comp32.c)")
    .option('--design <name>', 'with --harness alone: the design whose rendered C is checked (default jitgen)')
    .option('--configs <list>', 'configurations (be-r2,le-r2,be-r6,le-r6; default all four)')
    .option('--isa <list>', 'ISAs (r2,r6), with --endian instead of --configs')
    .option('--endian <list>', 'byte orders (be,le)')
    .option('--corpus <list>', `corpora (default ${HARNESS_CORPORA.join(',')})`)
    .option('--tree <dir>', 'kernel tree (default: the one `jitgen tree init` made)')
    .option('--json', 'print JSON. --harness: {"programs", "identical", "differing", "declined", "skipped", "configs", "examples"}; --mainline: {"jit", "programs", "jited", "refused", "skipped", "configs": {ID: {..., "results"}}, "skips", "unbound"}')
    .addHelpText('after', '\nExamples:\n  jitgen check --harness\n  jitgen check --harness --configs be-r2 --corpus tail_calls --json\n  jitgen check --harness --mainline\n  jitgen check --harness --mainline --configs be-r2 --corpus test_bpf --json\n')
    .action(async (opts: CheckOptions) => {
      const mode = MODES.find((m) => m.matches(opts));
      if (!mode && !opts.checkpatch) {
        throw new UsageError('nothing to check: give --harness, --harness --mainline, --build or --checkpatch');
      }
      let status = 0;
      if (opts.checkpatch) status = Math.max(status, await runCheckpatch(opts));
      if (mode) status = Math.max(status, await mode.run(opts, configsFromOptions(opts)));
      process.exitCode = status;
    });
}
