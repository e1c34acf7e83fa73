// The model rendered into kernel C: the files of arch/mips/net that replace mainline's
// MIPS32 JIT, the Kbuild line that selects them, and the uasm builders they need. Plans
// and routes come from the design (src/jit/); what has no plan (the passes, the frame,
// jumps, calls) is C written in templates/, and the harness proves both emit what the
// TS core emits (`jitgen check --harness`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { Design } from '../jit/design.ts';
import { REG_AX, REG_TMP } from '../jit/design.ts';
import { ROUTES } from '../jit/dispatch.ts';
import { jitgen } from '../jit/designs/jitgen.ts';
import { designByName as presetByName } from '../jit/designs/index.ts';
import { CALLER_SAVED, MAX_PASSES, OUTGOING, SAVE_AREA } from '../jit/core.ts';
import { kernelRegName } from '../jit/regs.ts';
import { A0, A1, A2, A3, REG_NAMES, V0, V1 } from '../mips/regs.ts';
import { InputError, UsageError } from '../errors.ts';
import { templatesDir } from '../paths.ts';
import { cexpr, KERNEL_MACROS, macroType } from './cexpr.ts';
import { renderRoutes } from './dispatch.ts';
import { failingPlans, renderEmitters } from './emitters.ts';
import { missingBuilders, uasmAdditions } from './uasm.ts';

/** Designs the C templates implement: the core they hand-write is jitgen's. */
const RENDERABLE = new Set(['jitgen']);

/** Paths (relative to the tree) of what the series adds, changes and removes. */
export const RENDERED = {
  header: 'arch/mips/net/ebpf_jit.h',
  core: 'arch/mips/net/ebpf_jit_core.c',
  comp32: 'arch/mips/net/ebpf_jit_comp32.c',
  makefile: 'arch/mips/net/Makefile',
} as const;
/** Mainline's 32-bit JIT, which the series deletes (bpf_jit_comp.c stays for MIPS64). */
export const DELETED = ['arch/mips/net/bpf_jit_comp32.c'];

/** Plans the C core calls itself (not through build_insn): not static in C. */
const CORE_PLANS = ['mov_i'];
/** Instructions the core emits besides the plans' (prologue, jumps, calls). */
const CORE_OPS = ['ori', 'sw', 'lw', 'move', 'addiu', 'jr', 'jalr', 'nop', 'j', 'beq', 'bne', 'beqz', 'bnez', 'bltz', 'bgez', 'blez', 'bgtz', 'b', 'sltu', 'sll', 'addu', 'break', 'jic'];

export interface Rendered {
  /** Tree-relative path -> file contents. */
  files: Map<string, string>;
  /** Tree-relative paths the series removes. */
  deleted: string[];
  /** uasm builders added to the tree's uasm. */
  uasmAdded: string[];
  /** Plans rendered, in output order. */
  plans: string[];
  /** Kernel functions the emitters call. */
  kcalls: Set<string>;
  design: Design;
}

export function designByName(name: string): Design {
  const d = presetByName(name);
  if (!RENDERABLE.has(d.name)) throw new UsageError(`--design: '${name}' cannot be rendered (renderable: ${[...RENDERABLE].join(', ')})`);
  return d;
}

function template(name: string): HandlebarsTemplateDelegate {
  const path = join(templatesDir, `${name}.hbs`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`${path}: template missing`);
  }
  return Handlebars.compile(text, { noEscape: true, strict: true });
}

type HandlebarsTemplateDelegate = (ctx: unknown) => string;

/** The body of a register-mask macro: `(BIT(MIPS_R_S0) | ...)`, four to a line. */
function mask(regs: readonly number[]): string {
  const bits = regs.map((r) => `BIT(${kernelRegName(r)})`);
  const rows: string[] = [];
  for (let i = 0; i < bits.length; i += 4) rows.push(bits.slice(i, i + 4).join(' | '));
  return rows.map((r, i) => `\t${i === 0 ? '(' : ' '}${r}${i === rows.length - 1 ? ')' : ' |\t\\'}`).join('\n');
}

