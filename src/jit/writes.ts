// Which registers an instruction writes, derived from the table's own semantics (run once
// per instruction kind on a recording machine), so the core can tell which callee-saved
// registers a program clobbers without a second description of every instruction.
import { concrete, type Num } from '../bv/concrete.ts';
import type { MipsInsn } from '../mips/codec.ts';
import type { MipsState } from '../mips/state.ts';
import { lookup } from '../mips/table.ts';

/** Probe operands: distinct register numbers no instruction writes implicitly. */
const PROBE = [17, 18, 19, 20, 21];

interface WriteShape {
  /** Operand positions whose register the instruction writes. */
  operands: number[];
  /** Registers written whatever the operands (jal writes ra). */
  fixed: number[];
}

const shapes = new Map<string, WriteShape>();

function recordingState(written: Set<number>): MipsState<Num, boolean> {
  return {
    bv: concrete,
    pc: 0x1000,
    isa: 'r2',
    r: () => 0,
    w: (n) => {
      if (n !== 0) written.add(n);
    },
    hi: () => 0,
    lo: () => 0,
    setHi: () => {},
    setLo: () => {},
    load: () => 0,
    store: () => {},
    branch: () => {},
    jump: () => {},
    compact: () => {},
    trap: () => {},
    link: () => {},
    linked: () => true,
  };
}

function shapeOf(op: string): WriteShape {
  let shape = shapes.get(op);
  if (shape) return shape;
  const def = lookup(op);
  if (!def) throw new Error(`unknown MIPS instruction '${op}'`);
  const written = new Set<number>();
  const args = def.operands.map((o, i) => (o.kind === 'gpr' ? PROBE[i]! : 4));
  def.sem(recordingState(written), args);
  shape = { operands: [], fixed: [] };
  for (const r of written) {
    const at = args.findIndex((a, i) => a === r && def.operands[i]!.kind === 'gpr');
    if (at >= 0) shape.operands.push(at);
    else shape.fixed.push(r);
  }
  shapes.set(op, shape);
  return shape;
}

export function writtenRegs(i: MipsInsn): number[] {
  const s = shapeOf(i.op);
  const out = [...s.fixed];
  for (const k of s.operands) if (i.args[k] !== 0) out.push(i.args[k]!);
  return out;
}
