// The boot rung for one tree and configuration: build (or reuse) the kernel and
// test_bpf.ko, pack the initramfs with jitgen's /init, boot under QEMU, read the log.
// The tree is a parameter: the unpatched base (`--mainline`) and a worktree of the
// series are built and booted the same way, each in its own build directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, ConfigId } from '../config.ts';
import { buildKernel, errorLines, type BuildOptions } from './build.ts';
import { buildInit, genInitCpio, packInitramfs } from './initramfs.ts';
import { kernelCommandLine, parseBootLog, parseJitDumps, qemuCommand, runQemu, type JitDump, type SuiteSummary, type TestFailure } from './boot.ts';
import { targetFor } from './kconfig.ts';
import { readFileSync } from 'node:fs';
import { compareDumpsWithHarness, type DumpComparison } from './dumpcompare.ts';
import type { JitSources } from './harness/index.ts';

export interface BootTestOptions extends BuildOptions {
  /** Seconds QEMU may run before it is killed (default 900). */
  timeoutSeconds?: number;
  /** Build without BPF_JIT_ALWAYS_ON and boot with bpf_jit_enable=2: the log carries every image. */
  jitDump?: boolean;
  /**
   * With jitDump: compare the dumped images with this JIT C in the host harness ('mainline':
   * the tree's own bpf_jit_comp*.c; the series passes its rendered sources).
   */
  compareWith?: JitSources;
}

/** One configuration's boot test, in the JSON shape `boot-test --json` prints. */
export interface BootTestResult {
  config: ConfigId;
  tree: string;
  passed: number;
  failed: number;
  jited: number;
  total: number;
  tail_calls: SuiteSummary | null;
  /**
   * The /init's program with bpf2bpf calls (three functions, loaded through bpf() so that
   * the verifier splits it and the JIT's extra pass runs): what it returned, or the error.
   */
  bpf2bpf: { returned?: number; error?: string } | null;
  failures: TestFailure[];
  /** The serial log. */
  log: string;
  /** Build + boot wall time. */
  seconds: number;
  build: { ok: boolean; seconds: number; reused: boolean; dir: string; log: string };
  boot: { seconds: number; timedOut: boolean; poweredOff: boolean; status: number | null } | null;
  /** Why the run has no result (build failed, no summary line, panic, time limit). */
  error?: string;
  /** With jitDump: how many images the kernel dumped, and where they were written as JSON. */
  jitDumps?: { count: number; complete: number; file: string; comparison?: DumpComparison };
}

/**
 * What the /init's bpf2bpf program returns (src/kernel/init/init.c): 0x00012056, worked
 * out by hand and by jitgen's interpreter (test/kernel/boot.test.ts checks the latter).
 */
export const BPF2BPF_EXPECTED = 0x12056;

/** Did the run pass: booted, both summaries present, nothing failed, the bpf2bpf program right. */
export function bootTestPassed(r: BootTestResult): boolean {
  return !r.error && r.failed === 0 && r.tail_calls !== null && r.tail_calls.failed === 0 && r.bpf2bpf?.returned === BPF2BPF_EXPECTED;
}

/** The images of a `--jit-dump` run, as written next to its serial log. */
export function readJitDumps(r: BootTestResult): JitDump[] {
  if (!r.jitDumps) return [];
  return JSON.parse(readFileSync(r.jitDumps.file, 'utf8')) as JitDump[];
}

