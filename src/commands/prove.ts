// `jitgen prove`: prove every emit plan of a design equal to the BPF semantics with Z3,
// per opcode, source, size, register assignment and configuration.
import type { Command } from 'commander';
import { configsFromOptions } from '../config.ts';
import { UsageError } from '../errors.ts';
import { designByName } from '../jit/designs/index.ts';
import { CLASSES, proveDesign, proveInChunks, proveProductLemma, type Obligation, type ProofCase, type ProofClass, type ProveReport } from '../verify/prove/index.ts';
import { isHighWordFailure, reproducer, writeReproducer } from '../verify/prove/reproducer.ts';

interface ProveOpts {
  design: string;
  configs?: string;
  isa?: string;
  endian?: string;
  class?: string;
  timeout: string;
  json?: boolean;
  cexDir: string;
  match?: string;
  part?: string;
  jobs: string;
  inProcess?: boolean;
  lemmas: boolean;
}

function parseClasses(text: string | undefined): Set<ProofClass> {
  if (text === undefined) return new Set(CLASSES);
  const out = new Set<ProofClass>();
  for (const c of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(CLASSES as readonly string[]).includes(c)) throw new UsageError(`unknown class '${c}' (known: ${CLASSES.join(', ')})`);
    out.add(c as ProofClass);
  }
  if (out.size === 0) throw new UsageError('--class needs at least one class');
  return out;
}

function parseTimeout(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout takes a positive number of seconds, not '${text}'`);
  return Math.round(s * 1000);
}

/** `k/n` of --part, checked. */
function parsePart(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || k >= n) throw new UsageError(`--part takes k/n with 0 <= k < n, not '${text}'`);
  return [k, n];
}

/** The cases to prove: those matching `match`, and of them the part asked for. */
function caseFilter(match: string | undefined, part: [number, number] | undefined): ((c: ProofCase) => boolean) | undefined {
  if (!match && !part) return undefined;
  let seen = 0;
  return (c) => {
    if (match && !c.what.includes(match)) return false;
    return !part || seen++ % part[1] === part[0];
  };
}

/** Human-readable summary: counts per class and configuration, then each failure. */
function summary(report: ProveReport, files: Map<Obligation, string>): string[] {
  const lines: string[] = [];
  const configs = [...new Set(Object.values(report.byClass).flatMap((b) => Object.keys(b)))];
  lines.push(`${'class'.padEnd(8)} ${configs.map((c) => c.padEnd(18)).join(' ')}`);
  for (const [klass, byConfig] of Object.entries(report.byClass)) {
    const cells = configs.map((c) => {
      const n = byConfig[c];
      return (n ? `${n.proved}/${n.failed}/${n.unknown}` : '-').padEnd(18);
    });
    lines.push(`${klass.padEnd(8)} ${cells.join(' ')}`);
  }
  lines.push('(proved/failed/unknown)');
  for (const o of report.obligations) {
    if (o.status === 'proved') continue;
    lines.push('', `${o.status.toUpperCase()}: ${o.name} [${o.config}] ${o.path}`, `  ${o.reason ?? ''}`);
    if (o.counterexample) {
      const r = reproducer(o.counterexample, isHighWordFailure(o));
      lines.push('  counterexample program:', ...r.listing.map((l, i) => `    ${i}: ${l}`));
      lines.push(`  registers: ${Object.entries(o.counterexample.regs).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      const file = files.get(o);
      if (file) lines.push(`  reproduce: jitgen run ${file} --config ${o.config} ${r.regArgs.join(' ')}`);
    }
  }
  lines.push('', `proved ${report.proved}, failed ${report.failed}, unknown ${report.unknown} (${(report.ms / 1000).toFixed(1)} s)`);
  return lines;
}

