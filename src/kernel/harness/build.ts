// Builds the host harness: a kernel MIPS32 BPF JIT's C (mainline's, or rendered C),
// compiled unmodified with the tree's uasm and the shims of shim/include, linked with
// the driver (shim/driver.c) into one 32-bit executable per configuration and binding.
//
// Cache: .cache/harness/<key>/ (key = sha256 of every input: JIT sources, the tree's
// headers they read, shims, driver, generated target header, flags, kernel-function
// addresses, gcc version). After a build, the compiler's dependency lists are checked
// against the hashed inputs, so a header the key missed is an error, not a stale cache.
import { runTool } from '../../tool.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config.ts';
import { InputError } from '../../errors.ts';
import type { Binding } from '../../jit/binding.ts';
import { cacheDir } from '../../paths.ts';

export const shimDir = join(dirname(fileURLToPath(import.meta.url)), 'shim');
export const defaultHarnessCache = join(cacheDir, 'harness');

/** Which JIT C the harness compiles. */
export type JitSources = 'mainline' | CustomJitSources;

export interface CustomJitSources {
  /** C files of the JIT (absolute, or relative to the tree). */
  files: string[];
  /** Extra include directories (absolute, or relative to the tree), searched after the shims. */
  includeDirs?: string[];
  /**
   * Functions the JIT source defines itself (static) but whose address it emits: the
   * shim renames the definition and binds the name to the binding's address, so the
   * words equal the kernel's (mainline: jit_mod64, jit_xchg64).
   */
  boundLocals?: string[];
  /** Extra compiler flags for the JIT's files (e.g. -Wall -Wextra -Werror). */
  cflags?: string[];
}

const MAINLINE: Required<CustomJitSources> = {
  files: ['arch/mips/net/bpf_jit_comp.c', 'arch/mips/net/bpf_jit_comp32.c'],
  includeDirs: [],
  boundLocals: ['jit_mod64', 'jit_xchg64'],
  cflags: [],
};

/** The tree's uasm: uasm-mips.c #includes uasm.c. */
const UASM_SOURCE = 'arch/mips/mm/uasm-mips.c';
/** Tree files the compile reads besides the sources (checked against gcc -MD after a build). */
const TREE_INPUTS = [
  'arch/mips/mm/uasm.c',
  'arch/mips/include/asm/uasm.h',
  'arch/mips/include/asm/inst.h',
  'arch/mips/include/asm/break.h',
  'arch/mips/include/uapi/asm/inst.h',
  'arch/mips/include/uapi/asm/bitfield.h',
  'arch/mips/include/uapi/asm/break.h',
];
/** uapi headers staged into the build (the shims include them as <uapi/linux/...>). */
const STAGED_UAPI = ['bpf.h', 'bpf_common.h'];
/** Where MAX_TAIL_CALL_CNT is defined (the prologue's first instruction loads it). */
const BPF_HEADER = 'include/linux/bpf.h';

/** gcc -m32 as DESIGN.md measured it: 32-bit long and pointers, the kernel's C dialect. */
export const HARNESS_CFLAGS = ['-m32', '-fno-pie', '-O2', '-std=gnu11', '-fno-strict-aliasing', '-fwrapv', '-funsigned-char'];
const LINK_FLAGS = ['-m32', '-fno-pie', '-no-pie'];

/**
 * Kernel functions the shims declare (jitgen/kernel.h). A JIT object that references one
 * gets the binding's address, or 0 when the binding lacks it (reported as unbound: the
 * JIT then emits a call to 0 there, which only unreachable code does in mainline).
 */
const SHIM_KERNEL_FUNCTIONS = [
  'div64_u64', 'div64_s64', 'div64_u64_rem',
  'atomic64_add', 'atomic64_sub', 'atomic64_and', 'atomic64_or', 'atomic64_xor',
  'atomic64_fetch_add', 'atomic64_fetch_sub', 'atomic64_fetch_and', 'atomic64_fetch_or', 'atomic64_fetch_xor',
  'atomic64_xchg', 'atomic64_cmpxchg',
  'atomic_add', 'atomic_sub', 'atomic_and', 'atomic_or', 'atomic_xor',
  'atomic_fetch_add', 'atomic_fetch_sub', 'atomic_fetch_and', 'atomic_fetch_or', 'atomic_fetch_xor',
  'atomic_xchg', 'atomic_cmpxchg',
];
const BUILD_FORMAT = 1;

