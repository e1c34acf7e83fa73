// The series machinery on a small git tree: the user's checkout is never touched, the
// same inputs give the same patches, and an interrupted or failed run leaves the last
// complete series in place and no scratch directories behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { recipients, writeSeries, type SeriesCommit, type SeriesOptions } from '../../src/series/git-series.ts';

const AUTHOR = 'Jane Doe <jane@example.org>';

function run(dir: string, ...args: string[]): string {
  const env = { ...process.env, GIT_AUTHOR_DATE: '2024-01-02T03:04:05Z', GIT_COMMITTER_DATE: '2024-01-02T03:04:05Z' };
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8', env });
}

/** A user's checkout: a commit on their own branch, an uncommitted edit and an untracked file. */
function userTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jitgen-series-'));
  mkdirSync(join(dir, 'arch/mips/net'), { recursive: true });
  writeFileSync(join(dir, 'Makefile'), 'VERSION = 6\n');
  writeFileSync(join(dir, 'arch/mips/net/Makefile'), 'obj-y += bpf_jit_comp32.o\n');
  writeFileSync(join(dir, 'arch/mips/net/bpf_jit_comp32.c'), '/* old jit */\n');
  run(dir, 'init', '-q', '-b', 'my-work');
  run(dir, 'add', '.');
  run(dir, 'commit', '-q', '-m', 'base');
  writeFileSync(join(dir, 'Makefile'), 'VERSION = 6\n# my uncommitted edit\n');
  writeFileSync(join(dir, 'notes.txt'), 'untracked\n');
  return dir;
}

function commits(): SeriesCommit[] {
  return [
    { subject: 'MIPS: eBPF: Add a core', body: 'Why the core.', files: new Map([['arch/mips/net/ebpf_jit_core.c', '/* core */\n']]) },
    {
      subject: 'MIPS: eBPF: Use it',
      body: 'Why the switch.',
      files: new Map<string, string | null>([
        ['arch/mips/net/Makefile', 'obj-y += ebpf_jit_core.o\n'],
        ['arch/mips/net/bpf_jit_comp32.c', null],
      ]),
    },
  ];
}

function options(tree: string, out: string): SeriesOptions {
  return {
    tree,
    worktree: join(out, 'worktree'),
    branch: 'jitgen/series',
    outDir: join(out, 'patches', 'v1'),
    version: 1,
    author: AUTHOR,
    to: [],
    cc: [],
    coverSubject: 'A cover',
    coverBlurb: () => 'The blurb.',
  };
}

const contents = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

