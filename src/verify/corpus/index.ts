// The kernel's own test corpus (lib/test_bpf.c): import into the cache, load from it.
//
// Cache: <cacheRoot>/<key>/ (default .cache/corpus/), key = sha256 of the tree's inputs and
// the shim (build.ts corpusKey), so trees with identical inputs share one cache. It holds
// the driver's stream per byte order, gzipped ({le,be}.stream.gz, layout in
// shim/driver.c), and manifest.json (summary, the trees using it), written last: a
// directory without it is an interrupted import and is rebuilt.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { TestProgram } from '../../bpf/program.ts';
import type { Endian } from '../../config.ts';
import { InputError } from '../../errors.ts';
import { cacheDir, kernelTreeDir } from '../../paths.ts';
import { buildStreams, corpusKey } from './build.ts';
import { CLASSIC, tailCallPrograms, testBpfProgram } from './model.ts';
import { readTreeSources } from './source.ts';
import { readStream, type RawCorpus, type RawTest } from './stream.ts';
import { loadClassic } from './classic/index.ts';
import { loadFilters } from './realistic/filters.ts';
import { loadXdp } from './realistic/xdp.ts';
import { loadKernelSamples } from './realistic/kernel-samples.ts';

export {
  bindTailCalls,
  contextBytes,
  encodedInsns,
  CLASSIC,
  CLASSIC_SKIP,
  FLAG_EXPECTED_FAIL,
  FLAG_LARGE_MEM,
  FLAG_NO_DATA,
  FLAG_SKB_FRAG,
  FLAG_VERIFIER_ZEXT,
  INTERNAL,
  MAX_TESTRUNS,
  TAIL_CALL_MARKER,
} from './model.ts';

/** Every corpus, in the order reports list them. */
export const CORPUS_NAMES = ['test_bpf', 'tail_calls', 'classic', 'filters', 'xdp', 'samples'] as const;
export type CorpusName = (typeof CORPUS_NAMES)[number];

export const defaultCacheRoot = join(cacheDir, 'corpus');
/** The tree `jitgen corpus import` uses without --tree (what `jitgen tree init` makes). */
export const defaultTreeDir = join(kernelTreeDir, 'base');
const MANIFEST = 'manifest.json';
const CACHE_FORMAT = 2;
const ENDIANS: readonly Endian[] = ['le', 'be'];

export interface EndianSummary {
  /** Entries of tests[] (eBPF + classic). */
  tests: number;
  ebpf: number;
  classic: number;
  /** Tests built by a fill_helper generator, and their instructions. */
  generated: number;
  generatedInsns: number;
  /** Instructions of all tests[] programs (eBPF and classic). */
  insns: number;
  tailCalls: number;
}

export interface ImportSummary {
  tree: string;
  key: string;
  /** The directory holding this tree's cache. */
  cacheDir: string;
  /** True when the cache was already there and nothing was built. */
  reused: boolean;
  /** Wall time of this call. */
  seconds: number;
  maxTailCallCnt: number;
  byEndian: Record<Endian, EndianSummary>;
  /** Indices of tests[] whose program, data or expectations differ between byte orders. */
  differingTests: number[];
  /** Bytes of the cache files. */
  cacheBytes: number;
}

interface Manifest {
  format: number;
  key: string;
  /** Every tree path imported into this cache (identical inputs share one cache). */
  trees: string[];
  summary: Omit<ImportSummary, 'tree' | 'reused' | 'seconds'>;
}

export interface CorpusOptions {
  force?: boolean;
  progress?: (msg: string) => void;
  /** Where caches live (default .cache/corpus at the repo root); tests use their own. */
  cacheRoot?: string;
}

const streamFile = (dir: string, endian: Endian): string => join(dir, `${endian}.stream.gz`);

function readManifest(dir: string): Manifest | undefined {
  const p = join(dir, MANIFEST);
  if (!existsSync(p)) return undefined;
  try {
    const m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
    return m.format === CACHE_FORMAT ? m : undefined;
  } catch {
    return undefined;
  }
}

