// Which table entries the kernel's uasm can emit, per ISA, read from a kernel tree:
// the `Ip_*(_name)` builders of arch/mips/include/asm/uasm.h, the opcode table of
// arch/mips/mm/uasm-mips.c (its `#ifndef CONFIG_CPU_MIPSR6` / `#else` arms give the
// per-ISA encodings), and the opcode enums of arch/mips/include/uapi/asm/inst.h to
// evaluate it. An entry is available on an ISA when a builder of its uasm name exists
// and uasm's fixed bits for that ISA equal the table's encoding for it (so an R2-only
// encoding that uasm would emit on R6 counts as missing there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { compiledFor } from './codec.ts';
import type { Isa } from './state.ts';
import { TABLE } from './table.ts';

export interface UasmAvailability {
  op: string;
  uasmName: string | undefined;
  r2: boolean;
  r6: boolean;
  /** Why an entry is unavailable where the table has an encoding. */
  notes: string[];
}

function read(tree: string, rel: string): string {
  try {
    return readFileSync(join(tree, rel), 'utf8');
  } catch {
    throw new InputError(`${join(tree, rel)}: cannot read (is ${tree} a Linux source tree?)`);
  }
}

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, '');
}

/** Values of every enumerator of every enum in a header (C rules: implicit = previous + 1). */
export function parseEnums(src: string): Map<string, number> {
  const vals = new Map<string, number>();
  for (const m of stripComments(src).matchAll(/enum\s+\w*\s*\{([^}]*)\}/g)) {
    let next = 0;
    for (const part of m[1]!.split(',')) {
      const e = /^\s*(\w+)\s*(?:=\s*([^,]+?))?\s*$/.exec(part);
      if (!e) continue;
      const value = e[2] === undefined ? next : evalExpr(e[2], vals);
      vals.set(e[1]!, value);
      next = value + 1;
    }
  }
  return vals;
}

function evalExpr(x: string, vals: Map<string, number>): number {
  const t = x.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) return Number(t);
  const v = vals.get(t);
  if (v === undefined) throw new Error(`uasm: cannot evaluate '${t}'`);
  return v;
}

interface UasmEntry {
  /** Fixed bits per ISA (the R2 arm or the R6 arm, or both when unconditional). */
  match: Partial<Record<Isa, number>>;
}

/** The insn_table of uasm-mips.c: name -> fixed bits per ISA. */
export function parseUasmTable(src: string, enums: Map<string, number>): Map<string, UasmEntry> {
  const out = new Map<string, UasmEntry>();
  const body = /insn_table\[insn_invalid\]\s*=\s*\{([\s\S]*?)\n\};/.exec(src);
  if (!body) throw new Error('uasm: no insn_table in uasm-mips.c');
  // which ISAs the current preprocessor arm applies to
  let arm: Isa[] = ['r2', 'r6'];
  let pending = '';
  for (const line of body[1]!.split('\n')) {
    const pp = /^\s*#\s*(ifndef|ifdef|else|endif)\s*(\w*)/.exec(line);
    if (pp) {
      const r6 = pp[2] === 'CONFIG_CPU_MIPSR6';
      if (pp[1] === 'ifndef') arm = r6 ? ['r2'] : arm;
      else if (pp[1] === 'ifdef') arm = r6 ? ['r6'] : arm;
      else if (pp[1] === 'else') arm = arm.length === 1 ? [arm[0] === 'r2' ? 'r6' : 'r2'] : arm;
      else arm = ['r2', 'r6'];
      continue;
    }
    pending += line;
    const m = /\[insn_(\w+)\]\s*=\s*\{\s*(M6?)\(([^)]*)\)\s*,([^}]*)\}/.exec(pending);
    if (!m) continue;
    pending = '';
    const v = m[3]!.split(',').map((a) => evalExpr(a, enums));
    const word =
      m[2] === 'M'
        ? (v[0]! << 26) | (v[1]! << 21) | (v[2]! << 16) | (v[3]! << 11) | (v[4]! << 6) | v[5]!
        : (v[0]! << 26) | (v[1]! << 21) | (v[2]! << 16) | (v[3]! << 7) | v[4]!;
    const e = out.get(m[1]!) ?? { match: {} };
    for (const isa of arm) e.match[isa] = word >>> 0;
    out.set(m[1]!, e);
  }
  return out;
}

/** Names with a `uasm_i_<name>` builder: Ip_* declarations and uasm_i_* macros of uasm.h. */
export function parseBuilders(header: string): { builders: Set<string>; macros: Map<string, string> } {
  const src = stripComments(header);
  const builders = new Set<string>();
  for (const m of src.matchAll(/^\s*Ip_\w+\(_(\w+)\);/gm)) builders.add(m[1]!);
  // `#define uasm_i_nop(buf) uasm_i_sll(buf, 0, 0, 0)`: a macro over another builder
  const macros = new Map<string, string>();
  for (const m of src.matchAll(/^#\s*define\s+uasm_i_(\w+)\([^)]*\)\s+uasm_i_(\w+)\(/gm)) macros.set(m[1]!, m[2]!);
  return { builders, macros };
}

export function uasmAvailability(treeDir: string): UasmAvailability[] {
  const enums = parseEnums(read(treeDir, 'arch/mips/include/uapi/asm/inst.h'));
  const table = parseUasmTable(read(treeDir, 'arch/mips/mm/uasm-mips.c'), enums);
  const { builders, macros } = parseBuilders(read(treeDir, 'arch/mips/include/asm/uasm.h'));
  return TABLE.map((def) => {
    const notes: string[] = [];
    const name = def.uasm ?? def.op;
    const avail = (isa: Isa): boolean => {
      const ours = compiledFor(def.op, isa);
      if (!ours) return false;
      if (macros.has(name)) {
        // a macro: available when what it expands to is (nop = sll 0,0,0 is)
        const target = macros.get(name)!;
        const ok = builders.has(target) && table.get(target)?.match[isa] !== undefined;
        if (!ok) notes.push(`${isa}: uasm_i_${name} expands to unavailable uasm_i_${target}`);
        return ok;
      }
      if (!builders.has(name)) {
        notes.push(`${isa}: uasm.h declares no uasm_i_${name}`);
        return false;
      }
      const theirs = table.get(name)?.match[isa];
      if (theirs === undefined) {
        notes.push(`${isa}: uasm-mips.c has no ${isa} encoding for insn_${name}`);
        return false;
      }
      if (theirs !== ours.match) {
        notes.push(`${isa}: uasm emits 0x${theirs.toString(16)} for ${name}, the ${isa} encoding is 0x${ours.match.toString(16)}`);
        return false;
      }
      return true;
    };
    const r2 = avail('r2');
    const r6 = avail('r6');
    return { op: def.op, uasmName: name, r2, r6, notes };
  });
}
