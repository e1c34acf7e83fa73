// Turning a list of commits into a patch series, on a git worktree of jitgen's own: the
// user's checkout, its branches and its uncommitted work are never touched. Dates come
// from the base commit (or SOURCE_DATE_EPOCH), so the same inputs give byte-identical
// patches.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, UsageError } from '../errors.ts';
import { gitAt, type Identity } from '../kernel/git.ts';

export interface SeriesCommit {
  subject: string;
  body: string;
  /** Path in the tree -> new content, or null to delete the file. */
  files: Map<string, string | null>;
}

export interface SeriesOptions {
  tree: string;
  worktree: string;
  branch: string;
  outDir: string;
  version: number;
  author?: string;
  to: string[];
  cc: string[];
  /** Add To: (maintainers) and Cc: (reviewers, supporters, lists) from the tree's get_maintainer.pl. */
  getMaintainer?: boolean;
  coverSubject: string;
  /** The cover letter's text, given the series' git tree (its content). */
  coverBlurb: (seriesTree: string) => string;
  progress?: (msg: string) => void;
}

export interface SeriesResult {
  base: string;
  patches: string[];
  outDir: string;
}

/** "Name <mail>" into its parts. */
export function parseAuthor(text: string): { name: string; email: string } {
  const m = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (!m) throw new UsageError(`--author takes "Name <mail@host>", not '${text}'`);
  return { name: m[1]!, email: m[2]! };
}

async function identity(tree: string, author: string | undefined, date: string): Promise<Identity> {
  if (author) return { ...parseAuthor(author), date };
  const git = gitAt(tree);
  const get = async (key: string): Promise<string> => {
    try {
      return (await git.raw(['config', '--get', key])).trim();
    } catch {
      return '';
    }
  };
  const name = await get('user.name');
  const email = await get('user.email');
  if (!name || !email) {
    throw new InputError('no git identity (user.name/user.email) for the Signed-off-by: set one, or pass --author "Name <mail>"');
  }
  return { name, email, date };
}

/**
 * get_maintainer.pl's lines (with role statistics) as To: and Cc: lists: maintainers
 * are addressed, everyone else (supporters, reviewers, mailing lists) copied.
 */
export function recipients(output: string): { to: string[]; cc: string[] } {
  const to: string[] = [];
  const cc: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^(.+?)\s+\(([^:)]+)/.exec(line.trim());
    if (!m || !m[1]!.includes('@')) continue;
    (m[2] === 'maintainer' ? to : cc).push(m[1]!);
  }
  return { to, cc };
}

async function maintainersOf(worktree: string, base: string, branch: string, scratch: string): Promise<{ to: string[]; cc: string[] }> {
  const script = join(worktree, 'scripts/get_maintainer.pl');
  if (!existsSync(script)) throw new InputError(`${worktree}: no scripts/get_maintainer.pl in this tree (drop --get-maintainer, or give --to/--cc)`);
  const diff = join(scratch, 'series.diff');
  writeFileSync(diff, await gitAt(worktree).raw(['diff', `${base}..${branch}`]));
  const out = execFileSync('perl', [script, '--no-git', '--no-git-fallback', '--no-tree', diff], { cwd: worktree, encoding: 'utf8' });
  rmSync(diff);
  return recipients(out);
}

/** The series' date: SOURCE_DATE_EPOCH, else the base commit's committer date. */
async function seriesDate(tree: string, base: string): Promise<string> {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined) {
    if (!/^\d+$/.test(epoch)) throw new UsageError(`SOURCE_DATE_EPOCH must be seconds since 1970, not '${epoch}'`);
    return `${epoch} +0000`;
  }
  return `${(await gitAt(tree).raw(['log', '-1', '--format=%ct', base])).trim()} +0000`;
}

