// Builds the corpus driver with the host gcc, once per target byte order, and runs it:
// the output is the stream that src/verify/corpus/stream.ts reads.
import { runTool } from '../../tool.ts';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endian } from '../../config.ts';
import { readTreeSources, translationUnit, UAPI_HEADERS, type TreeSources } from './source.ts';

/**
 * Version of everything in this directory that shapes the cache but is not hashed as
 * text (the cut in source.ts, stream.ts, the flags below). Bump it when they change; the
 * shim files themselves are hashed.
 */
export const SHIM_VERSION = 1;

export const shimDir = join(dirname(fileURLToPath(import.meta.url)), 'shim');

/**
 * -m32: `long` and pointers are 32 bits as on the MIPS32 target (the table is the 32-bit
 * kernel's: CONFIG_32BIT). -O1 keeps the build at about a second; the generators are
 * plain C, with no undefined behaviour gcc could exploit differently from the kernel's.
 */
const CFLAGS = ['-m32', '-O1', '-std=gnu11', '-fwrapv', '-fno-strict-aliasing', '-Werror=implicit-function-declaration', '-w'];

function shimFiles(dir = shimDir): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? shimFiles(join(dir, f)) : [join(dir, f)]));
}

/** The cache key: the tree's inputs, the shim's text, SHIM_VERSION and the flags. */
export function corpusKey(src: TreeSources): string {
  const h = createHash('sha256');
  const part = (name: string, text: string): void => {
    h.update(`${name}\0${text.length}\0`);
    h.update(text);
  };
  part('shim-version', String(SHIM_VERSION));
  part('cflags', CFLAGS.join(' '));
  for (const f of shimFiles()) part(relative(shimDir, f), readFileSync(f, 'utf8'));
  part('test_bpf.c', src.testBpf);
  part('filter.h', src.filterH);
  part('bpf.h', src.bpfH);
  for (const name of UAPI_HEADERS) part(name, src.uapi[name]!);
  return h.digest('hex');
}


/**
 * Writes the translation unit and the tree's staged uapi headers into `buildDir`, compiles
 * one driver per byte order (in parallel) and runs them. Returns the two streams.
 */
export async function buildStreams(
  treeDir: string,
  buildDir: string,
  src: TreeSources = readTreeSources(treeDir),
  progress: (msg: string) => void = () => {},
): Promise<Record<Endian, Buffer>> {
  const inc = join(buildDir, 'include');
  mkdirSync(join(inc, 'linux'), { recursive: true });
  for (const name of UAPI_HEADERS) writeFileSync(join(inc, name), src.uapi[name]!);
  const unit = join(buildDir, 'test_bpf_corpus.c');
  writeFileSync(unit, translationUnit(treeDir, src));

  const one = async (endian: Endian): Promise<Buffer> => {
    const exe = join(buildDir, `corpus-${endian}`);
    const args = [
      ...CFLAGS,
      `-DJITGEN_BIG_ENDIAN=${endian === 'be' ? 1 : 0}`,
      '-I', shimDir,
      '-I', join(shimDir, 'include'),
      '-I', inc,
      unit,
      '-o', exe,
    ];
    progress(`compiling test_bpf.c's test table (${endian}) with gcc -m32`);
    await runTool('gcc', args, `gcc (${endian})`);
    progress(`running the generators (${endian})`);
    return runTool(exe, [], `corpus driver (${endian})`);
  };
  const [le, be] = await Promise.all([one('le'), one('be')]);
  return { le, be };
}
