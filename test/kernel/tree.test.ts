// `tree init --from`: a user's checkout is adopted only when it is a clean kernel tree.
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { adoptTree, kernelVersion } from '../../src/kernel/tree.ts';

function fakeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jitgen-tree-'));
  writeFileSync(join(dir, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 3\nEXTRAVERSION =\n');
  mkdirSync(join(dir, 'arch/mips/net'), { recursive: true });
  writeFileSync(join(dir, 'arch/mips/net/bpf_jit_comp32.c'), '/* jit */\n');
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib/test_bpf.c'), '/* tests */\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  return dir;
}

describe('tree', () => {
  test('reads the version from the top Makefile', () => {
    expect(kernelVersion(fakeTree())).toBe('6.12.3');
  });

  test('a dirty checkout is refused and left exactly as it was', async () => {
    const dir = fakeTree();
    const file = join(dir, 'arch/mips/net/bpf_jit_comp32.c');
    writeFileSync(file, '/* my uncommitted work */\n');
    await expect(adoptTree(dir)).rejects.toThrow(/uncommitted changes \(1 files\)/);
    expect(readFileSync(file, 'utf8')).toBe('/* my uncommitted work */\n');
  });

  test('through the CLI: not a kernel tree is one line on stderr and exit status 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitgen-notree-'));
    const r = spawnSync('node', ['bin/jitgen.js', 'tree', 'init', '--from', dir], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`jitgen: error: ${dir}: not a Linux kernel tree (needs Makefile, arch/mips/net and lib/test_bpf.c)\n`);
  });
});