function summarise(raw: RawCorpus): EndianSummary {
  const s: EndianSummary = { tests: 0, ebpf: 0, classic: 0, generated: 0, generatedInsns: 0, insns: 0, tailCalls: raw.tailCalls.length };
  for (const t of raw.tests) {
    s.tests++;
    if (t.aux & CLASSIC) s.classic++;
    else s.ebpf++;
    s.insns += t.insns.count;
    if (t.generated) {
      s.generated++;
      s.generatedInsns += t.insns.count;
    }
  }
  return s;
}

function sameTest(a: RawTest, b: RawTest): boolean {
  const bytes = (x: Uint8Array, y: Uint8Array): boolean => Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0;
  return (
    a.name === b.name &&
    a.aux === b.aux &&
    a.stackDepth === b.stackDepth &&
    JSON.stringify(a.subtests) === JSON.stringify(b.subtests) &&
    bytes(a.data, b.data) &&
    bytes(a.fragData, b.fragData) &&
    bytes(a.insns.bytes, b.insns.bytes)
  );
}

function writeManifest(dir: string, m: Manifest): void {
  const tmp = join(dir, `${MANIFEST}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(m, null, 2)}\n`);
  renameSync(tmp, join(dir, MANIFEST));
}

/**
 * `tree` now uses the cache `keep`: other caches forget it, and a cache no tree uses any
 * more is stale and removed (as are old leftovers of interrupted imports).
 */
function pruneStale(root: string, tree: string, keep: string): void {
  for (const d of readdirSync(root)) {
    const dir = join(root, d);
    if (d === keep || !statSync(dir).isDirectory()) continue;
    const m = readManifest(dir);
    if (!m) {
      // an interrupted import; a recent one may be another process's, still running
      const abandoned = Date.now() - statSync(dir).mtimeMs > 15 * 60_000;
      if (d.startsWith('.tmp-') && abandoned) rmSync(dir, { recursive: true, force: true });
    } else if (m.trees.includes(tree)) {
      const trees = m.trees.filter((t) => t !== tree);
      if (trees.length === 0) rmSync(dir, { recursive: true, force: true });
      else writeManifest(dir, { ...m, trees });
    }
  }
}

/**
 * Builds the cache for `treeDir` if it is absent or stale (or `force`); idempotent. The
 * build compiles lib/test_bpf.c's test table twice (be, le) with gcc -m32 and runs it.
 */
