// The uasm pseudo-instructions the JIT writes (arch/mips/include/asm/uasm.h defines them
// as macros over real instructions): what each one is, so that the C says `move` and the
// model emits the very word uasm builds for it.
import type { MipsInsn } from './codec.ts';

type Expand = (a: readonly number[]) => MipsInsn;

export const PSEUDO: Readonly<Record<string, Expand>> = {
  /** uasm_i_move(buf, a, b) is addu a, zero, b on 32-bit kernels. */
  move: ([rd, rs]) => ({ op: 'addu', args: [rd!, 0, rs!] }),
  beqz: ([rs, off]) => ({ op: 'beq', args: [rs!, 0, off!] }),
  bnez: ([rs, off]) => ({ op: 'bne', args: [rs!, 0, off!] }),
  b: ([off]) => ({ op: 'beq', args: [0, 0, off!] }),
};

/** The real instruction behind `op` (itself when it is not a pseudo-instruction). */
export function expand(op: string, args: readonly number[]): MipsInsn {
  const p = PSEUDO[op];
  return p ? p(args) : { op, args: [...args] };
}
