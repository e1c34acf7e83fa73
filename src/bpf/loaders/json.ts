// JSON programs: `[[code, dst, src, off, imm], ...]` or `{"insns": [...]}`. off and imm
// may be given signed or as their unsigned bit patterns (0xffff, 0xffffffff).
import { InputError, InsnError } from '../../errors.ts';
import type { Insn } from '../opcodes.ts';

const FIELDS: [name: keyof Insn, min: number, max: number][] = [
  ['code', 0, 0xff],
  ['dst', 0, 0xf],
  ['src', 0, 0xf],
  ['off', -0x8000, 0xffff],
  ['imm', -0x80000000, 0xffffffff],
];

export function loadJson(text: string, file: string): Insn[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { insns?: unknown } | null)?.insns;
  if (!Array.isArray(list)) {
    throw new InputError(`${file}: expected [[code, dst, src, off, imm], ...] or {"insns": [...]}`);
  }
  return list.map((entry, i) => toInsn(entry, i, file));
}

function toInsn(entry: unknown, index: number, file: string): Insn {
  const shown = JSON.stringify(entry)?.slice(0, 60) ?? String(entry);
  if (!Array.isArray(entry) || entry.length !== 5) {
    throw new InsnError(file, index, shown, 'expected [code, dst, src, off, imm]');
  }
  const insn = { code: 0, dst: 0, src: 0, off: 0, imm: 0 };
  FIELDS.forEach(([name, min, max], k) => {
    const v = entry[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InsnError(file, index, shown, `${name} must be an integer in ${min}..${max}`);
    }
    insn[name] = v;
  });
  insn.off = (insn.off << 16) >> 16;
  insn.imm |= 0;
  return insn;
}
