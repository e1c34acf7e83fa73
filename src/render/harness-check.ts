// `jitgen check --harness`: the rendered C, compiled in the host harness with -Wall
// -Wextra -Werror against the patched uasm, JITs every corpus program; each image must
// equal, word for word, what the TS model's jit() makes of the same program with the
// same binding. Programs the model declines must be refused by the C too.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProgram } from '../bpf/program.ts';
import type { Config, ConfigId } from '../config.ts';
import type { Binding } from '../jit/binding.ts';
import { jit, JitDecline } from '../jit/core.ts';
import type { Design } from '../jit/design.ts';
import { InputError } from '../errors.ts';
import { disasm } from '../mips/codec.ts';
import { harnessJit, type CustomJitSources } from '../kernel/harness/index.ts';
import { boundCorpus, HARNESS_CORPORA } from '../kernel/harness/mainline.ts';
import type { CorpusName } from '../verify/corpus/index.ts';
import { corpusBinding } from '../verify/jit-runner.ts';
import { renderDesign, RENDERED, type Rendered } from './index.ts';
import { stageHarnessTree } from './files.ts';

/** Warnings are errors for our C (not for the tree's uasm, which the harness compiles as is). */
export const RENDERED_CFLAGS = ['-Wall', '-Wextra', '-Werror'];
/** JIT-local functions whose address the C emits: the binding gives their address. */
const LOCAL_FUNCTIONS = ['jit_mod64', 'jit_smod64', 'jit_xchg64'];
const MAX_EXAMPLES = 10;
/** Words of each disassembly shown around the first difference. */
const CONTEXT = 6;

export interface Difference {
  id: string;
  config: ConfigId;
  /**
   * words: both JITed, different images; c-refused / model-declined: only one JITed;
   * c-warned: same words, but the C printed a warning (a uasm field overflow WARNs in the
   * kernel on every JIT of the program).
   */
  kind: 'words' | 'c-refused' | 'model-declined' | 'model-error' | 'c-warned';
  /** Word offset of the first difference (kind 'words'). */
  offset?: number;
  modelWords?: number;
  cWords?: number;
  /** Disassembly around the difference: "offset: word  insn". */
  model?: string[];
  c?: string[];
  message?: string;
}

export interface ConfigCount {
  programs: number;
  identical: number;
  differing: number;
  /** Declined by the model and refused by the C alike. */
  declined: number;
  skipped: number;
}

export interface HarnessCheckReport {
  programs: number;
  identical: number;
  differing: number;
  declined: number;
  skipped: number;
  configs: Partial<Record<ConfigId, ConfigCount>>;
  examples: Difference[];
}

export interface HarnessCheckOptions {
  corpora?: readonly CorpusName[];
  design?: Design;
  binding?: Binding;
  /** Only these program ids (a sample), when given. */
  filter?: (p: TestProgram) => boolean;
  cacheRoot?: string;
  corpusCacheRoot?: string;
  progress?: (msg: string) => void;
}

/** The harness sources of the rendered C for one configuration. */
export function renderedSources(config: Config, kcalls: readonly string[]): CustomJitSources {
  return {
    files: [RENDERED.core, RENDERED.comp32],
    // the shims define no Kconfig byte-order symbol; the rendered C tests it
    cflags: [...RENDERED_CFLAGS, `-DCONFIG_CPU_${config.endian === 'be' ? 'BIG' : 'LITTLE'}_ENDIAN`],
    boundLocals: LOCAL_FUNCTIONS.filter((f) => kcalls.includes(f)),
  };
}

/**
 * The harness sources of a tree the series was applied to (its worktree, a user's
 * checkout with the patches): the tree's own ebpf_jit_*.c, with the local kernel
 * functions it actually defines bound to the binding's addresses.
 */
export function patchedTreeSources(treeDir: string, config: Config): CustomJitSources {
  const comp32 = join(treeDir, RENDERED.comp32);
  if (!existsSync(comp32)) throw new InputError(`${treeDir}: no ${RENDERED.comp32}: not a tree with the jitgen series applied`);
  const text = readFileSync(comp32, 'utf8') + readFileSync(join(treeDir, RENDERED.core), 'utf8');
  return renderedSources(config, LOCAL_FUNCTIONS.filter((f) => text.includes(f)));
}

function listing(words: Uint32Array, config: Config, base: number, at: number): string[] {
  const out: string[] = [];
  const from = Math.max(0, at - CONTEXT);
  const to = Math.min(words.length, at + CONTEXT + 1);
  for (let k = from; k < to; k++) {
    const w = words[k]! >>> 0;
    const mark = k === at ? '>' : ' ';
    out.push(`${mark}${String(k).padStart(5)}: ${w.toString(16).padStart(8, '0')}  ${disasm(w, config.isa, (base + 4 * k) >>> 0)}`);
  }
  if (at >= words.length) out.push(`>${String(at).padStart(5)}: (end of image, ${words.length} words)`);
  return out;
}

