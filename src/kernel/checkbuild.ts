// `check --build`: cross-build a tree for the 32-bit configurations and the MIPS64 one
// (whose JIT, bpf_jit_comp64.c, the series must leave building), W=1, and count the
// warnings in the JIT's files.
import type { Config } from '../config.ts';
import { buildKernel, isJitFile, type BuildOptions, type CompilerWarning } from './build.ts';
import { mips64Target, targetFor, type KernelTarget } from './kconfig.ts';

export interface BuildCheck {
  ok: boolean;
  seconds: number;
  reused: boolean;
  warnings: CompilerWarning[];
  jitWarnings: number;
  log: string;
}

export interface BuildReport {
  tree: string;
  /** Every configuration built and no warning in arch/mips/net. */
  ok: boolean;
  configs: Record<string, BuildCheck>;
}

export function buildTargets(configs: readonly Config[], mips64: boolean): KernelTarget[] {
  return [...configs.map((c) => targetFor(c)), ...(mips64 ? [mips64Target()] : [])];
}

/** Builds one target after another (they share two cores) and collects the results. */
export async function checkBuild(tree: string, targets: readonly KernelTarget[], opts: BuildOptions = {}): Promise<BuildReport> {
  const report: BuildReport = { tree, ok: true, configs: {} };
  for (const t of targets) {
    const b = await buildKernel(tree, t, opts);
    report.configs[t.id] = { ok: b.ok, seconds: b.seconds, reused: b.reused, warnings: b.warnings, jitWarnings: b.jitWarnings, log: b.log };
    if (!b.ok || b.jitWarnings > 0) report.ok = false;
  }
  return report;
}

export function buildReportText(r: BuildReport): string {
  const lines = [`kernel builds of ${r.tree} (make W=1 vmlinux modules)`];
  for (const [id, c] of Object.entries(r.configs)) {
    const time = c.reused ? 'reused' : `${c.seconds}s`;
    lines.push(`  ${id}: ${c.ok ? 'ok' : 'FAILED'} (${time}), ${c.warnings.length} warnings, ${c.jitWarnings} in arch/mips/net; log ${c.log}`);
    for (const w of c.warnings.filter((x) => isJitFile(x.file))) lines.push(`    ${w.file}:${w.line}: ${w.text}`);
  }
  return `${lines.join('\n')}\n`;
}
