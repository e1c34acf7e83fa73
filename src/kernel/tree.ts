// The base kernel tree: made from Debian's linux-source-* tarball into kernel-tree/base
// (a git repository with one base commit), or a user's checkout adopted by path. jitgen
// reads the tree at run time; it never copies kernel sources into this repository, and it
// changes a user's checkout only on a branch or worktree of its own (the series issue).
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { InputError } from '../errors.ts';
import { kernelTreeDir } from '../paths.ts';
import { gitAt } from './git.ts';

export const DEBIAN_VERSIONS = ['6.12', '6.1'] as const;
export type DebianVersion = (typeof DEBIAN_VERSIONS)[number];

/** What `kernel-tree/current.json` records: the tree every verb uses by default. */
export interface TreeRecord {
  path: string;
  source: string;
}

export interface TreeInfo {
  path: string;
  source: string;
  version: string;
  /** Files under arch/mips/net, the JIT's home. */
  jitFiles: string[];
  baseCommit?: string;
}

const currentFile = join(kernelTreeDir, 'current.json');
export const defaultBaseDir = join(kernelTreeDir, 'base');

/** The tree a verb works on: `--tree DIR`, else the one `tree init` recorded. */
export function resolveTree(explicit?: string): string {
  if (explicit) {
    const dir = resolve(explicit);
    checkKernelTree(dir);
    return dir;
  }
  if (existsSync(currentFile)) {
    const rec = JSON.parse(readFileSync(currentFile, 'utf8')) as TreeRecord;
    return rec.path;
  }
  if (existsSync(join(defaultBaseDir, 'Makefile'))) return defaultBaseDir;
  throw new InputError('no kernel tree: run `jitgen tree init` (or pass --tree DIR)');
}

/** "6.12.57" from the top Makefile, or an error if `dir` is not a kernel tree. */
export function kernelVersion(dir: string): string {
  checkKernelTree(dir);
  const mk = readFileSync(join(dir, 'Makefile'), 'utf8');
  const field = (name: string): string => new RegExp(`^${name} = *(\\S*)`, 'm').exec(mk)?.[1] ?? '';
  const sub = field('SUBLEVEL');
  return `${field('VERSION')}.${field('PATCHLEVEL')}${sub && sub !== '0' ? `.${sub}` : ''}`;
}

function checkKernelTree(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${dir}: no such directory`);
  const mk = join(dir, 'Makefile');
  const isKernel =
    existsSync(mk) &&
    /^VERSION = \d+/m.test(readFileSync(mk, 'utf8')) &&
    existsSync(join(dir, 'arch/mips/net')) &&
    existsSync(join(dir, 'lib/test_bpf.c'));
  if (!isKernel) throw new InputError(`${dir}: not a Linux kernel tree (needs Makefile, arch/mips/net and lib/test_bpf.c)`);
}

export function describeTree(dir: string, source: string, baseCommit?: string): TreeInfo {
  const netDir = join(dir, 'arch/mips/net');
  const jitFiles = readdirSync(netDir).filter((f) => /\.(c|h)$/.test(f) || f === 'Makefile').sort();
  return { path: dir, source, version: kernelVersion(dir), jitFiles, baseCommit };
}

function record(rec: TreeRecord): void {
  mkdirSync(kernelTreeDir, { recursive: true });
  const tmp = `${currentFile}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(rec, null, 2)}\n`);
  renameSync(tmp, currentFile);
}

/** Adopt a user's git checkout, read-only: refused if it is dirty. */
export async function adoptTree(path: string): Promise<TreeInfo> {
  const dir = resolve(path);
  checkKernelTree(dir);
  if (!existsSync(join(dir, '.git'))) throw new InputError(`${dir}: not a git checkout (jitgen works on a branch of its own, so it needs git)`);
  const status = await gitAt(dir).status();
  if (!status.isClean()) {
    throw new InputError(`${dir}: the tree has uncommitted changes (${status.files.length} files); commit or stash them first`);
  }
  const head = (await gitAt(dir).revparse(['HEAD'])).trim();
  record({ path: dir, source: 'user' });
  return describeTree(dir, 'user', head);
}

export interface InitProgress {
  (message: string): void;
}

/**
 * Extract Debian's linux-source-V tarball into kernel-tree/base as a git repository with
 * one base commit. Does nothing when that base already exists.
 */
export async function initDebianTree(version: DebianVersion, progress: InitProgress): Promise<{ info: TreeInfo; created: boolean }> {
  const tarball = `/usr/src/linux-source-${version}.tar.xz`;
  const source = `debian-linux-source-${version}`;
  const marker = join(defaultBaseDir, '.git', 'jitgen-source');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === source) {
    const head = (await gitAt(defaultBaseDir).revparse(['HEAD'])).trim();
    record({ path: defaultBaseDir, source });
    return { info: describeTree(defaultBaseDir, source, head), created: false };
  }
  if (!existsSync(tarball)) {
    throw new InputError(`${tarball}: not found; install it with \`apt-get install linux-source-${version}\` (scripts/setup does)`);
  }
  if (existsSync(defaultBaseDir)) {
    throw new InputError(`${defaultBaseDir} exists but is not a base tree of ${source}; remove it first`);
  }
  mkdirSync(kernelTreeDir, { recursive: true });
  // Extract into a scratch directory and rename at the end: an interrupted run leaves
  // no half-made base behind.
  const scratch = join(kernelTreeDir, `.extract-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  progress(`extracting ${tarball}`);
  const tar = spawnSync('tar', ['-xf', tarball, '-C', scratch, '--strip-components=1'], { stdio: 'inherit' });
  if (tar.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    throw new InputError(`${tarball}: tar failed (status ${tar.status})`);
  }
  try {
    await commitBase(scratch, version, baseDate(tarball), progress);
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  renameSync(scratch, defaultBaseDir);
  const head = (await gitAt(defaultBaseDir).revparse(['HEAD'])).trim();
  record({ path: defaultBaseDir, source });
  return { info: describeTree(defaultBaseDir, source, head), created: true };
}

async function commitBase(scratch: string, version: DebianVersion, date: string, progress: InitProgress): Promise<void> {
  progress('making the base commit (git add of the whole tree takes a minute)');
  const git = gitAt(scratch, { name: 'jitgen', email: 'jitgen@localhost', date });
  await git.init(['--initial-branch=base', '--quiet']);
  await git.raw(['config', 'core.autocrlf', 'false']);
  await git.raw(['add', '--all', '--force', '.']);
  const version_ = kernelVersion(scratch);
  await git.commit(`Linux ${version_} (Debian linux-source-${version})`, undefined, { '--quiet': null });
  writeFileSync(join(scratch, '.git', 'jitgen-source'), `debian-linux-source-${version}\n`);
}

/** Commit date of the base: SOURCE_DATE_EPOCH, else the tarball's mtime (reproducible). */
function baseDate(tarball: string): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const seconds = epoch ? Number(epoch) : Math.floor(statSync(tarball).mtimeMs / 1000);
  return `${seconds} +0000`;
}