/** The first word where two images differ (one running out counts), or null when they are equal. */
export function firstDifference(a: Uint32Array, b: Uint32Array): number | null {
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  return at === a.length && at === b.length ? null : at;
}

/** The rendered C staged as a tree the harness builds from; `cleanup` removes it. */
export function stageRendered(treeDir: string, design?: Design): { dir: string; rendered: Rendered; cleanup: () => void } {
  const rendered = renderDesign(treeDir, design);
  const dir = mkdtempSync(join(tmpdir(), 'jitgen-render-'));
  try {
    stageHarnessTree(treeDir, rendered, dir);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, rendered, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function harnessCheck(treeDir: string, configs: readonly Config[], opts: HarnessCheckOptions = {}): Promise<HarnessCheckReport> {
  const corpora = opts.corpora ?? HARNESS_CORPORA;
  const binding = opts.binding ?? corpusBinding();
  const { dir: stage, rendered, cleanup } = stageRendered(treeDir, opts.design);
  const kcalls = [...rendered.kcalls];
  const report: HarnessCheckReport = { programs: 0, identical: 0, differing: 0, declined: 0, skipped: 0, configs: {}, examples: [] };
  try {
    for (const config of configs) {
      const started = performance.now();
      const programs: TestProgram[] = [];
      let skipped = 0;
      for (const corpus of corpora) {
        const got = await boundCorpus(treeDir, corpus, config, binding, { corpusCacheRoot: opts.corpusCacheRoot, progress: opts.progress });
        programs.push(...(opts.filter ? got.programs.filter(opts.filter) : got.programs));
        skipped += got.skips.length;
      }
      const count: ConfigCount = { programs: programs.length, identical: 0, differing: 0, declined: 0, skipped };
      const design = rendered.design;
      opts.progress?.(`harness: ${config.id}: JITing ${programs.length} programs with the rendered C and the model`);
      const differ = (d: Difference): void => {
        count.differing++;
        if (report.examples.length < MAX_EXAMPLES) report.examples.push(d);
      };
      await harnessJit(stage, renderedSources(config, kcalls), config, programs, binding, {
        cacheRoot: opts.cacheRoot,
        progress: opts.progress,
        onImage: (img, i) => {
          const prog = programs[i]!;
          let model: Uint32Array | undefined;
          try {
            model = jit(prog, { design, config, binding }).words;
          } catch (e) {
            if (!(e instanceof JitDecline)) {
              differ({ id: prog.id, config: config.id, kind: 'model-error', message: (e as Error).message });
              return;
            }
          }
          if (!model) {
            if (img.jited) differ({ id: prog.id, config: config.id, kind: 'model-declined', cWords: img.size });
            else count.declined++;
            return;
          }
          if (!img.jited || !img.words) {
            differ({ id: prog.id, config: config.id, kind: 'c-refused', modelWords: model.length, message: img.error });
            return;
          }
          const c = img.words;
          const at = firstDifference(model, c);
          if (at === null) {
            if (img.messages) differ({ id: prog.id, config: config.id, kind: 'c-warned', modelWords: model.length, message: img.messages });
            else count.identical++;
            return;
          }
          const base = binding.imageBase;
          differ({
            id: prog.id,
            config: config.id,
            kind: 'words',
            offset: at,
            modelWords: model.length,
            cWords: c.length,
            model: listing(model, config, base, at),
            c: listing(c, config, base, at),
            ...(img.messages ? { message: img.messages } : {}),
          });
        },
      });
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      opts.progress?.(`harness: ${config.id}: ${count.identical} identical, ${count.differing} differing, ${count.declined} declined by both (${seconds} s)`);
      report.configs[config.id] = count;
      report.programs += count.programs;
      report.identical += count.identical;
      report.differing += count.differing;
      report.declined += count.declined;
      report.skipped += count.skipped;
    }
  } finally {
    cleanup();
  }
  return report;
}

/** The report as text: counts per configuration, then each difference with both listings. */
export function harnessCheckText(r: HarnessCheckReport): string {
  const lines = ['rendered C in the host harness vs the TS model (word for word)'];
  for (const [id, c] of Object.entries(r.configs)) {
    lines.push(`  ${id}: ${c.programs} programs: ${c.identical} identical, ${c.differing} differing, ${c.declined} declined by both; ${c.skipped} skipped`);
  }
  lines.push(`total: ${r.programs} programs, ${r.identical} identical, ${r.differing} differing, ${r.declined} declined by both`);
  for (const d of r.examples) {
    lines.push('', `${d.id} (${d.config}): ${d.kind}${d.offset !== undefined ? ` at word ${d.offset}` : ''}${d.message ? `: ${d.message}` : ''}`);
    if (d.model && d.c) {
      lines.push(`  model (${d.modelWords} words):`, ...d.model.map((l) => `    ${l}`));
      lines.push(`  C (${d.cWords} words):`, ...d.c.map((l) => `    ${l}`));
    }
  }
  return `${lines.join('\n')}\n`;
}
