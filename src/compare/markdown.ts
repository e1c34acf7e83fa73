// The report as markdown, for cover letters and mailing lists.
import type { CompareReport } from './summary.ts';
import { allTables, type Table } from './tables.ts';

// a pipe inside a cell would split it
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(t: Table): string[] {
  const lines = [`### ${t.title}`, ''];
  if (t.caption) lines.push(t.caption, '');
  lines.push(`| ${t.headers.map(cell).join(' | ')} |`, `|${t.headers.map(() => ' --- |').join('')}`);
  for (const row of t.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  lines.push('');
  return lines;
}

export function renderMarkdown(r: CompareReport): string {
  const lines = [
    '# MIPS32 eBPF JIT designs compared',
    '',
    `Designs: ${r.designs.join(', ')}. Corpora: ${r.corpora.join(', ')}${r.filter ? ` (programs matching /${r.filter}/)` : ''}. ` +
      `Configurations: ${r.configs.join(', ')}. Tree: ${r.tree}.`,
    '',
  ];
  for (const f of r.facts) lines.push(`- **${f.name}** (${f.kind}): ${f.summary}`);
  lines.push('');
  for (const s of allTables(r)) {
    lines.push(`## ${s.section}`, '');
    for (const t of s.tables) lines.push(...markdownTable(t));
  }
  lines.push('## Notes', '');
  for (const n of r.notes) lines.push(`- ${n}`);
  if (r.skipped.length) lines.push(`- ${r.skipped.length} corpus programs skipped (e.g. ${r.skipped[0]!.id}: ${r.skipped[0]!.reason}).`);
  lines.push('');
  return lines.join('\n');
}