export interface HarnessBuild {
  exe: string;
  key: string;
  dir: string;
  /** True when the cached executable was used. */
  reused: boolean;
  /** Kernel functions the JIT references that the binding does not bind (bound to 0). */
  unbound: string[];
  /** Kernel functions the JIT references, with the address each was bound to. */
  bound: Record<string, number>;
  maxTailCallCnt: number;
  seconds: number;
}

export interface BuildOptions {
  cacheRoot?: string;
  force?: boolean;
  progress?: (msg: string) => void;
}

interface Manifest {
  format: number;
  key: string;
  unbound: string[];
  bound: Record<string, number>;
  maxTailCallCnt: number;
}

function resolveSources(treeDir: string, s: JitSources): Required<CustomJitSources> {
  const spec = s === 'mainline' ? MAINLINE : { includeDirs: [], boundLocals: [], cflags: [], ...s };
  const abs = (p: string): string => (isAbsolute(p) ? p : join(treeDir, p));
  const files = spec.files.map(abs);
  for (const f of files) if (!existsSync(f)) throw new InputError(`harness: JIT source ${f} does not exist`);
  for (const l of spec.boundLocals) if (!/^[A-Za-z_]\w*$/.test(l)) throw new InputError(`harness: '${l}' is not a C identifier`);
  return { ...spec, files, includeDirs: spec.includeDirs.map(abs) };
}

function maxTailCallCnt(treeDir: string): number {
  const text = readFileSync(join(treeDir, BPF_HEADER), 'utf8');
  const m = /^#define\s+MAX_TAIL_CALL_CNT\s+(\d+)/m.exec(text);
  if (!m) throw new InputError(`${join(treeDir, BPF_HEADER)}: no MAX_TAIL_CALL_CNT`);
  return Number(m[1]);
}

/** The force-included header that makes the shims the target's. */
export function targetHeader(config: Config, binding: Binding, boundLocals: readonly string[], tcc: number): string {
  const o = binding.offsets;
  const lines = [
    '/* Generated by jitgen (src/kernel/harness/build.ts): the target of this harness build. */',
    `#define JITGEN_BIG_ENDIAN ${config.endian === 'be' ? 1 : 0}`,
    `#define JITGEN_ISA_REV ${config.isa === 'r6' ? 6 : 2}`,
    `#define JITGEN_OFF_ARRAY_MAX_ENTRIES ${o.arrayMaxEntries}`,
    `#define JITGEN_OFF_ARRAY_PTRS ${o.arrayPtrs}`,
    `#define JITGEN_OFF_PROG_BPF_FUNC ${o.progBpfFunc}`,
    `#define JITGEN_MAX_TAIL_CALL_CNT ${tcc}`,
  ];
  for (const name of boundLocals) {
    // The definition `static T name(...)` becomes a function of another name; the bare
    // name, whose address the JIT emits, is a symbol the link binds to the binding.
    // (`unused`: nothing calls it on the host, and rendered C builds with -Werror)
    lines.push(`#define ${name}(...) __attribute__((unused)) jitgen_local_${name}(__VA_ARGS__)`, `extern char ${name}[];`);
  }
  return `${lines.join('\n')}\n`;
}

function listFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) return listFiles(p, suffix);
      return p.endsWith(suffix) ? [p] : [];
    });
}

let gccVersion: string | undefined;

async function compilerVersion(): Promise<string> {
  gccVersion ??= (await runTool('gcc', ['--version'], 'gcc --version')).toString('utf8').split('\n')[0]!;
  return gccVersion;
}


/** Runs jobs at most `limit` at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

/** One build at a time per key within this process (configs build in parallel). */
const building = new Map<string, Promise<HarnessBuild>>();