function wrapWords(text: string, cols: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(/\s+/)) {
    if (cur && cur.length + 1 + w.length > cols) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

const BPF_REG_NAMES = ['BPF_REG_0', 'BPF_REG_1', 'BPF_REG_2', 'BPF_REG_3', 'BPF_REG_4', 'BPF_REG_5', 'BPF_REG_6', 'BPF_REG_7', 'BPF_REG_8', 'BPF_REG_9', 'BPF_REG_10'];

function regMap(design: Design): { index: string; pair: string }[] {
  return design.regs.map((home, r) => {
    const index = r === REG_AX ? 'BPF_REG_AX' : r === REG_TMP ? 'JIT_REG_TMP' : BPF_REG_NAMES[r]!;
    if (!index) throw new Error(`design ${design.name}: no C name for register ${r}`);
    const pair =
      'lo' in home
        ? `{ ${kernelRegName(home.lo)}, ${kernelRegName(home.hi)} }`
        : `O32_PAIR(${kernelRegName(home.pair[0])}, ${kernelRegName(home.pair[1])})`;
    return { index, pair };
  });
}

/** Every file the series writes, rendered for `design` against the tree at `treeDir`. */
export function renderDesign(treeDir: string, design: Design = jitgen): Rendered {
  const routePlans = [...new Set(ROUTES.map((r) => r.plan).filter((p) => design.plans.has(p)))];
  const emitters = renderEmitters(design, routePlans, CORE_PLANS);
  const failing = failingPlans(design.plans);
  const cases = renderRoutes(ROUTES, design.plans, failing);

  const macros = [...emitters.uses.macros]
    .filter(([name]) => !KERNEL_MACROS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => {
      const arity = Math.max(0, ...[...JSON.stringify(value).matchAll(/"name":"_(\d)"/g)].map((m) => Number(m[1]) + 1));
      const params = ['v', 'w', 'x', 'y'].slice(0, arity);
      const c = cexpr(value, { pair: (n) => n, param: (n) => params[Number(n.slice(1))] ?? n });
      return { name, type: macroType(value), params: params.map((p) => `s32 ${p}`).join(', '), value: c, doc: MACRO_DOCS[name] ?? name };
    });

  const registers = REG_NAMES.map((n, i) => ({ name: kernelRegName(i), number: i, reg: n })).filter((r) => r.reg !== 'k0' && r.reg !== 'k1');
  const header = template('arch/mips/net/ebpf_jit.h')({
    registers,
    macros,
    branches: ['JIT_BEQ', 'JIT_BNE', 'JIT_BEQZ', 'JIT_BNEZ', 'JIT_BLTZ', 'JIT_BGEZ', 'JIT_BLEZ', 'JIT_BGTZ', 'JIT_JA'],
    prototypes: emitters.prototypes,
  });
  const core = template('arch/mips/net/ebpf_jit_core.c')({
    callerRegs: mask(CALLER_SAVED),
    calleeRegs: mask(design.calleeSaved),
    maxPasses: MAX_PASSES,
    argsOffset: OUTGOING,
    saveArea: SAVE_AREA,
  });
  const o32 = [
    { key: 'arg1', name: 'o32_arg1', first: A0, second: A1 },
    { key: 'arg2', name: 'o32_arg2', first: A2, second: A3 },
    { key: 'ret', name: 'o32_ret', first: V0, second: V1 },
  ]
    .filter((p) => emitters.uses.globals.has(p.key))
    .map((p) => ({ name: p.name, first: kernelRegName(p.first), second: kernelRegName(p.second) }));
  const kfuncs = Object.fromEntries(['jit_mod64', 'jit_smod64', 'jit_xchg64'].map((f) => [f, emitters.uses.kcalls.has(f)]));
  const comp32 = template('arch/mips/net/ebpf_jit_comp32.c')({
    summary: [`The ${design.name} design.`, '', ...wrapWords(design.summary, 74)],
    regs: regMap(design),
    o32Pairs: o32,
    kfuncs,
    emitters: emitters.text,
    cases,
  });
  const files = new Map<string, string>([
    [RENDERED.header, header],
    [RENDERED.core, core],
    [RENDERED.comp32, comp32],
    [RENDERED.makefile, makefile(treeDir)],
  ]);

  const ops = new Set([...emitters.uses.ops, ...CORE_OPS]);
  const added = missingBuilders(treeDir, ops);
  for (const [path, text] of uasmAdditions(treeDir, added)) files.set(path, text);
  return { files, deleted: DELETED, uasmAdded: added, plans: emitters.plans, kcalls: emitters.uses.kcalls, design };
}

/** What each of our helper macros means (the C comment above its definition). */
const MACRO_DOCS: Record<string, string> = {
  is_s16: 'The value fits a signed 16-bit immediate field',
  is_u16: 'The value fits an unsigned 16-bit immediate field',
  low16: 'The low halfword of a 32-bit constant, for ori',
  high16: 'The high halfword of a 32-bit constant, sign-extended as lui takes it',
};

/** The tree's arch/mips/net/Makefile with 32-bit builds switched to the new files. */
function makefile(treeDir: string): string {
  const path = join(treeDir, RENDERED.makefile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`${path}: cannot read (is ${treeDir} a Linux source tree?)`);
  }
  const old = /^obj-\$\(CONFIG_BPF_JIT\) \+= bpf_jit_comp\.o\n\nifeq \(\$\(CONFIG_32BIT\),y\)\n[^\n]*\nelse\n[^\n]*\nendif\n/m;
  if (!old.test(text)) throw new InputError(`${path}: not the layout jitgen knows (mainline 5.16+): cannot rewire it`);
  return text.replace(old, template('arch/mips/net/Makefile')({}));
}