export async function importCorpus(treeDir: string, opts: CorpusOptions = {}): Promise<ImportSummary> {
  const started = performance.now();
  const progress = opts.progress ?? (() => {});
  const tree = resolve(treeDir);
  const root = opts.cacheRoot ?? defaultCacheRoot;
  const src = readTreeSources(tree);
  const key = corpusKey(src);
  const dir = join(root, key.slice(0, 16));
  const seconds = (): number => Math.round((performance.now() - started) / 10) / 100;

  const have = readManifest(dir);
  if (have && have.key === key && !opts.force) {
    if (!have.trees.includes(tree)) {
      writeManifest(dir, { ...have, trees: [...have.trees, tree].sort() });
      pruneStale(root, tree, key.slice(0, 16));
    }
    progress(`cache is up to date: ${dir}`);
    return { ...have.summary, cacheDir: dir, tree, reused: true, seconds: seconds() };
  }

  mkdirSync(root, { recursive: true });
  const tmp = join(root, `.tmp-${key.slice(0, 16)}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const streams = await buildStreams(tree, join(tmp, 'build'), src, progress);
    progress('checking and compressing the streams');
    const raws = {} as Record<Endian, RawCorpus>;
    const byEndian = {} as Record<Endian, EndianSummary>;
    let cacheBytes = 0;
    await Promise.all(
      ENDIANS.map(async (e) => {
        raws[e] = readStream(streams[e], `corpus driver (${e})`);
        byEndian[e] = summarise(raws[e]);
        tailCallPrograms(raws[e], `corpus driver (${e})`); // rejects unknown helpers now, not at load
        const gz = await promisify(gzip)(streams[e], { level: 1 });
        writeFileSync(streamFile(tmp, e), gz);
        cacheBytes += gz.length;
      }),
    );
    const differingTests = raws.le.tests.filter((t, i) => !sameTest(t, raws.be.tests[i]!)).map((t) => t.index);
    const summary: Manifest['summary'] = {
      key,
      cacheDir: dir,
      maxTailCallCnt: raws.le.maxTailCallCnt,
      byEndian,
      differingTests,
      cacheBytes,
    };
    rmSync(join(tmp, 'build'), { recursive: true, force: true });
    const trees = [...new Set([...(have?.trees ?? []), tree])].sort();
    writeManifest(tmp, { format: CACHE_FORMAT, key, trees, summary });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    pruneStale(root, tree, key.slice(0, 16));
    progress(`cache written: ${dir}`);
    return { ...summary, tree, reused: false, seconds: seconds() };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// One parsed stream per byte order stays in memory: loading test_bpf then tail_calls (or
// running several verbs in one process) parses once.
const parsed = new Map<string, RawCorpus>();

function rawCorpus(treeDir: string, endian: Endian, root: string): RawCorpus {
  const tree = resolve(treeDir);
  const key = corpusKey(readTreeSources(tree));
  const dir = join(root, key.slice(0, 16));
  const m = readManifest(dir);
  if (!m || m.key !== key) {
    throw new InputError(`no corpus cache for ${tree} (or it is stale): run \`jitgen corpus import${treeArg(tree)}\` first`);
  }
  const file = streamFile(dir, endian);
  const memo = `${file}:${key}`;
  let raw = parsed.get(memo);
  if (!raw) {
    raw = readStream(gunzipSync(readFileSync(file)), file);
    if (parsed.size >= ENDIANS.length) parsed.delete(parsed.keys().next().value!);
    parsed.set(memo, raw);
  }
  return raw;
}

function treeArg(tree: string): string {
  return tree === defaultTreeDir ? '' : ` --tree ${tree}`;
}

/**
 * The programs of one corpus in one byte order, from the cache `importCorpus` built.
 * test_bpf: every entry of tests[], in order (classic ones with `skip` and `classicInsns`);
 * tail_calls: the 10 tail-call tests sharing one `tailCallTargets` array.
 */
export function loadCorpus(treeDir: string, name: CorpusName, endian: Endian, opts: Pick<CorpusOptions, 'cacheRoot'> = {}): TestProgram[] {
  const raw = rawCorpus(treeDir, endian, opts.cacheRoot ?? defaultCacheRoot);
  if (name === 'test_bpf') return raw.tests.map(testBpfProgram);
  if (name === 'tail_calls') return tailCallPrograms(raw, `${name} (${endian})`);
  throw new InputError(`unknown corpus '${String(name)}' (expected test_bpf or tail_calls; classic and filters load with loadAnyCorpus)`);
}

/**
 * Any corpus, including the ones that need a conversion step first (classic: the tree's
 * bpf_convert_filter, built and cached on first use).
 */
export async function loadAnyCorpus(treeDir: string, name: CorpusName, endian: Endian, opts: Pick<CorpusOptions, 'cacheRoot' | 'progress'> = {}): Promise<TestProgram[]> {
  if (name === 'classic') return loadClassic(resolve(treeDir), endian, loadCorpus(treeDir, 'test_bpf', endian, opts), { progress: opts.progress });
  if (name === 'filters') return loadFilters(resolve(treeDir), endian, opts.progress);
  if (name === 'xdp') return loadXdp(endian);
  if (name === 'samples') return loadKernelSamples(resolve(treeDir), endian, opts.progress);
  return loadCorpus(treeDir, name, endian, opts);
}
