// One fuzz case: the program under test plus the programs its tail calls can reach, in
// a form that is plain JSON (reproducers are saved as it) and turns into the corpus's
// TestProgram shape, so the JIT runner binds helpers and the prog array as it does for
// test_bpf's tail-call tests.
import * as op from '../bpf/opcodes.ts';
import { kfuncDecl, modelledKfuncs } from '../bpf/kfuncs.ts';
import type { Insn } from '../bpf/opcodes.ts';
import type { TestProgram } from '../bpf/program.ts';
import { FLAG_NO_DATA, TAIL_CALL_MARKER } from '../verify/corpus/model.ts';

export interface FuzzCase {
  /** programs[0] is the program under test; the others are tail-call targets. */
  programs: Insn[][];
  /** The prog array (`bpf_array.ptrs[]`): an index into `programs` or an empty slot. Empty: no array. */
  progArray: (number | null)[];
  /** `prog->aux->stack_depth` of every program (bytes below R10 it uses). */
  stackDepth: number;
}

/** What a tail call compiles to once the verifier has seen it (the JIT's input). */
export const TAIL_CALL_INSN: Insn = { code: op.JMP | op.TAIL_CALL, dst: 0, src: 0, off: 0, imm: 0 };
export const isTailCall = (i: Insn): boolean => i.code === (op.JMP | op.TAIL_CALL);

/** The value programs load into R2 before a tail call; bound to the array's address later. */
export const PROG_ARRAY_MARKER = TAIL_CALL_MARKER;

/** The case as TestPrograms sharing one `tailCallTargets` array (entry 0 is the program under test). */
export function testPrograms(c: FuzzCase, id = 'fuzz'): TestProgram[] {
  const targets: (TestProgram | null)[] | undefined = c.progArray.length ? new Array(c.progArray.length).fill(null) : undefined;
  const progs = c.programs.map(
    (insns, k): TestProgram => ({
      id: `${id}:${k}`,
      corpus: 'fuzz',
      index: k,
      name: `${id}:${k}`,
      insns,
      verifierZext: false,
      stackDepth: c.stackDepth,
      // kfunc calls name the modelled kfuncs by their index in that table
      kfuncs: modelledKfuncs().map(kfuncDecl),
      flags: FLAG_NO_DATA,
      data: new Uint8Array(),
      expect: [],
      ...(targets ? { tailCallTargets: targets, tailCallReachable: true } : {}),
    }),
  );
  if (targets) c.progArray.forEach((k, i) => (targets[i] = k === null ? null : progs[k]!));
  return progs;
}

type InsnTuple = [number, number, number, number, number];

/** `[[code, dst, src, off, imm], ...]` per program: the JSON loader's format. */
export function caseToJson(c: FuzzCase): { programs: InsnTuple[][]; progArray: (number | null)[]; stackDepth: number } {
  return {
    programs: c.programs.map((p) => p.map((i): InsnTuple => [i.code, i.dst, i.src, i.off, i.imm])),
    progArray: [...c.progArray],
    stackDepth: c.stackDepth,
  };
}

export function caseFromJson(doc: ReturnType<typeof caseToJson>): FuzzCase {
  return {
    programs: doc.programs.map((p) => p.map(([code, dst, src, off, imm]) => ({ code, dst, src, off, imm }))),
    progArray: [...doc.progArray],
    stackDepth: doc.stackDepth,
  };
}

/** Instructions in all programs of the case. */
export const caseSize = (c: FuzzCase): number => c.programs.reduce((n, p) => n + p.length, 0);