/**
 * The harness executable for `sources` in `config` with `binding`'s offsets and kernel
 * function addresses (the image base and __bpf_call_base are per run, not per build).
 */
export async function buildHarness(
  treeDir: string,
  sources: JitSources,
  config: Config,
  binding: Binding,
  opts: BuildOptions = {},
): Promise<HarnessBuild> {
  const started = performance.now();
  const tree = resolve(treeDir);
  const spec = resolveSources(tree, sources);
  const tcc = maxTailCallCnt(tree);
  const header = targetHeader(config, binding, spec.boundLocals, tcc);

  // Every input, by name, for the key and for the dependency check.
  const inputs = new Map<string, string>();
  const add = (p: string): void => {
    if (!inputs.has(p) && existsSync(p)) inputs.set(p, readFileSync(p, 'utf8'));
  };
  for (const f of spec.files) {
    add(f);
    for (const h of listFiles(dirname(f), '.h')) if (dirname(h) === dirname(f)) add(h);
  }
  for (const d of spec.includeDirs) for (const h of listFiles(d, '.h')) add(h);
  add(join(tree, UASM_SOURCE));
  for (const f of TREE_INPUTS) add(join(tree, f));
  for (const f of STAGED_UAPI) add(join(tree, 'include/uapi/linux', f));
  for (const f of listFiles(shimDir, '')) add(f);

  const h = createHash('sha256');
  const part = (name: string, text: string): void => {
    h.update(`${name}\0${text.length}\0`);
    h.update(text);
  };
  part('format', String(BUILD_FORMAT));
  part('gcc', await compilerVersion());
  part('cflags', [...HARNESS_CFLAGS, '|', ...spec.cflags, '|', ...LINK_FLAGS].join(' '));
  part('target.h', header);
  part('files', spec.files.map((f) => relative(tree, f)).join('\n'));
  part('symbols', [...binding.symbols].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, a]) => `${n}=${a}`).join('\n'));
  for (const [p, text] of [...inputs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    part(p.startsWith(tree) ? `tree:${relative(tree, p)}` : `abs:${p}`, text);
  }
  const key = h.digest('hex');
  const root = opts.cacheRoot ?? defaultHarnessCache;
  const dir = join(root, `${config.id}-${key.slice(0, 16)}`);
  const exe = join(dir, 'harness');

  const pending = building.get(dir);
  if (pending) return pending;
  const job = (async (): Promise<HarnessBuild> => {
    const manifestPath = join(dir, 'manifest.json');
    if (!opts.force && existsSync(manifestPath) && existsSync(exe)) {
      const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
      if (m.format === BUILD_FORMAT && m.key === key) {
        return { exe, key, dir, reused: true, unbound: m.unbound, bound: m.bound, maxTailCallCnt: m.maxTailCallCnt, seconds: seconds(started) };
      }
    }
    opts.progress?.(`harness: building ${config.id} (${sources === 'mainline' ? 'mainline' : spec.files.map((f) => basename(f)).join(', ')})`);
    mkdirSync(root, { recursive: true });
    const tmp = join(root, `.tmp-${config.id}-${key.slice(0, 16)}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    try {
      const m = await compileAndLink(tree, tmp, spec, header, binding, inputs, tcc, key);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      return { exe, key, dir, reused: false, unbound: m.unbound, bound: m.bound, maxTailCallCnt: tcc, seconds: seconds(started) };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  })();
  building.set(dir, job);
  try {
    return await job;
  } finally {
    building.delete(dir);
  }
}

const seconds = (since: number): number => Math.round((performance.now() - since) / 10) / 100;

async function compileAndLink(
  tree: string,
  out: string,
  spec: Required<CustomJitSources>,
  header: string,
  binding: Binding,
  inputs: Map<string, string>,
  tcc: number,
  key: string,
): Promise<Manifest> {
  const gen = join(out, 'gen');
  const stage = join(out, 'stage');
  mkdirSync(join(gen, 'jitgen'), { recursive: true });
  mkdirSync(join(stage, 'uapi/linux'), { recursive: true });
  mkdirSync(join(stage, 'linux'), { recursive: true });
  writeFileSync(join(gen, 'jitgen/target.h'), header);
  for (const f of STAGED_UAPI) {
    const text = inputs.get(join(tree, 'include/uapi/linux', f));
    if (text === undefined) throw new InputError(`${tree}: no include/uapi/linux/${f}`);
    writeFileSync(join(stage, 'uapi/linux', f), text);
    // the uapi bpf.h includes <linux/bpf_common.h>
    if (f === 'bpf_common.h') writeFileSync(join(stage, 'linux', f), text);
  }

  const gccInclude = (await runTool('gcc', ['-m32', '-print-file-name=include'], 'gcc -print-file-name')).toString('utf8').trim();
  // No glibc header in the JIT's units: -nostdinc, then only the compiler's own headers.
  const jitFlags = [
    ...HARNESS_CFLAGS,
    '-nostdinc', '-isystem', gccInclude,
    '-I', gen,
    '-I', join(shimDir, 'include'),
    ...spec.includeDirs.flatMap((d) => ['-I', d]),
    '-I', join(tree, 'arch/mips/include'),
    '-I', join(tree, 'arch/mips/include/uapi'),
    '-I', stage,
    '-include', 'jitgen/target.h',
  ];
  const units = [...spec.files, join(tree, UASM_SOURCE)];
  const objects = units.map((f, i) => join(out, `${i}-${basename(f, '.c')}.o`));
  const driverObj = join(out, 'driver.o');
  const jobs = [
    ...units.map((f, i) => () =>
      runTool('gcc', [...jitFlags, ...(i < spec.files.length ? spec.cflags : []), '-MD', '-MF', `${objects[i]}.d`, '-c', f, '-o', objects[i]!], `gcc ${relative(tree, f)}`),
    ),
    () => runTool('gcc', [...HARNESS_CFLAGS, '-Wall', '-I', gen, '-include', 'jitgen/target.h', '-MD', '-MF', `${driverObj}.d`, '-c', join(shimDir, 'driver.c'), '-o', driverObj], 'gcc driver.c'),
  ];
  await pool(jobs, Math.max(1, availableParallelism()));

  checkDependencies(objects.map((o) => `${o}.d`), inputs, [gccInclude, out]);

  // Kernel functions the JIT references: bound to the binding's addresses at link time.
  const undefinedSyms = new Set(
    (await runTool('nm', ['-u', '--format=posix', ...objects], 'nm -u'))
      .toString('utf8')
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter(Boolean),
  );
  const wanted = [...new Set([...SHIM_KERNEL_FUNCTIONS, ...spec.boundLocals])].filter((s) => undefinedSyms.has(s)).sort();
  const bound: Record<string, number> = {};
  const unbound: string[] = [];
  for (const s of wanted) {
    const addr = binding.symbols.get(s);
    if (addr === undefined) unbound.push(s);
    bound[s] = addr ?? 0;
  }
  const defsyms = wanted.map((s) => `-Wl,--defsym=${s}=0x${(bound[s]! >>> 0).toString(16)}`);
  await runTool('gcc', [...LINK_FLAGS, '-o', join(out, 'harness'), driverObj, ...objects, ...defsyms], 'linking the harness');

  const manifest: Manifest = { format: BUILD_FORMAT, key, unbound, bound, maxTailCallCnt: tcc };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Every file the compiler read must be hashed into the key (or be the compiler's or ours). */
function checkDependencies(depFiles: string[], inputs: Map<string, string>, allowedRoots: string[]): void {
  for (const d of depFiles) {
    const deps = readFileSync(d, 'utf8').replace(/\\\n/g, ' ').split(/\s+/).slice(1).filter((p) => p && !p.endsWith(':'));
    for (const p of deps) {
      const abs = resolve(p);
      if (inputs.has(abs) || allowedRoots.some((r) => abs.startsWith(`${resolve(r)}/`))) continue;
      throw new InputError(`harness: the compile read ${abs}, which the cache key does not cover (add it to TREE_INPUTS in src/kernel/harness/build.ts)`);
    }
  }
}
