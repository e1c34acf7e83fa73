// scripts/checkpatch.pl --strict on every patch of a series, from the tree the series is
// for: errors, warnings and checks per patch, with checkpatch's own lines. An item passes
// only when the cover letter justifies it by quoting its text.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors.ts';

export interface PatchCheck {
  patch: string;
  errors: number;
  warnings: number;
  checks: number;
  /** checkpatch's ERROR/WARNING/CHECK lines, as it prints them. */
  messages: string[];
  /** Those the cover letter justifies (it quotes their text). */
  justified: string[];
}

export interface CheckpatchReport {
  ok: boolean;
  patches: PatchCheck[];
}

export function checkpatchSeries(tree: string, patchDir: string): CheckpatchReport {
  const script = join(tree, 'scripts/checkpatch.pl');
  if (!existsSync(script)) throw new InputError(`${tree}: no scripts/checkpatch.pl in this tree`);
  if (!existsSync(patchDir)) throw new InputError(`${patchDir}: no series here; run \`jitgen patch --series\` first`);
  const patches = readdirSync(patchDir)
    .filter((f) => /^\d{4}-.*\.patch$/.test(f) && !f.startsWith('0000-'))
    .sort();
  if (patches.length === 0) throw new InputError(`${patchDir}: no patches in the series`);
  // a remaining item counts as justified when the cover letter quotes its text
  const coverFile = readdirSync(patchDir).find((f) => f.startsWith('0000-'));
  const cover = coverFile ? readFileSync(join(patchDir, coverFile), 'utf8').replace(/\s+/g, ' ') : '';
  const out: PatchCheck[] = [];
  for (const p of patches) {
    const r = spawnSync('perl', [script, '--strict', '--no-summary-file', '--color=never', `--root=${tree}`, join(patchDir, p)], {
      cwd: tree,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const text = `${r.stdout}${r.stderr}`;
    const total = /total: (\d+) errors?, (\d+) warnings?, (?:(\d+) checks?, )?\d+ lines checked/.exec(text);
    if (!total) throw new InputError(`checkpatch.pl gave no summary for ${basename(p)}: ${text.slice(0, 300)}`);
    out.push({
      patch: p,
      errors: Number(total[1]),
      warnings: Number(total[2]),
      checks: Number(total[3] ?? 0),
      messages: text.split('\n').filter((l) => /^(ERROR|WARNING|CHECK):/.test(l)),
      justified: [],
    });
    const c = out[out.length - 1]!;
    c.justified = c.messages.filter((m) => cover.includes(m.replace(/^\w+: /, '').replace(/\s+/g, ' ')));
  }
  return { ok: out.every((c) => c.messages.length === c.justified.length), patches: out };
}

export function checkpatchText(r: CheckpatchReport): string {
  const lines = r.patches.map((c) => `  ${c.patch}: ${c.errors} errors, ${c.warnings} warnings, ${c.checks} checks`);
  for (const c of r.patches) {
    for (const m of c.messages) lines.push(`    ${c.patch}: ${m}${c.justified.includes(m) ? '  [justified in the cover letter]' : ''}`);
  }
  return `checkpatch.pl --strict:\n${lines.join('\n')}\n`;
}
