// Encoder, decoder and disassembler, all derived from the table's field layouts.
import { SLOTS, TABLE, lookup, type EncSpec, type InsnDef, type Operand, type Slot } from './table.ts';
import type { Isa } from './state.ts';
import { regName } from './regs.ts';

/** One MIPS instruction: the table's op and its operands in the table's (uasm) order. */
export interface MipsInsn {
  op: string;
  args: number[];
}

/** An encoding compiled from its EncSpec: fixed bits and where each operand goes. */
export interface CompiledEnc {
  readonly def: InsnDef;
  readonly isa: Isa;
  readonly match: number;
  readonly mask: number;
  /** Per operand (table order): its field. */
  readonly fields: readonly { lsb: number; width: number }[];
}

/** Error for an instruction that cannot be encoded (bad operand, wrong ISA). */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}

function compile(def: InsnDef, isa: Isa, spec: EncSpec): CompiledEnc {
  let match = 0;
  let mask = 0;
  const fields: ({ lsb: number; width: number } | undefined)[] = def.operands.map(() => undefined);
  for (const [slot, value] of Object.entries(spec) as [Slot, number | string][]) {
    const [lsb, width] = SLOTS[slot];
    const bits = width === 32 ? 0xffffffff : ((2 ** width - 1) * 2 ** lsb) >>> 0;
    if ((mask & bits) !== 0) throw new Error(`table: ${def.op}/${isa}: slot ${slot} overlaps another`);
    if (typeof value === 'number') {
      match = (match | ((value * 2 ** lsb) >>> 0)) >>> 0;
      mask = (mask | bits) >>> 0;
    } else {
      const i = def.operands.findIndex((o) => o.name === value);
      if (i < 0) throw new Error(`table: ${def.op}/${isa}: slot ${slot} names unknown operand ${value}`);
      fields[i] = { lsb, width };
      // operand bits count as covered for the overlap check, not as fixed
      mask = (mask | bits) >>> 0;
      match = match >>> 0;
    }
  }
  const fixedMask = (fields.reduce((m, f) => (f ? (m & ~(((2 ** f.width - 1) * 2 ** f.lsb) >>> 0)) >>> 0 : m), mask)) >>> 0;
  if (mask !== 0xffffffff) throw new Error(`table: ${def.op}/${isa}: bits 0x${(~mask >>> 0).toString(16)} not covered`);
  fields.forEach((f, i) => {
    if (!f) throw new Error(`table: ${def.op}/${isa}: operand ${def.operands[i]!.name} has no field`);
  });
  return { def, isa, match, mask: fixedMask, fields: fields as { lsb: number; width: number }[] };
}

const COMPILED: Record<Isa, CompiledEnc[]> = { r2: [], r6: [] };
const BY_OP_ISA = new Map<string, Partial<Record<Isa, CompiledEnc>>>();
for (const def of TABLE) {
  for (const isa of ['r2', 'r6'] as const) {
    const spec = def.enc[isa];
    if (!spec) continue;
    const c = compile(def, isa, spec);
    COMPILED[isa].push(c);
    BY_OP_ISA.set(def.op, { ...BY_OP_ISA.get(def.op), [isa]: c });
  }
}
// Most specific first: `nop` before `sll`, R6 `jr` (jalr with rd = 0) before `jalr`.
for (const isa of ['r2', 'r6'] as const) COMPILED[isa].sort((a, b) => popcount(b.mask) - popcount(a.mask));

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

/** The compiled encodings of an ISA, most specific first. */
export function encodings(isa: Isa): readonly CompiledEnc[] {
  return COMPILED[isa];
}

export function compiledFor(op: string, isa: Isa): CompiledEnc | undefined {
  return BY_OP_ISA.get(op)?.[isa];
}

