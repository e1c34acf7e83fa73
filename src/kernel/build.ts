// Out-of-tree cross-builds of a kernel tree (`make O=...`): the tree itself is never
// written to. Builds live in .cache/kbuild/<tree-key>/<target>/, where the tree key names
// the tree's content (its HEAD commit, plus a hash of uncommitted changes), so a rerun on
// the same tree reuses the build and a changed tree (the series' worktree) gets its own.
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { cacheDir } from '../paths.ts';
import { crossCompile, kconfigEdits, parseDotConfig, scriptsConfigArgs, unmetEdits, type KernelTarget } from './kconfig.ts';

export const defaultKbuildCache = join(cacheDir, 'kbuild');

/** Files whose warnings `check --build` counts against the JIT. */
export const JIT_DIR = 'arch/mips/net/';

export interface CompilerWarning {
  /** Path relative to the tree (or as the compiler printed it, when outside the tree). */
  file: string;
  line: number;
  text: string;
}

export interface KernelBuild {
  target: string;
  tree: string;
  /** The build directory (make's O=). */
  dir: string;
  ok: boolean;
  /** Wall time of this run (configure + make); near zero when the build was reused. */
  seconds: number;
  /** True when a finished build of the same tree and .config was reused without make. */
  reused: boolean;
  /** gcc/ld warnings of every make run in this build directory (same tree, same .config). */
  warnings: CompilerWarning[];
  jitWarnings: number;
  /** The accumulated make log of this build directory. */
  log: string;
  vmlinux: string;
  systemMap: string;
  /** lib/test_bpf.ko, for boot tests. */
  testBpfModule: string;
}

export interface BuildOptions {
  /** Root of the build cache (default .cache/kbuild). */
  cache?: string;
  /** make -j (default 3: the machines have 2 cores and builds wait on I/O). */
  jobs?: number;
  /** Run make even when a finished build of this .config is recorded. */
  force?: boolean;
  progress?: (message: string) => void;
  /** Seconds between progress lines while make runs (default 30). */
  tickSeconds?: number;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function git(tree: string, args: string[]): { ok: boolean; out: Buffer } {
  const r = spawnSync('git', ['-C', tree, ...args], { maxBuffer: 1 << 30 });
  return { ok: r.status === 0, out: r.stdout ?? Buffer.alloc(0) };
}

/**
 * The name of the tree's content for the build cache: `git-<commit12>-<path8>` for a clean
 * git checkout, with `-dirty-<hash12>` of the diff and untracked files when it has
 * uncommitted changes; `dir-<path8>` for a tree outside git (make's own dependency
 * tracking then carries the changes). The path is part of the key because Kbuild records
 * absolute source paths in its command lines: one build directory serves one tree.
 */
export function treeKey(tree: string): string {
  const real = realpathSync(tree);
  const pathHash = sha256(real).slice(0, 8);
  const head = git(real, ['rev-parse', '--verify', 'HEAD']);
  if (!head.ok) return `dir-${pathHash}`;
  const commit = head.out.toString('utf8').trim().slice(0, 12);
  const status = git(real, ['status', '--porcelain', '-z', '--untracked-files=all']);
  if (status.out.length === 0) return `git-${commit}-${pathHash}`;
  const h = createHash('sha256');
  h.update(git(real, ['diff', 'HEAD', '--binary']).out);
  const untracked = git(real, ['ls-files', '--others', '--exclude-standard', '-z']).out.toString('utf8').split('\0').filter(Boolean).sort();
  for (const f of untracked) {
    h.update(`\0${f}\0`);
    h.update(readFileSync(join(real, f)));
  }
  return `git-${commit}-${pathHash}-dirty-${h.digest('hex').slice(0, 12)}`;
}

export function buildDir(tree: string, target: KernelTarget, cache = defaultKbuildCache): string {
  return join(cache, treeKey(tree), target.id);
}

/** `make -C tree O=dir ARCH=mips CROSS_COMPILE=... W=1` plus `extra`. */
export function makeArgs(tree: string, dir: string, target: KernelTarget, extra: readonly string[]): string[] {
  return ['-C', tree, `O=${dir}`, 'ARCH=mips', `CROSS_COMPILE=${crossCompile(target)}`, 'W=1', ...extra];
}

/** Parses gcc/ld warnings (`file:line[:col]: warning: text`) out of a make log. */
export function parseWarnings(log: string, tree: string, buildDirectory: string): CompilerWarning[] {
  const seen = new Set<string>();
  const out: CompilerWarning[] = [];
  const re = /^([^\s:][^:\n]*):(\d+)(?::\d+)?: warning: (.*)$/gm;
  for (const m of log.matchAll(re)) {
    // The compiler runs in the build directory and prints source paths relative to it
    // (or absolute): name them relative to the tree.
    const abs = resolve(buildDirectory, m[1]!);
    const rel = relative(tree, abs);
    const file = rel.startsWith('..') ? m[1]! : rel;
    const w: CompilerWarning = { file, line: Number(m[2]), text: m[3]!.trim() };
    const key = `${w.file}:${w.line}:${w.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(w);
  }
  return out;
}

export function isJitFile(file: string): boolean {
  return file.startsWith(JIT_DIR);
}

/** "3m05s" */
export function formatElapsed(seconds: number): string {
  const s = Math.floor(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The last `CC`/`LD`/... quiet-mode line of make output, for progress. */
export function lastStep(chunk: string): string | undefined {
  const lines = chunk.split('\n').map((l) => l.trim()).filter((l) => /^(CC|LD|AR|AS|MODPOST|OBJCOPY|GEN|HOSTCC|CC \[M\]|LD \[M\]|KSYMS|SYSMAP)\b/.test(l));
  return lines.at(-1)?.replace(/\s+/g, ' ');
}

interface MakeRun {
  status: number;
}

/** Runs make, appending its output to `log`; a progress line every tick. */
function runMake(args: string[], log: string, label: string, opts: BuildOptions): Promise<MakeRun> {
  const progress = opts.progress ?? (() => {});
  const started = Date.now();
  let last = '';
  return new Promise((resolvePromise, reject) => {
    const child = spawn('make', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (b: Buffer): void => {
      appendFileSync(log, b);
      last = lastStep(b.toString('utf8')) ?? last;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setInterval(() => {
      progress(`[${label}] make ${formatElapsed((Date.now() - started) / 1000)}${last ? `: ${last}` : ''}`);
    }, (opts.tickSeconds ?? 30) * 1000);
    child.on('error', (e) => {
      clearInterval(timer);
      reject(new InputError(`cannot run make: ${e.message}`));
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolvePromise({ status: code ?? 1 });
    });
  });
}

/** Runs a short command to completion; InputError with its output when it fails. */
function runQuiet(cmd: string, args: string[], what: string, env?: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  if (r.error) throw new InputError(`${what}: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}`.trim().split('\n').slice(-12).join('\n  ');
    throw new InputError(`${what} failed (exit ${r.status}):\n  ${out}`);
  }
}

const CANDIDATE = '.config.jitgen';
const BUILT_STAMP = '.jitgen-built';

/**
 * allnoconfig + the target's scripts/config edits + olddefconfig, made beside the build's
 * .config (KCONFIG_CONFIG) and moved over it only when it differs, so an unchanged
 * configuration leaves make nothing to redo. Returns whether .config changed.
 */
export function configure(tree: string, dir: string, target: KernelTarget): boolean {
  mkdirSync(dir, { recursive: true });
  const env = { KCONFIG_CONFIG: CANDIDATE };
  const candidate = join(dir, CANDIDATE);
  runQuiet('make', makeArgs(tree, dir, target, ['allnoconfig']), `${target.id}: make allnoconfig`, env);
  const edits = kconfigEdits(target);
  runQuiet(join(tree, 'scripts/config'), ['--file', candidate, ...scriptsConfigArgs(edits)], `${target.id}: scripts/config`);
  runQuiet('make', makeArgs(tree, dir, target, ['olddefconfig']), `${target.id}: make olddefconfig`, env);
  const text = readFileSync(candidate, 'utf8');
  const unmet = unmetEdits(edits, parseDotConfig(text));
  if (unmet.length) {
    throw new InputError(`${target.id}: the tree's Kconfig did not keep ${unmet.map((e) => `${e.name}=${e.op === 'module' ? 'm' : e.op === 'enable' ? 'y' : 'n'}`).join(', ')} (see ${candidate})`);
  }
  const current = join(dir, '.config');
  if (existsSync(current) && readFileSync(current, 'utf8') === text) {
    rmSync(candidate);
    return false;
  }
  renameSync(candidate, current);
  return true;
}

