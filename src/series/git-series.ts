// Turning a list of commits into a patch series, on a git worktree of jitgen's own: the
// user's checkout, its branches and its uncommitted work are never touched. Dates come
// from the base commit (or SOURCE_DATE_EPOCH), so the same inputs give byte-identical
// patches.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  coverSubject: string;
  coverBlurb: string;
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

/** The series' date: SOURCE_DATE_EPOCH, else the base commit's committer date. */
async function seriesDate(tree: string, base: string): Promise<string> {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined) {
    if (!/^\d+$/.test(epoch)) throw new UsageError(`SOURCE_DATE_EPOCH must be seconds since 1970, not '${epoch}'`);
    return `${epoch} +0000`;
  }
  return `${(await gitAt(tree).raw(['log', '-1', '--format=%ct', base])).trim()} +0000`;
}

/** Build the commits on a fresh branch in jitgen's worktree and format the patches. */
export async function writeSeries(commits: readonly SeriesCommit[], opts: SeriesOptions): Promise<SeriesResult> {
  const progress = opts.progress ?? (() => {});
  const tree = gitAt(opts.tree);
  const base = (await tree.revparse(['HEAD'])).trim();
  const date = await seriesDate(opts.tree, base);
  const who = await identity(opts.tree, opts.author, date);

  // jitgen's worktree, on jitgen's own branch, reset to the base: reused between runs,
  // since checking out a whole kernel tree takes a minute
  progress(`worktree ${opts.worktree} on branch ${opts.branch} at ${base.slice(0, 12)}`);
  await tree.raw(['worktree', 'prune']);
  const wt = gitAt(opts.worktree, who);
  if (existsSync(join(opts.worktree, '.git'))) {
    await wt.raw(['checkout', '--quiet', '--force', '-B', opts.branch, base]);
    await wt.raw(['clean', '-fdxq']);
  } else {
    rmSync(opts.worktree, { recursive: true, force: true });
    mkdirSync(dirname(opts.worktree), { recursive: true });
    progress('checking out the base tree (the first time takes a minute)');
    await tree.raw(['worktree', 'add', '--force', '--quiet', '-B', opts.branch, opts.worktree, base]);
  }

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
  const args = ['format-patch', '--quiet', '--cover-letter', `--base=${base}`, `--subject-prefix=${prefix}`, '--no-signature', '-o', scratch];
  for (const t of opts.to) args.push(`--to=${t}`);
  for (const c of opts.cc) args.push(`--cc=${c}`);
  args.push(`${base}..${opts.branch}`);
  await wt.raw(args);
  const files = readdirSync(scratch).filter((f) => f.endsWith('.patch')).sort();
  const cover = files.find((f) => f.startsWith('0000-'));
  if (!cover) throw new Error('git format-patch wrote no cover letter');
  const coverPath = join(scratch, cover);
  const text = readFileSync(coverPath, 'utf8')
    .replace('*** SUBJECT HERE ***', opts.coverSubject)
    .replace('*** BLURB HERE ***', opts.coverBlurb.trimEnd());
  writeFileSync(coverPath, text);

  const old = `${opts.outDir}.old-${process.pid}`;
  if (existsSync(opts.outDir)) renameSync(opts.outDir, old);
  mkdirSync(dirname(opts.outDir), { recursive: true });
  renameSync(scratch, opts.outDir);
  rmSync(old, { recursive: true, force: true });
  return { base, patches: files.map((f) => join(opts.outDir, f)), outDir: opts.outDir };
}