// ---- operand value <-> field value -------------------------------------------------
function range(o: Operand, width: number, prev: number | undefined): [number, number, number] {
  // [min, max, step] of the operand's value
  switch (o.kind) {
    case 'gpr':
      return [0, 31, 1];
    case 'simm':
      return [-(2 ** (width - 1)), 2 ** (width - 1) - 1, 1];
    case 'uimm':
    case 'code':
    case 'stype':
      return [0, 2 ** width - 1, 1];
    case 'hi16':
      return [-0x8000, 0xffff, 1];
    case 'broff':
      return [-(2 ** (width + 1)), 2 ** (width + 1) - 4, 4];
    case 'jtarget':
      return [0, 2 ** (width + 2) - 4, 4];
    case 'extsize':
      return [1, 32, 1];
    case 'inssize':
      return [1, 32 - (prev ?? 0), 1];
  }
}

/** Allowed values of operand `i` of `def` in `isa`'s encoding: [min, max, step]. */
export function operandRange(def: InsnDef, isa: Isa, i: number, args: readonly number[] = []): [number, number, number] {
  const c = compiledFor(def.op, isa);
  if (!c) throw new EncodeError(`${def.op} does not exist on ${isa}`);
  return range(def.operands[i]!, c.fields[i]!.width, args[i - 1]);
}


function fromField(o: Operand, f: number, width: number, prev: number): number {
  const signed = (x: number) => (x >= 2 ** (width - 1) ? x - 2 ** width : x);
  switch (o.kind) {
    case 'simm':
      return signed(f);
    case 'broff':
      return signed(f) * 4;
    case 'jtarget':
      return f * 4;
    case 'extsize':
      return f + 1;
    case 'inssize':
      return f - prev + 1;
    default:
      return f;
  }
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

/** Encode one instruction; throws EncodeError for an unknown op, a missing ISA or a bad operand. */
/** What encoding one operand needs, computed once per encoding: the JIT encodes millions. */
interface FieldPlan {
  lsb: number;
  width: number;
  mask: number;
  /** [min, max, step] of the value, or undefined when it depends on the previous operand. */
  range: [number, number, number] | undefined;
}

const PLANS = new WeakMap<CompiledEnc, FieldPlan[]>();

function plansOf(c: CompiledEnc): FieldPlan[] {
  let p = PLANS.get(c);
  if (!p) {
    p = c.def.operands.map((o, i) => {
      const { lsb, width } = c.fields[i]!;
      return { lsb, width, mask: 2 ** width - 1, range: o.kind === 'inssize' ? undefined : range(o, width, undefined) };
    });
    PLANS.set(c, p);
  }
  return p;
}

export function encode(insn: MipsInsn, isa: Isa): number {
  const def = lookup(insn.op);
  if (!def) throw new EncodeError(`unknown MIPS instruction '${insn.op}'`);
  const c = compiledFor(def.op, isa);
  if (!c) {
    const other = isa === 'r2' ? 'r6' : 'r2';
    throw new EncodeError(`${insn.op} does not exist on ${isa}${def.enc[other] ? ` (only on ${other})` : ''}`);
  }
  const ops = def.operands;
  if (insn.args.length !== ops.length) {
    throw new EncodeError(`${insn.op} takes ${ops.length} operands (${ops.map((o) => o.name).join(', ')}), got ${insn.args.length}`);
  }
  const args = def.canonical ? def.canonical(insn.args) : insn.args;
  const plans = plansOf(c);
  let word = c.match;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    const f = plans[i]!;
    const v = args[i]!;
    const r = f.range ?? range(o, f.width, args[i - 1]);
    if (!Number.isInteger(v) || v < r[0] || v > r[1] || (r[2] !== 1 && (v - r[0]) % r[2] !== 0)) {
      const what = r[2] > 1 ? `a multiple of ${r[2]} in ${r[0]}..${r[1]}` : `in ${r[0]}..${r[1]}`;
      throw new EncodeError(`${insn.op}: operand ${o.name} = ${v} out of range (${what} on ${isa})`);
    }
    let field: number;
    switch (o.kind) {
      case 'broff':
      case 'jtarget':
        field = (v / 4) & f.mask;
        break;
      case 'extsize':
        field = v - 1;
        break;
      case 'inssize':
        field = (args[i - 1] ?? 0) + v - 1;
        break;
      default:
        field = v & f.mask;
    }
    word = (word | (field << f.lsb)) >>> 0;
  }
  if (def.check) {
    const bad = def.check(args);
    if (bad) throw new EncodeError(`${insn.op} ${insn.args.join(', ')}: ${bad}`);
  }
  return word >>> 0;
}

