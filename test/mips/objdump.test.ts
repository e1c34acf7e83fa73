// The disassembler against GNU objdump, run here on a blob covering every table entry
// of each configuration with random operands (plus a few texts objdump printed for
// hand-assembled words, kept as the expected strings).
import { describe, expect, test } from 'vitest';
import { ALL_CONFIGS, config } from '../../src/config.ts';
import { checkObjdump } from '../../src/mips/check-objdump.ts';
import { disasm } from '../../src/mips/codec.ts';

describe('objdump agrees, every entry, random operands', () => {
  for (const id of ALL_CONFIGS) {
    test(id, async () => {
      const r = await checkObjdump(config(id), 600, 7, '.cache/mips/test');
      expect(r.examples).toEqual([]);
      expect(r.mismatches).toBe(0);
      expect(r.cases).toBe(600);
    });
  }
});

test('aliases as objdump 2.40 prints them', () => {
  // captured from mips-linux-gnu-objdump -D -b binary -m mips:isa32r2 / isa32r6
  expect(disasm(0x00a02021, 'r2')).toBe('move\ta0,a1');
  expect(disasm(0x00052021, 'r2')).toBe('addu\ta0,zero,a1');
  expect(disasm(0x00062023, 'r2')).toBe('negu\ta0,a2');
  expect(disasm(0x000000c0, 'r2')).toBe('ehb');
  expect(disasm(0x10000004, 'r2', 0x34)).toBe('b\t0x48');
  expect(disasm(0x03e00009, 'r2', 0x48)).toBe('jalr\tzero,ra');
  expect(disasm(0x03e00009, 'r6', 0x48)).toBe('jr\tra');
  expect(disasm(0x03e00008, 'r6')).toBe('.word\t0x3e00008');
  expect(disasm(0x00a6001b, 'r2')).toBe('divu\tzero,a1,a2');
  expect(disasm(0x0123114d, 'r2')).toBe('break\t0x123,0x45');
  expect(disasm(0x0000040f, 'r6')).toBe('sync_mb');
  expect(disasm(0xd805fff0, 'r6', 0x40)).toBe('jic\ta1,-16');
  expect(disasm(0xcbfffffc, 'r6', 0x30)).toBe('bc\t0x24');
});
