// The prover's one call into the solver: `Symbolic.prove`, with an error inside the
// solver or in reading its model turned into `unknown` (with the message), so that one
// bad obligation is reported instead of ending a run of thousands.
import type { ProofResult, SymBool, Symbolic } from '../../bv/symbolic.ts';

export async function solve(sym: Symbolic, claim: SymBool, assumptions: SymBool[], timeoutMs: number): Promise<ProofResult> {
  try {
    return await sym.prove(claim, assumptions, timeoutMs);
  } catch (e) {
    return { status: 'unknown', reason: `solver error: ${(e as Error).message}` };
  }
}
