// Broken copies of the jitgen design for the fuzzer's honesty tests (plan surgery on
// data, as prove's mutation test does it).
import type { Design } from '../../src/jit/design.ts';
import { drop, mutate, renameOp } from '../helpers/plan-surgery.ts';

/** ALU64 ADD X without the carry into the high word. */
export const carryDropped = (): Design => ({ ...mutate('alu64_x', drop('addu hi(dst), hi(dst), t9')), name: 'jitgen-mutant' });
/** MOVSX from 8 bits sign-extends from 16 instead. */
export const movsx8As16 = (): Design => ({ ...mutate('alu64_x', renameOp('seb lo(dst), lo(src)', 'seh')), name: 'jitgen-mutant' });
