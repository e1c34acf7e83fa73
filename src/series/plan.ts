// What the series is: the rendered files split into logical, bisectable commits, with
// messages from templates/series/. Each commit builds: the new files are not compiled
// until the wiring commit switches 32-bit kernels over to them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { InputError } from '../errors.ts';
import { templatesDir } from '../paths.ts';
import { homeText } from '../jit/design.ts';
import type { Rendered } from '../render/index.ts';
import type { SeriesCommit } from './git-series.ts';
import { compareLines, recordedLines, verifyLines } from './records.ts';

const BPF_REG_NAMES = ['R0', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'R10', 'AX', 'TMP'];

function message(name: string, data: Record<string, string>): string {
  const path = join(templatesDir, 'series', `${name}.hbs`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`${path}: template missing`);
  }
  return rewrap(Handlebars.compile(text, { noEscape: true, strict: true })(data));
}

/** Re-wrap prose paragraphs at 72 columns; indented blocks (tables) stay as they are. */
function rewrap(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((para) => (/^\s/m.test(para) ? para : wrap(para)))
    .join('\n\n');
}

/** Wrap prose at 72 columns, as commit messages are. */
function wrap(text: string, width = 72): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out.join('\n');
}

export function registerMap(r: Rendered): string {
  return r.design.regs.map((h, i) => `  ${BPF_REG_NAMES[i]!.padEnd(4)} ${homeText(h)}`).join('\n');
}

/** The measured matrix: the recorded verify, harness, build, checkpatch and boot runs. */
export function measuredMatrix(design: string, series?: string): string {
  const lines = [...verifyLines(design), ...compareLines(design), ...recordedLines(design, series)];
  if (lines.length === 0) lines.push('  (nothing recorded: run `jitgen verify`, `jitgen check` and `jitgen boot-test` first)');
  return lines.join('\n');
}

function pick(r: Rendered, test: (path: string) => boolean): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const [path, text] of [...r.files].sort(([a], [b]) => (a < b ? -1 : 1))) if (test(path)) m.set(path, text);
  return m;
}

export function seriesCommits(r: Rendered): SeriesCommit[] {
  const d = r.design;
  const summary = wrap(d.summary);
  const commits: SeriesCommit[] = [];
  const uasm = pick(r, (p) => p.startsWith('arch/mips/include/asm/uasm') || p.startsWith('arch/mips/mm/uasm'));
  if (uasm.size > 0) {
    commits.push({
      subject: `MIPS: uasm: Add ${r.uasmAdded.join(', ')} builders`,
      body: message('uasm', { list: r.uasmAdded.join(', ') }),
      files: uasm,
    });
  }
  commits.push({
    subject: 'MIPS: eBPF: Add a JIT core for 32-bit CPUs',
    body: message('core', { summary }),
    files: pick(r, (p) => p === 'arch/mips/net/ebpf_jit.h' || p === 'arch/mips/net/ebpf_jit_core.c'),
  });
  commits.push({
    subject: 'MIPS: eBPF: Add the MIPS32 instruction emitters',
    body: message('comp32', {}),
    files: pick(r, (p) => p === 'arch/mips/net/ebpf_jit_comp32.c'),
  });
  const wiring = pick(r, (p) => p.endsWith('Makefile') || p.endsWith('Kconfig'));
  for (const gone of r.deleted) wiring.set(gone, null);
  commits.push({
    subject: 'MIPS: eBPF: Use the new JIT on 32-bit kernels',
    body: message('wiring', { matrix: measuredMatrix(d.name) }),
    files: wiring,
  });
  const placed = new Set(commits.flatMap((c) => [...c.files.keys()]));
  const left = [...r.files.keys()].filter((p) => !placed.has(p));
  if (left.length > 0) throw new Error(`rendered files no commit carries: ${left.join(', ')}`);
  return commits;
}

/** The cover letter; its blurb is written once the series' tree is known. */
export function coverLetter(r: Rendered): { subject: string; blurb: (series: string) => string } {
  return {
    subject: 'MIPS: eBPF: A JIT for 32-bit CPUs made from a proved model',
    blurb: (series) => message('cover', {
      design: r.design.name,
      summary: wrap(r.design.summary),
      regmap: registerMap(r),
      matrix: measuredMatrix(r.design.name, series),
    }),
  };
}
