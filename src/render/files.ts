// Writing rendered files (atomically: temp file + rename, so a reader never sees half a
// file), comparing them with what is on disk, and staging a tree for the host harness:
// the tree files the harness compiles, with the rendered ones in their place.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import type { Rendered } from './index.ts';

/** Write `text` to `path` through a temporary file in the same directory. */
export function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.jitgen-${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export interface WriteResult {
  written: string[];
  unchanged: string[];
}

/** Write every rendered file under `outDir` (tree-relative paths), skipping equal ones. */
export function writeRendered(outDir: string, r: Rendered): WriteResult {
  const res: WriteResult = { written: [], unchanged: [] };
  for (const [rel, text] of [...r.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const path = join(outDir, rel);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) {
      res.unchanged.push(rel);
      continue;
    }
    writeAtomic(path, text);
    res.written.push(rel);
  }
  return res;
}

/** Files under `dir` that differ from the rendering (missing ones count as differing). */
export function differing(dir: string, r: Rendered): string[] {
  const out: string[] = [];
  for (const [rel, text] of r.files) {
    const path = join(dir, rel);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) out.push(rel);
  }
  return out.sort();
}

/** Tree files the harness compiles or reads, besides the rendered ones. */
const HARNESS_TREE_FILES = [
  'arch/mips/mm/uasm.c',
  'arch/mips/mm/uasm-mips.c',
  'arch/mips/include/asm/uasm.h',
  'arch/mips/include/asm/inst.h',
  'arch/mips/include/asm/break.h',
  'arch/mips/include/uapi/asm/inst.h',
  'arch/mips/include/uapi/asm/bitfield.h',
  'arch/mips/include/uapi/asm/break.h',
  'include/uapi/linux/bpf.h',
  'include/uapi/linux/bpf_common.h',
  'include/linux/bpf.h',
  'Makefile',
];

/**
 * Stage the tree the harness builds from in `dir`: the base tree's files it reads,
 * then the rendered files over them (the patched uasm among them).
 */
export function stageHarnessTree(baseTree: string, r: Rendered, dir: string): void {
  for (const rel of HARNESS_TREE_FILES) {
    const from = join(baseTree, rel);
    if (!existsSync(from)) throw new InputError(`${from}: missing (is ${baseTree} a Linux 5.16+ source tree?)`);
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    copyFileSync(from, join(dir, rel));
  }
  writeRendered(dir, r);
}
