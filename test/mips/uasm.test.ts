// uasm availability read from the kernel tree (skipped without the tree). Expected
// values come from reading the 6.12 tree's uasm.h / uasm-mips.c by hand.
import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { uasmAvailability } from '../../src/mips/uasm.ts';

const TREE = '/tmp/ks/linux-source-6.12';

test.skipIf(!existsSync(TREE))('uasm availability in Linux 6.12', () => {
  const rows = new Map(uasmAvailability(TREE).map((r) => [r.op, r]));
  const av = (op: string) => [rows.get(op)!.r2, rows.get(op)!.r6];
  expect(av('addu')).toEqual([true, true]);
  expect(av('muhu')).toEqual([false, true]); // R6-only instruction; uasm has insn_muhu
  expect(av('mult')).toEqual([false, false]); // uasm has multu but no mult
  expect(av('multu')).toEqual([true, false]); // R6 has no multu
  expect(av('divu')).toEqual([true, false]);
  expect(av('divu_r6')).toEqual([false, true]);
  expect(av('mod')).toEqual([false, false]); // uasm has modu only
  expect(av('jr')).toEqual([true, true]); // R6 arm of uasm-mips.c encodes jalr zero
  expect(av('ll')).toEqual([true, true]); // both arms, the R6 one with a 9-bit offset
  expect(av('seleqz')).toEqual([false, true]);
  expect(av('nop')).toEqual([true, true]); // a macro over sll
  expect(av('seb')).toEqual([false, false]);
  expect(av('bc')).toEqual([false, false]);
  expect(rows.get('mult')!.notes.join()).toMatch(/no uasm_i_mult/);
});

test('a directory that is not a tree is a clear error', () => {
  expect(() => uasmAvailability('/nonexistent')).toThrow(/cannot read/);
});
