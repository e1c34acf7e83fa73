// The uasm instructions the design emits that the tree's uasm lacks, added to the tree's
// own arch/mips/include/asm/uasm.h, arch/mips/mm/uasm.c and uasm-mips.c in their style
// (the series carries them as its first patch). The tree's text is read at run time and
// only the new lines are ours; `jitgen uasm-check` on the result must find them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { expand, PSEUDO } from '../mips/pseudo.ts';
import { uasmAvailability } from '../mips/uasm.ts';
import { width } from './layout.ts';

/** One uasm builder: its argument shape (the Ip_/I_ macro suffix) and insn_table entry. */
interface Builder {
  shape: string;
  /** `M(...)` fixed bits and the fields the arguments fill, as insn_table writes them. */
  entry: string;
}

/**
 * Builders jitgen can add. The field values are the MIPS32 manuals' (MD00086, MD00087),
 * spelled with the tree's own enum names of uapi/asm/inst.h; argument order is uasm's
 * (destination first), as for their unsigned siblings divu, divu_r6, modu and wsbh.
 */
const KNOWN: Record<string, Builder> = {
  div: { shape: 'u1u2', entry: 'M(spec_op, 0, 0, 0, 0, div_op), RS | RT' },
  div_r6: { shape: 'u3u1u2', entry: 'M(spec_op, 0, 0, 0, div_div6_op, div_op), RS | RT | RD' },
  mod: { shape: 'u3u1u2', entry: 'M(spec_op, 0, 0, 0, div_mod_op, div_op), RS | RT | RD' },
  seb: { shape: 'u2u1', entry: 'M(spec3_op, 0, 0, 0, seb_op, bshfl_op), RT | RD' },
  seh: { shape: 'u2u1', entry: 'M(spec3_op, 0, 0, 0, seh_op, bshfl_op), RT | RD' },
  // R6 JIC rt, offset: a jump to rt + offset with no delay slot (jrc rt when 0)
  jic: { shape: 'u1s2', entry: 'M(pop66_op, 0, 0, 0, 0, 0), RT | SIMM' },
};

export const UASM_FILES = {
  header: 'arch/mips/include/asm/uasm.h',
  core: 'arch/mips/mm/uasm.c',
  table: 'arch/mips/mm/uasm-mips.c',
} as const;

/** Which of `ops` (uasm names) the tree's uasm cannot build, sorted. */
export function missingBuilders(treeDir: string, ops: Iterable<string>): string[] {
  const avail = new Map(uasmAvailability(treeDir).map((a) => [a.uasmName, a]));
  const missing = new Set<string>();
  for (const name of ops) {
    // uasm's pseudo-instructions (move, beqz ...) are macros over real builders
    const op = PSEUDO[name] ? expand(name, [1, 2, 3]).op : name;
    const a = avail.get(op);
    if (!a) throw new InputError(`uasm: '${op}' is not in jitgen's MIPS table`);
    // a builder is missing when uasm.h does not declare it: the rendered C calls it on
    // both ISAs (both arms of `if (MIPS_ISA_REV >= 6)` compile)
    if (a.notes.some((n) => n.includes('declares no'))) missing.add(op);
  }
  return [...missing].sort();
}

/** The three uasm files with the builders of `names` added. */
export function uasmAdditions(treeDir: string, names: readonly string[]): Map<string, string> {
  const read = (rel: string): string => {
    try {
      return readFileSync(join(treeDir, rel), 'utf8');
    } catch {
      throw new InputError(`${join(treeDir, rel)}: cannot read (is ${treeDir} a Linux source tree?)`);
    }
  };
  let header = read(UASM_FILES.header);
  let core = read(UASM_FILES.core);
  let table = read(UASM_FILES.table);
  for (const name of names) {
    const b = KNOWN[name];
    if (!b) throw new InputError(`uasm: jitgen does not know how to add a builder for '${name}'`);
    header = insertSorted(header, /^Ip_\w+\(_(\w+)\);$/, name, `Ip_${b.shape}(_${name});`);
    core = insertSorted(core, /^I_\w+\(_(\w+)\);?$/, name, `I_${b.shape}(_${name})`);
    table = insertSorted(table, /^\t\[insn_(\w+)\]/, name, tableEntry(name, b.entry), true);
  }
  core = addEnum(core, names);
  return new Map([
    [UASM_FILES.header, header],
    [UASM_FILES.core, core],
    [UASM_FILES.table, table],
  ]);
}

function tableEntry(name: string, entry: string): string {
  const head = `\t[insn_${name}]\t= {`;
  const one = `${head}${entry}},`;
  if (width(one) <= 80) return one;
  const comma = entry.lastIndexOf('),');
  return `${head}${entry.slice(0, comma + 2)}\n\t\t\t\t${entry.slice(comma + 2).trim()}},`;
}

/**
 * Insert `line` next to its closest sibling among the lines matching `re` (the one
 * sharing the longest prefix with `name`, first in file order): before it when it sorts
 * after `name`, else after it and its continuation lines. The tree's lists are only
 * roughly sorted, so this keeps `div` beside `divu` wherever `divu` is. With
 * `outsideConditionals`, never as the first line of an #if arm.
 */
function insertSorted(text: string, re: RegExp, name: string, line: string, outsideConditionals = false): string {
  const lines = text.split('\n');
  let best = -1;
  let bestLen = -1;
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]!);
    if (!m) continue;
    if (m[1] === name) throw new InputError(`uasm: ${name} is already there`);
    const len = commonPrefix(m[1]!, name);
    if (len > bestLen) {
      best = i;
      bestLen = len;
    }
  }
  if (best < 0) throw new InputError(`uasm: no place for ${name}`);
  let at = best;
  if (re.exec(lines[best]!)![1]! < name) {
    at = best + 1;
    while (at < lines.length && /^\t\t/.test(lines[at]!) && !re.test(lines[at]!)) at++;
  } else if (outsideConditionals) {
    while (at > 0 && /^#\s*if/.test(lines[at - 1]!)) at--;
  }
  lines.splice(at, 0, line);
  return lines.join('\n');
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * Add `insn_<name>` of each name to uasm.c's enum opcode, in order. A line that grows
 * past 80 columns is split, so only the lines that get a name change.
 */
function addEnum(text: string, names: readonly string[]): string {
  const m = /(enum opcode \{\n)([\s\S]*?)(\n\tinsn_invalid)/.exec(text);
  if (!m) throw new InputError('uasm.c: no enum opcode');
  const rows = m[2]!.split('\n').map((l) => l.split(/[\s,]+/).filter(Boolean));
  const changed = new Set<number>();
  for (const name of names) {
    const key = `insn_${name}`;
    let row = rows.findIndex((r) => r.some((n) => n > key));
    if (row < 0) row = rows.length - 1;
    const at = rows[row]!.findIndex((n) => n > key);
    rows[row]!.splice(at < 0 ? rows[row]!.length : at, 0, key);
    changed.add(row);
  }
  const line = (r: string[]): string => `\t${r.map((n) => `${n},`).join(' ')}`;
  const out: string[][] = [];
  for (const [i, r] of rows.entries()) {
    if (!changed.has(i)) {
      out.push(r);
      continue;
    }
    let cur: string[] = [];
    for (const n of r) {
      if (cur.length && width(line([...cur, n])) > 80) {
        out.push(cur);
        cur = [];
      }
      cur.push(n);
    }
    out.push(cur);
  }
  const body = out.map(line).join('\n');
  return text.slice(0, m.index) + m[1] + body + text.slice(m.index + m[1]!.length + m[2]!.length);
}