describe('patch --series on a git tree', () => {
  test("the user's branch, uncommitted edit and untracked file are left exactly as they were", async () => {
    const tree = userTree();
    const before = { status: run(tree, 'status', '--porcelain'), head: run(tree, 'rev-parse', 'HEAD'), branch: run(tree, 'branch', '--show-current') };
    const out = mkdtempSync(join(tmpdir(), 'jitgen-out-'));
    const res = await writeSeries(commits(), options(tree, out));
    expect(run(tree, 'status', '--porcelain')).toBe(before.status);
    expect(run(tree, 'rev-parse', 'HEAD')).toBe(before.head);
    expect(run(tree, 'branch', '--show-current')).toBe(before.branch);
    expect(readFileSync(join(tree, 'Makefile'), 'utf8')).toBe('VERSION = 6\n# my uncommitted edit\n');
    expect(existsSync(join(tree, 'arch/mips/net/ebpf_jit_core.c'))).toBe(false);
    // cover letter + two patches, each signed off by --author, dated as the base commit
    expect(res.patches.map((p) => p.split('/').pop())).toEqual(['0000-cover-letter.patch', '0001-MIPS-eBPF-Add-a-core.patch', '0002-MIPS-eBPF-Use-it.patch']);
    const second = readFileSync(res.patches[2]!, 'utf8');
    expect(second).toContain('Signed-off-by: Jane Doe <jane@example.org>');
    expect(second).toContain('Date: Tue, 2 Jan 2024 03:04:05 +0000');
    expect(second).toContain('deleted file mode');
    expect(readFileSync(res.patches[0]!, 'utf8')).toContain('Subject: [PATCH 0/2] A cover');
  });

  test('running it twice gives byte-identical patches', async () => {
    const tree = userTree();
    const out = mkdtempSync(join(tmpdir(), 'jitgen-out-'));
    const first = contents((await writeSeries(commits(), options(tree, out))).outDir);
    const second = contents((await writeSeries(commits(), options(tree, out))).outDir);
    expect(Object.keys(first)).toHaveLength(3);
    expect(second).toEqual(first);
  });

  test('a run that fails half way leaves the last series whole and no scratch behind', async () => {
    const tree = userTree();
    const out = mkdtempSync(join(tmpdir(), 'jitgen-out-'));
    const opts = options(tree, out);
    const good = contents((await writeSeries(commits(), opts)).outDir);
    // a commit that cannot be written: a file below a path that is a file
    const broken: SeriesCommit[] = [...commits(), { subject: 'x', body: 'y', files: new Map([['Makefile/inside', 'z']]) }];
    await expect(writeSeries(broken, opts)).rejects.toThrow();
    expect(contents(opts.outDir)).toEqual(good);
    expect(readdirSync(join(out, 'patches'))).toEqual(['v1']);
  });

  test('a run killed between moving the old series aside and the new one in: the old one comes back', async () => {
    const tree = userTree();
    const out = mkdtempSync(join(tmpdir(), 'jitgen-out-'));
    const opts = options(tree, out);
    // what a killed process leaves: v1 moved to v1.old-PID, a half-written v1.tmp-PID
    const dead = spawnSync('true').pid!;
    mkdirSync(join(out, 'patches', `v1.old-${dead}`), { recursive: true });
    writeFileSync(join(out, 'patches', `v1.old-${dead}`, '0001-last.patch'), 'the last complete series\n');
    mkdirSync(join(out, 'patches', `v1.tmp-${dead}`));
    writeFileSync(join(out, 'patches', `v1.tmp-${dead}`, '0001-half.patch'), 'half\n');
    const broken: SeriesCommit[] = [{ subject: 'x', body: 'y', files: new Map([['Makefile/inside', 'z']]) }];
    await expect(writeSeries(broken, opts)).rejects.toThrow();
    expect(contents(opts.outDir)).toEqual({ '0001-last.patch': 'the last complete series\n' });
    expect(readdirSync(join(out, 'patches'))).toEqual(['v1']);
  });

  test('without an identity or --author: a clear error, nothing written', () => {
    const tree = userTree();
    const out = mkdtempSync(join(tmpdir(), 'jitgen-out-'));
    // in a child process whose git sees no global or system identity
    const script = `import { writeSeries } from './src/series/git-series.ts';
      await writeSeries([], ${JSON.stringify({ ...options(tree, out), author: undefined })});`;
    const r = spawnSync('npx', ['tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', HOME: out },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no git identity \(user.name\/user.email\) for the Signed-off-by: set one, or pass --author/);
    expect(existsSync(join(out, 'patches'))).toBe(false);
  });
});

describe('recipients from get_maintainer.pl', () => {
  test('maintainers are addressed, supporters, reviewers and lists copied', () => {
    // lines in the format get_maintainer.pl prints with role statistics (its default)
    const output = [
      'Thomas Bogendoerfer <tsbogend@alpha.franken.de> (maintainer:MIPS)',
      'Alexei Starovoitov <ast@kernel.org> (supporter:BPF [GENERAL] (Safe Dynamic Programs and Tools))',
      'Song Liu <song@kernel.org> (reviewer:BPF [GENERAL] (Safe Dynamic Programs and Tools))',
      'Paul Burton <paulburton@kernel.org> (maintainer:BPF JIT for MIPS (32-BIT AND 64-BIT))',
      'linux-mips@vger.kernel.org (open list:MIPS)',
      'linux-kernel@vger.kernel.org (open list)',
      '',
    ].join('\n');
    expect(recipients(output)).toEqual({
      to: ['Thomas Bogendoerfer <tsbogend@alpha.franken.de>', 'Paul Burton <paulburton@kernel.org>'],
      cc: ['Alexei Starovoitov <ast@kernel.org>', 'Song Liu <song@kernel.org>', 'linux-mips@vger.kernel.org', 'linux-kernel@vger.kernel.org'],
    });
  });
});