/** Is a process with this id running? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Scratch and old copies an interrupted run left beside outDir (their process is gone). */
function removeStale(outDir: string): void {
  const parent = dirname(outDir);
  if (!existsSync(parent)) return;
  const mine = new RegExp(`^${basename(outDir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)$`);
  for (const name of readdirSync(parent)) {
    const m = mine.exec(name);
    if (!m || alive(Number(m[2]))) continue;
    // a run stopped between moving the old series aside and moving the new one in: the
    // old series is still the last complete one, so it goes back
    if (m[1] === 'old' && !existsSync(outDir)) renameSync(join(parent, name), outDir);
    else rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Build the commits on a fresh branch in jitgen's worktree and format the patches. */
export async function writeSeries(commits: readonly SeriesCommit[], opts: SeriesOptions): Promise<SeriesResult> {
  const progress = opts.progress ?? (() => {});
  removeStale(opts.outDir);
  const tree = gitAt(opts.tree);
  const base = (await tree.revparse(['HEAD'])).trim();
  const date = await seriesDate(opts.tree, base);
  const who = await identity(opts.tree, opts.author, date);

  // jitgen's worktree, on jitgen's own branch, reset to the base: reused between runs,
  // since checking out a whole kernel tree takes a minute
  progress(`worktree ${opts.worktree} on branch ${opts.branch} at ${base.slice(0, 12)}`);
  await tree.raw(['worktree', 'prune']);
  if (existsSync(join(opts.worktree, '.git'))) {
    await gitAt(opts.worktree).raw(['checkout', '--quiet', '--force', '-B', opts.branch, base]);
    await gitAt(opts.worktree).raw(['clean', '-fdxq']);
  } else {
    rmSync(opts.worktree, { recursive: true, force: true });
    mkdirSync(dirname(opts.worktree), { recursive: true });
    progress('checking out the base tree (the first time takes a minute)');
    await tree.raw(['worktree', 'add', '--force', '--quiet', '-B', opts.branch, opts.worktree, base]);
  }

  // a handle only once the directory exists: simple-git refuses a missing one
  const wt = gitAt(opts.worktree, who);
  const signoff = `Signed-off-by: ${who.name} <${who.email}>`;
  for (const c of commits) {
    progress(`commit: ${c.subject}`);
    for (const [path, content] of c.files) {
      const file = join(opts.worktree, path);
      if (content === null) {
        rmSync(file, { force: true });
      } else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    }
    await wt.raw(['add', '--all', '--force', '--', ...c.files.keys()]);
    await wt.raw(['commit', '--quiet', '--no-verify', '-m', `${c.subject}\n\n${c.body.trim()}\n\n${signoff}`]);
  }

  // format into a scratch directory, finish the cover letter, then swap it in whole:
  // an interrupted run never leaves a half-written series in outDir
  const scratch = `${opts.outDir}.tmp-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const prefix = opts.version > 1 ? `PATCH v${opts.version}` : 'PATCH';
  const to = [...opts.to];
  const cc = [...opts.cc];
  if (opts.getMaintainer) {
    progress('recipients from scripts/get_maintainer.pl');
    const found = await maintainersOf(opts.worktree, base, opts.branch, scratch);
    to.push(...found.to.filter((a) => !to.includes(a)));
    cc.push(...found.cc.filter((a) => !to.includes(a) && !cc.includes(a)));
  }
  const args = ['format-patch', '--quiet', '--cover-letter', `--base=${base}`, `--subject-prefix=${prefix}`, '--no-signature', '-o', scratch];
  for (const t of to) args.push(`--to=${t}`);
  for (const c of cc) args.push(`--cc=${c}`);
  args.push(`${base}..${opts.branch}`);
  await wt.raw(args);
  const files = readdirSync(scratch).filter((f) => f.endsWith('.patch')).sort();
  const cover = files.find((f) => f.startsWith('0000-'));
  if (!cover) throw new Error('git format-patch wrote no cover letter');
  const coverPath = join(scratch, cover);
  const text = readFileSync(coverPath, 'utf8')
    .replace('*** SUBJECT HERE ***', opts.coverSubject)
    .replace('*** BLURB HERE ***', opts.coverBlurb((await wt.revparse(['HEAD^{tree}'])).trim()).trimEnd());
  writeFileSync(coverPath, text);

  const old = `${opts.outDir}.old-${process.pid}`;
  if (existsSync(opts.outDir)) renameSync(opts.outDir, old);
  mkdirSync(dirname(opts.outDir), { recursive: true });
  renameSync(scratch, opts.outDir);
  rmSync(old, { recursive: true, force: true });
  return { base, patches: files.map((f) => join(opts.outDir, f)), outDir: opts.outDir };
}
