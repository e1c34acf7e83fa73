// The C translation unit that compiles lib/test_bpf.c's test table on the host: the tree's
// own text (test table, fill_helper generators, tail-call table, instruction macros of
// include/linux/filter.h), cut at fixed landmarks and glued to jitgen's shim and driver.
// Nothing of the kernel is copied into the repository: the cut is made at run time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.ts';

/** Paths inside a kernel tree that the corpus is built from. */
export const TREE_FILES = {
  testBpf: 'lib/test_bpf.c',
  filterH: 'include/linux/filter.h',
  bpfH: 'include/linux/bpf.h',
} as const;

/**
 * The tree's uapi headers the unit includes, staged into the build directory's own include
 * dir: putting the tree's whole include/uapi on the path would shadow the host's
 * <linux/errno.h>, which glibc's <errno.h> needs (and which needs the arch's asm/).
 */
export const UAPI_HEADERS = ['linux/bpf.h', 'linux/bpf_common.h', 'linux/filter.h', 'linux/if_ether.h'] as const;

/** One piece of a source file, with the 1-based line it starts at (for `#line`). */
export interface Excerpt {
  text: string;
  line: number;
}

function readTreeFile(treeDir: string, rel: string): string {
  try {
    return readFileSync(join(treeDir, rel), 'utf8');
  } catch {
    throw new InputError(`${treeDir}: not a kernel tree with ${rel}`);
  }
}

function findLine(lines: string[], from: number, test: (l: string) => boolean, what: string): number {
  for (let i = from; i < lines.length; i++) if (test(lines[i]!)) return i;
  throw new InputError(`lib/test_bpf.c: cannot find ${what}; unsupported test_bpf.c layout`);
}

/**
 * The two parts of test_bpf.c that hold tests: from after the last `#include` to the
 * runtime (which starts at `static struct net_device dev;`), and the tail-call table from
 * `struct tail_call_test {` to the `};` that closes `tail_call_tests[]`.
 */
export function cutTestBpf(text: string): { table: Excerpt; tailCalls: Excerpt } {
  const lines = text.split('\n');
  const runtime = findLine(lines, 0, (l) => l.startsWith('static struct net_device dev;'), 'the runtime part');
  let lastInclude = -1;
  for (let i = 0; i < runtime; i++) if (lines[i]!.startsWith('#include')) lastInclude = i;
  if (lastInclude < 0) throw new InputError('lib/test_bpf.c: no #include lines; unsupported layout');
  const tcStruct = findLine(lines, runtime, (l) => l.startsWith('struct tail_call_test {'), 'struct tail_call_test');
  const tcTable = findLine(lines, tcStruct, (l) => l.startsWith('static struct tail_call_test tail_call_tests[]'), 'tail_call_tests[]');
  const tcEnd = findLine(lines, tcTable, (l) => l.startsWith('};'), 'the end of tail_call_tests[]');
  return {
    table: { text: lines.slice(lastInclude + 1, runtime).join('\n'), line: lastInclude + 2 },
    tailCalls: { text: lines.slice(tcStruct, tcEnd + 1).join('\n'), line: tcStruct + 1 },
  };
}

/**
 * The `#define`s of include/linux/filter.h that precede its first conditional block: the
 * register aliases, BPF_* instruction initialisers, __BPF_STMT/__BPF_JUMP and the BPF_CALL_x
 * family. Only the macros are taken (inline functions need the kernel's types); each keeps
 * its backslash continuation lines.
 */
export function filterMacros(text: string): string {
  const lines = text.split('\n');
  const guard = lines.findIndex((l) => /^#define\s+__LINUX_FILTER_H__/.test(l));
  if (guard < 0) throw new InputError('include/linux/filter.h: no include guard; unsupported layout');
  const out: string[] = [];
  for (let i = guard + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#\s*if/.test(line)) break;
    if (!/^#\s*define\s/.test(line)) continue;
    out.push(line);
    while (lines[i]!.endsWith('\\') && i + 1 < lines.length) out.push(lines[++i]!);
  }
  if (out.length === 0) throw new InputError('include/linux/filter.h: no instruction macros found');
  return out.join('\n');
}

/** `MAX_TAIL_CALL_CNT` as include/linux/bpf.h of the tree defines it. */
export function maxTailCallCnt(bpfH: string): number {
  const m = /^#define\s+MAX_TAIL_CALL_CNT\s+(\d+)\s*$/m.exec(bpfH);
  if (!m) throw new InputError('include/linux/bpf.h: no MAX_TAIL_CALL_CNT');
  return Number(m[1]);
}

/** The texts read from the tree: what the cache key hashes and the C unit is built from. */
export interface TreeSources {
  testBpf: string;
  filterH: string;
  bpfH: string;
  /** include/uapi/<name> for each of UAPI_HEADERS. */
  uapi: Record<string, string>;
}

export function readTreeSources(treeDir: string): TreeSources {
  return {
    testBpf: readTreeFile(treeDir, TREE_FILES.testBpf),
    filterH: readTreeFile(treeDir, TREE_FILES.filterH),
    bpfH: readTreeFile(treeDir, TREE_FILES.bpfH),
    uapi: Object.fromEntries(UAPI_HEADERS.map((h) => [h, readTreeFile(treeDir, `include/uapi/${h}`)])),
  };
}

/**
 * The whole translation unit. The uapi headers come from the tree (staged, see UAPI_HEADERS);
 * `kernel.h` and `driver.c` are jitgen's.
 */
export function translationUnit(treeDir: string, src: TreeSources): string {
  const { table, tailCalls } = cutTestBpf(src.testBpf);
  const testBpfPath = join(treeDir, TREE_FILES.testBpf);
  return [
    '/* Generated by `jitgen corpus import`; the kernel parts are read from the tree. */',
    '#include "kernel.h"',
    '#include <linux/bpf.h>',
    '#include <linux/filter.h>',
    '#include <linux/if_ether.h>',
    `#define MAX_TAIL_CALL_CNT ${maxTailCallCnt(src.bpfH)}`,
    // struct tail_call_test gained has_tail_call (-> tail_call_reachable) after 6.1
    `#define JITGEN_TC_HAS_TAIL_CALL ${/\bhas_tail_call;/.test(tailCalls.text) ? 1 : 0}`,
    `/* ${join(treeDir, TREE_FILES.filterH)}: instruction macros */`,
    filterMacros(src.filterH),
    `#line ${table.line} "${testBpfPath}"`,
    table.text,
    `#line ${tailCalls.line} "${testBpfPath}"`,
    tailCalls.text,
    '#include "driver.c"',
    '',
  ].join('\n');
}