/**
 * Configures and builds `vmlinux modules` of `tree` for `target` (W=1, so the JIT's
 * warnings show). A finished build of the same tree key and .config is reused.
 */
export async function buildKernel(tree: string, target: KernelTarget, opts: BuildOptions = {}): Promise<KernelBuild> {
  const progress = opts.progress ?? (() => {});
  const started = Date.now();
  const elapsed = (): string => formatElapsed((Date.now() - started) / 1000);
  const dir = buildDir(tree, target, opts.cache);
  const log = join(dir, 'build.log');
  progress(`[${target.id}] configure in ${dir}`);
  const changed = configure(tree, dir, target);
  // Warnings accumulate over the runs of one build directory (a make that resumes an
  // interrupted build prints only what it compiles); a new .config starts a new log.
  if (changed) {
    writeFileSync(log, '');
    rmSync(join(dir, BUILT_STAMP), { force: true });
  }
  const configHash = sha256(readFileSync(join(dir, '.config')));
  const stamp = join(dir, BUILT_STAMP);
  const result = (ok: boolean, reused: boolean): KernelBuild => {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    const warnings = parseWarnings(text, realpathSync(tree), dir);
    return {
      target: target.id,
      tree,
      dir,
      ok,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      reused,
      warnings,
      jitWarnings: warnings.filter((w) => isJitFile(w.file)).length,
      log,
      vmlinux: join(dir, 'vmlinux'),
      systemMap: join(dir, 'System.map'),
      testBpfModule: join(dir, 'lib/test_bpf.ko'),
    };
  };
  if (!opts.force && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === configHash && existsSync(join(dir, 'vmlinux'))) {
    progress(`[${target.id}] reusing the finished build (${elapsed()})`);
    return result(true, true);
  }
  rmSync(stamp, { force: true });
  appendFileSync(log, `==== jitgen: make W=1 vmlinux modules (${target.id}) ====\n`);
  progress(`[${target.id}] make -j${opts.jobs ?? 3} W=1 vmlinux modules (log: ${log})`);
  const run = await runMake(makeArgs(tree, dir, target, [`-j${opts.jobs ?? 3}`, 'vmlinux', 'modules']), log, target.id, opts);
  const ok = run.status === 0 && existsSync(join(dir, 'vmlinux'));
  if (ok) writeFileSync(stamp, `${configHash}\n`);
  progress(`[${target.id}] make ${ok ? 'done' : `FAILED (exit ${run.status})`} in ${elapsed()}`);
  return result(ok, false);
}

/** The last lines of a failed build's log that say why. */
export function errorLines(logText: string, max = 15): string[] {
  return logText.split('\n').filter((l) => /\berror\b|Error \d|\*\*\*/.test(l)).slice(0, max);
}
