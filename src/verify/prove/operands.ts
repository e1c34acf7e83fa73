// Symbolic immediates for the MIPS table's semantics. The table's `sem(m, args)` takes
// operand values as numbers and turns an immediate into a bit-vector with `m.bv.lit`
// (lui first scales it by 0x10000). To run a plan whose `imm`/`off` is a Z3 term through
// those very semantics, each term is given a token: a number no real operand can be
// (2^36 + k), and the machine's BitVec maps `lit(token)` back to the term (and
// `lit(token * 0x10000)`, lui's scaling, to the term shifted left by 16). Anything else
// done to a token would escape as an unknown number, so it is refused loudly; which
// operand kinds may carry tokens at all is restricted to plain immediates (see
// `SYMBOLIC_KINDS`), and the test suite checks every such instruction against concrete
// runs.
import type { SymBool, SymBV, Symbolic } from '../../bv/symbolic.ts';
import type { BitVec, Width } from '../../bv/types.ts';
import type { OperandKind } from '../../mips/table.ts';

const TOKEN_BASE = 2 ** 36;
const LUI_SCALE = 0x10000;
const MAX_TOKENS = 0x10000;

/** Operand kinds whose value the table's semantics only ever passes to `lit`. */
export const SYMBOLIC_KINDS: ReadonlySet<OperandKind> = new Set<OperandKind>(['simm', 'uimm', 'hi16']);
/** Instructions whose unsigned operands are bit positions (used structurally, not via lit). */
export const STRUCTURAL_OPS: ReadonlySet<string> = new Set(['ext', 'ins', 'sync', 'break']);

export class SymbolicOperands {
  private readonly terms: SymBV[] = [];
  /** The machine's BitVec: the symbolic one with tokens mapped back to their terms. */
  readonly bv: BitVec<SymBV, SymBool>;

  constructor(
    readonly sym: Symbolic,
    base: BitVec<SymBV, SymBool> = sym.bv,
  ) {
    const terms = this.terms;
    this.bv = {
      ...base,
      lit(w: Width, value: number | bigint): SymBV {
        if (typeof value === 'number' && Math.abs(value) >= TOKEN_BASE) return resize(tokenTerm(terms, value), w);
        return base.lit(w, value);
      },
      // an sc's link test compares the very same address term: fold it, so the only open
      // question about the link is the one the prover asks on purpose
      eq(w: Width, a: SymBV, b: SymBV): SymBool {
        return a.eqIdentity(b) ? base.T : base.eq(w, a, b);
      },
    };
  }

  /** A token standing for the 32-bit `term` as an instruction operand. */
  token(term: SymBV): number {
    if (this.terms.length >= MAX_TOKENS) throw new Error('too many symbolic operands in one run');
    this.terms.push(term);
    return TOKEN_BASE + this.terms.length - 1;
  }

  isToken(v: number): boolean {
    return Math.abs(v) >= TOKEN_BASE;
  }

  /** The term of a token operand. */
  termOf(v: number): SymBV {
    return tokenTerm(this.terms, v);
  }
}

function tokenTerm(terms: readonly SymBV[], value: number): SymBV {
  const direct = terms[value - TOKEN_BASE];
  if (Number.isInteger(value - TOKEN_BASE) && direct) return direct;
  // lui: the semantics scaled the operand by 0x10000 before making a constant of it
  const scaled = value / LUI_SCALE;
  const under = terms[scaled - TOKEN_BASE];
  if (Number.isInteger(scaled - TOKEN_BASE) && under) return under.shl(under.ctx.BitVec.val(16, 32));
  throw new Error(`a symbolic operand was used in a way the prover cannot follow (value ${value})`);
}

function resize(t: SymBV, w: Width): SymBV {
  const have = t.sort.size();
  if (have === w) return t;
  return have > w ? t.extract(w - 1, 0) : t.zeroExt(w - have);
}