function argsOf(c: CompiledEnc, word: number): number[] {
  const args: number[] = [];
  c.def.operands.forEach((o, i) => {
    const { lsb, width } = c.fields[i]!;
    const f = Math.floor(word / 2 ** lsb) % 2 ** width;
    args.push(fromField(o, f, width, args[i - 1] ?? 0));
  });
  return args;
}

/** The table entry and operands of `word` in `isa`, or undefined (reserved / not in the table). */
/** ext needs pos + size <= 32, ins a size of at least 1 (a loop: decoding is hot). */
function sizesValid(def: InsnDef, args: readonly number[]): boolean {
  const ops = def.operands;
  for (let i = 0; i < ops.length; i++) {
    const k = ops[i]!.kind;
    if (k === 'extsize' && args[i - 1]! + args[i]! > 32) return false;
    if (k === 'inssize' && args[i]! < 1) return false;
  }
  return true;
}

export function decodeFull(word: number, isa: Isa): { enc: CompiledEnc; insn: MipsInsn } | undefined {
  const w = word >>> 0;
  for (const c of COMPILED[isa]) {
    if (((w & c.mask) >>> 0) !== c.match) continue;
    const args = argsOf(c, w);
    if (!sizesValid(c.def, args)) continue;
    if (c.def.check?.(args)) continue;
    return { enc: c, insn: { op: c.def.op, args } };
  }
  return undefined;
}

export function decode(word: number, isa: Isa): MipsInsn | undefined {
  return decodeFull(word, isa)?.insn;
}

// ---- disassembly in GNU objdump's syntax ---------------------------------------------
function printOperand(o: Operand, v: number, pc: number): string {
  switch (o.kind) {
    case 'gpr':
      return regName(v);
    case 'simm':
      return String(v);
    case 'hi16':
      return `0x${(v & 0xffff).toString(16)}`;
    case 'uimm':
    case 'extsize':
    case 'inssize':
    case 'stype':
      return `0x${v.toString(16)}`;
    case 'broff':
      return `0x${((pc + 4 + v) >>> 0).toString(16)}`;
    case 'jtarget':
      return `0x${((((pc + 4) & 0xf0000000) | v) >>> 0).toString(16)}`;
    case 'code': {
      // objdump splits the 20-bit code into the two 10-bit halves of old assemblers
      const hi = v >>> 10;
      const lo = v & 0x3ff;
      if (lo) return `0x${hi.toString(16)},0x${lo.toString(16)}`;
      return hi ? `0x${hi.toString(16)}` : '';
    }
  }
}

/** GNU objdump's text (mnemonic, tab, operands) of an instruction at `pc`. */
export function format(insn: MipsInsn, pc = 0): string {
  const def = lookup(insn.op);
  if (!def) throw new EncodeError(`unknown MIPS instruction '${insn.op}'`);
  const printed = def.operands.map((o, i) => printOperand(o, insn.args[i]!, pc));
  const alias = def.alias?.(insn.args, printed);
  if (alias !== undefined) return alias;
  let ops: string;
  if (def.syntax) ops = def.syntax(printed);
  else if (def.mem) ops = `${printed[0]},${printed[1]}(${printed[2]})`;
  else ops = printed.filter((p) => p !== '').join(',');
  return ops ? `${def.mnemonic}\t${ops}` : def.mnemonic;
}

/** Disassemble one word as objdump does; words not in the table print as `.word`. */
export function disasm(word: number, isa: Isa, pc = 0): string {
  const insn = decode(word, isa);
  return insn ? format(insn, pc) : `.word\t0x${(word >>> 0).toString(16)}`;
}

export { hex as hexWord };
