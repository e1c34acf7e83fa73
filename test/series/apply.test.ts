// The real series on the default tree: `jitgen patch --series` writes a cover letter and
// patches that apply, in order, to the base commit they name (git apply on a scratch
// index: what `git am` does, without checking out 80,000 files), twice byte-identically.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultTreeDir } from '../../src/verify/corpus/index.ts';

const TREE = process.env.JITGEN_TEST_TREE ?? defaultTreeDir;
const haveTree = existsSync(join(TREE, '.git'));

function patchSeries(out: string): string[] {
  // the cover letter quotes the recorded measurements: an empty record directory keeps
  // tests that record results meanwhile from changing the second run's input
  const r = spawnSync('node', ['bin/jitgen.js', 'patch', '--series', '--out', out, '--author', 'Jane Doe <jane@example.org>', '--tree', TREE], {
    encoding: 'utf8',
    env: { ...process.env, JITGEN_RESULTS_DIR: join(out, 'no-records') },
  });
  expect(r.status, r.stderr).toBe(0);
  const dir = join(out, 'v1');
  return readdirSync(dir).sort().map((f) => join(dir, f));
}

describe.skipIf(!haveTree)('patch --series on the default tree (~20 s, a minute the first time)', () => {
  test('the patches apply in order to their base commit, and a second run gives the same bytes', () => {
    const out = mkdtempSync(join(tmpdir(), 'jitgen-apply-'));
    const index = join(out, 'index');
    try {
      const first = patchSeries(out);
      const texts = first.map((f) => readFileSync(f, 'utf8'));
      expect(first[0]).toMatch(/0000-cover-letter\.patch$/);
      expect(first.length).toBeGreaterThanOrEqual(4);
      const base = /^base-commit: ([0-9a-f]{40})$/m.exec(texts[0]!)?.[1];
      expect(base).toBeDefined();
      const git = (args: string[], input?: string): string =>
        execFileSync('git', args, { cwd: TREE, encoding: 'utf8', input, env: { ...process.env, GIT_INDEX_FILE: index } });
      git(['read-tree', base!]);
      for (const [k, file] of first.slice(1).entries()) {
        expect(texts[k + 1]).toMatch(/^Signed-off-by: Jane Doe <jane@example.org>$/m);
        git(['apply', '--cached', '--whitespace=error-all', file]);
      }
      // the applied tree has the new JIT and no longer the old 32-bit one
      const files = git(['ls-files', 'arch/mips/net']).split('\n');
      expect(files).toContain('arch/mips/net/ebpf_jit_comp32.c');
      expect(files).not.toContain('arch/mips/net/bpf_jit_comp32.c');

      const again = patchSeries(out).map((f) => readFileSync(f, 'utf8'));
      expect(again).toEqual(texts);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