export async function bootTest(tree: string, config: Config, opts: BootTestOptions = {}): Promise<BootTestResult> {
  const progress = opts.progress ?? (() => {});
  const started = Date.now();
  const target = targetFor(config, { jitDump: opts.jitDump });
  const build = await buildKernel(tree, target, opts);
  const bootDir = join(build.dir, 'boot');
  const result: BootTestResult = {
    config: config.id,
    tree,
    passed: 0,
    failed: 0,
    jited: 0,
    total: 0,
    tail_calls: null,
    bpf2bpf: null,
    failures: [],
    log: join(bootDir, 'serial.log'),
    seconds: 0,
    build: { ok: build.ok, seconds: build.seconds, reused: build.reused, dir: build.dir, log: build.log },
    boot: null,
  };
  const done = (): BootTestResult => {
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
    return result;
  };
  if (!build.ok) {
    const why = errorLines(readFileSync(build.log, 'utf8'), 3).join(' | ');
    result.error = `kernel build failed (${build.log})${why ? `: ${why}` : ''}`;
    return done();
  }
  progress(`[${target.id}] initramfs: /init (${config.isa}, ${config.endian}) + test_bpf.ko`);
  const init = buildInit(config, join(bootDir, 'init'));
  const initrd = packInitramfs(genInitCpio(tree, build.dir), { init, modules: [{ name: 'test_bpf.ko', path: build.testBpfModule }] }, join(bootDir, 'initramfs.cpio'));
  const qemu = qemuCommand(config, build.vmlinux, initrd, kernelCommandLine({ jitDump: opts.jitDump }));
  const timeoutSeconds = opts.timeoutSeconds ?? 900;
  progress(`[${target.id}] boot: ${qemu.cmd} ${qemu.args.join(' ')} (limit ${timeoutSeconds}s, log ${result.log})`);
  const run = await runQemu(qemu, { timeoutSeconds, logFile: result.log, label: `${target.id} boot`, progress, tickSeconds: opts.tickSeconds });
  const parsed = parseBootLog(run.text);
  result.boot = { seconds: run.seconds, timedOut: run.timedOut, poweredOff: parsed.poweredOff, status: run.status };
  if (parsed.main) Object.assign(result, { passed: parsed.main.passed, failed: parsed.main.failed, jited: parsed.main.jited, total: parsed.main.total });
  result.tail_calls = parsed.tailCalls ?? null;
  result.bpf2bpf = parsed.bpf2bpf ?? null;
  result.failures = parsed.failures;
  if (!parsed.main || !parsed.tailCalls) {
    const missing = [!parsed.main && 'test_bpf', !parsed.tailCalls && 'test_tail_calls'].filter(Boolean).join(' and ');
    const cause = run.timedOut ? `QEMU killed at the ${timeoutSeconds}s limit` : parsed.panic ? parsed.panic : `QEMU exited with status ${run.status}`;
    result.error = `no ${missing} summary in the serial log (${cause})`;
  }
  if (opts.jitDump) {
    const dumps = parseJitDumps(run.text, config.endian);
    const file = join(bootDir, 'jit-dumps.json');
    writeFileSync(file, `${JSON.stringify(dumps)}\n`);
    result.jitDumps = { count: dumps.length, complete: dumps.filter((d) => d.complete).length, file };
    if (opts.compareWith && dumps.length) {
      result.jitDumps.comparison = await compareDumpsWithHarness(tree, config, dumps, build.systemMap, { jit: opts.compareWith, progress });
    }
  }
  progress(`[${target.id}] boot done in ${run.seconds}s: ${summaryText(result)}`);
  return done();
}

/** `1027 PASSED, 23 FAILED, [1026/1026 JIT'ed]; tail calls 10 PASSED, 0 FAILED, [10/10 JIT'ed]` */
export function summaryText(r: BootTestResult): string {
  const s = (x: SuiteSummary): string => `${x.passed} PASSED, ${x.failed} FAILED, [${x.jited}/${x.total} JIT'ed]`;
  if (r.error && !r.total) return r.error;
  return `${s(r)}; tail calls ${r.tail_calls ? s(r.tail_calls) : 'missing'}; ${bpf2bpfText(r)}${r.error ? ` (${r.error})` : ''}`;
}

/** `bpf2bpf PASSED`, or what went wrong with the /init's bpf2bpf program. */
function bpf2bpfText(r: BootTestResult): string {
  const b = r.bpf2bpf;
  if (!b) return 'bpf2bpf missing';
  if (b.error) return `bpf2bpf FAILED (${b.error})`;
  return b.returned === BPF2BPF_EXPECTED ? 'bpf2bpf PASSED' : `bpf2bpf FAILED (returned 0x${b.returned!.toString(16)}, expected 0x${BPF2BPF_EXPECTED.toString(16)})`;
}
