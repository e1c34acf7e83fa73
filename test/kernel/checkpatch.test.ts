// check --checkpatch: the tree's checkpatch.pl on each patch; a remaining item passes only
// when the cover letter quotes it; a tree without checkpatch.pl is a clear error.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkpatchSeries } from '../../src/kernel/checkpatch.ts';

/** A tree whose checkpatch.pl reports one warning per patch, in checkpatch's format. */
function fakeTree(): string {
  const tree = mkdtempSync(join(tmpdir(), 'jitgen-cp-'));
  mkdirSync(join(tree, 'scripts'));
  writeFileSync(
    join(tree, 'scripts/checkpatch.pl'),
    'print "WARNING: added, moved or deleted file(s), does MAINTAINERS need updating?\\n\\ntotal: 0 errors, 1 warnings, 0 checks, 10 lines checked\\n"; exit 1;\n',
  );
  return tree;
}

function series(cover: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'jitgen-cp-v1-'));
  writeFileSync(join(dir, '0000-cover-letter.patch'), cover);
  writeFileSync(join(dir, '0001-a.patch'), 'patch\n');
  return dir;
}

describe('check --checkpatch', () => {
  test('an unjustified warning fails the check', () => {
    const r = checkpatchSeries(fakeTree(), series('no words about it\n'));
    expect(r.ok).toBe(false);
    expect(r.patches[0]).toMatchObject({ warnings: 1, errors: 0, checks: 0, justified: [] });
  });

  test('a warning the cover letter quotes is justified', () => {
    const cover = 'checkpatch warns "added, moved or deleted file(s), does\nMAINTAINERS need updating?": arch/mips/net/ is covered.\n';
    const r = checkpatchSeries(fakeTree(), series(cover));
    expect(r.ok).toBe(true);
    expect(r.patches[0]!.justified).toHaveLength(1);
  });

  test('a tree without scripts/checkpatch.pl: a clear error', () => {
    const tree = mkdtempSync(join(tmpdir(), 'jitgen-nocp-'));
    expect(() => checkpatchSeries(tree, series(''))).toThrow(`${tree}: no scripts/checkpatch.pl in this tree`);
  });
});