export function register(program: Command): void {
  program
    .command('prove')
    .description('prove every emit plan equal to the BPF semantics with Z3 (per opcode, source, size, configuration)')
    .option('--design <name>', 'design preset', 'jitgen')
    .option('--configs <list>', 'configurations (default: all four)')
    .option('--isa <list>', 'ISA releases (with --endian, instead of --configs)')
    .option('--endian <list>', 'byte orders (with --isa, instead of --configs)')
    .option('--class <list>', `instruction classes: ${CLASSES.join(',')} (default: all)`)
    .option('--match <text>', 'only cases whose name contains this text (e.g. "alu64 MUL")')
    .option('--part <k/n>', 'with --in-process: only every n-th case, from the k-th (0-based); how a chunk too big for one prover process is split')
    .option('--timeout <s>', 'solver time limit per obligation, in seconds (a stall becomes unknown)', '60')
    .option('--cex-dir <dir>', 'where counterexample programs are written (JSON; empty: none)', 'prove-cex')
    .option('--json', 'print the result as JSON')
    .option('--jobs <n>', 'prover processes run side by side (one per configuration and class at a time)', '2')
    .option('--in-process', 'prove everything in this process (no child processes; for small runs)')
    .option('--no-lemmas', 'skip the lemmas the multiplication proofs rely on')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  jitgen prove --configs be-r2 --class alu64\n' +
        '  jitgen prove --json > proofs.json\n' +
        '\nA failed proof prints a counterexample as a BPF program (also written as JSON to\n' +
        '--cex-dir) and the register values that `jitgen run` reproduces it with.\n' +
        'Exit status: 0 when everything is proved, 1 when something failed or is unknown, 2 on\n' +
        'bad usage. Progress goes to stderr.\n',
    )
    .action(async (opts: ProveOpts) => {
      const design = designByName(opts.design);
      const configs = configsFromOptions(opts);
      const classes = parseClasses(opts.class);
      const timeoutMs = parseTimeout(opts.timeout);
      const match = opts.match;
      const part = parsePart(opts.part);
      const jobs = Number(opts.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs takes a positive number, not '${opts.jobs}'`);
      let notProved = 0;
      const tell = (done: number, total: number, last: Obligation[], what = '') => {
        notProved += last.filter((o) => o.status !== 'proved').length;
        process.stderr.write(`\rprove: ${done}/${total} ${opts.inProcess ? 'cases' : 'chunks'}, ${notProved} not proved ${what}`.padEnd(72));
        if (done === total) process.stderr.write('\n');
      };
      const started = Date.now();
      const report: ProveReport = opts.inProcess
        ? await proveDesign({
            design, configs, classes, timeoutMs, skipLemmas: true,
            filter: caseFilter(match, part),
            progress: (done, total, last) => (done % 10 === 0 || done === total || last.some((o) => o.status !== 'proved')) && tell(done, total, last),
          })
        : await proveInChunks({ design: design.name, configs, classes: [...classes], timeoutMs, match, jobs, progress: tell });
      if (opts.lemmas) {
        const lemmas = await proveProductLemma(timeoutMs);
        for (const l of lemmas) {
          report.obligations.unshift({ name: l.name, config: 'all', path: 'only path', status: l.status, ms: l.ms });
          report[l.status]++;
          const n = ((report.byClass.lemma ??= {}).all ??= { proved: 0, failed: 0, unknown: 0 });
          n[l.status]++;
        }
      }
      report.ms = Date.now() - started;
      const files = new Map<Obligation, string>();
      report.obligations.forEach((o, i) => {
        if (o.status !== 'failed' || opts.cexDir === '') return;
        const f = writeReproducer(opts.cexDir, o, i);
        if (f) files.set(o, f);
      });
      if (opts.json) {
        const { proved, failed, unknown, obligations, byClass, ms } = report;
        const out = obligations.map((o) => (files.has(o) ? { ...o, reproducer: files.get(o) } : o));
        process.stdout.write(`${JSON.stringify({ proved, failed, unknown, ms, byClass, obligations: out }, null, 1)}\n`);
      } else {
        process.stdout.write(`${summary(report, files).join('\n')}\n`);
      }
      if (report.failed || report.unknown) process.exitCode = 1;
    });
}
