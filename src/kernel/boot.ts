// Booting a built kernel under qemu-system-mips(el) -M malta and reading what test_bpf
// printed on the serial console: the summary lines, the failed tests, and (with
// bpf_jit_enable=2) the JIT images bpf_jit_dump printed as hex.
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import type { Config, Endian } from '../config.ts';
import { InputError } from '../errors.ts';
import { formatElapsed } from './build.ts';

/** The QEMU command line for a configuration (DESIGN.md "Facts worth knowing"). */
export function qemuCommand(config: Config, kernel: string, initrd: string, append: string): { cmd: string; args: string[] } {
  return {
    cmd: config.endian === 'be' ? 'qemu-system-mips' : 'qemu-system-mipsel',
    args: [
      '-M', 'malta',
      '-cpu', config.isa === 'r6' ? 'mips32r6-generic' : '24Kf',
      '-m', '256',
      '-kernel', kernel,
      '-initrd', initrd,
      '-append', append,
      '-nographic', '-no-reboot',
    ],
  };
}

/** The kernel command line: serial console; with a JIT dump, bpf_jit_enable=2 through sysctl. */
export function kernelCommandLine(opts: { jitDump?: boolean } = {}): string {
  return ['console=ttyS0', ...(opts.jitDump ? ['sysctl.net.core.bpf_jit_enable=2'] : [])].join(' ');
}

export interface QemuRun {
  /** QEMU's exit status; null when it was killed at the time limit. */
  status: number | null;
  timedOut: boolean;
  seconds: number;
  /** The serial log, also kept in `logFile`. */
  text: string;
  logFile: string;
}

export interface QemuOptions {
  timeoutSeconds: number;
  logFile: string;
  label?: string;
  progress?: (message: string) => void;
  tickSeconds?: number;
}

/** Boots and waits for QEMU to exit (the /init powers off) or the time limit. */
export function runQemu(cmd: { cmd: string; args: string[] }, opts: QemuOptions): Promise<QemuRun> {
  const progress = opts.progress ?? (() => {});
  const started = Date.now();
  const chunks: Buffer[] = [];
  let lastTest = '';
  writeFileSync(opts.logFile, '');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd.cmd, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    const onData = (b: Buffer): void => {
      chunks.push(b);
      appendFileSync(opts.logFile, b);
      const tests = b.toString('latin1').match(/test_bpf: #\d+ [^\r\n]{0,60}/g);
      if (tests) lastTest = tests.at(-1)!;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const tick = setInterval(() => {
      progress(`[${opts.label ?? 'boot'}] ${formatElapsed((Date.now() - started) / 1000)}${lastTest ? `: ${lastTest}` : ''}`);
    }, (opts.tickSeconds ?? 30) * 1000);
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, opts.timeoutSeconds * 1000);
    child.on('error', (e) => {
      clearInterval(tick);
      clearTimeout(limit);
      reject(new InputError(`cannot run ${cmd.cmd}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearInterval(tick);
      clearTimeout(limit);
      resolvePromise({
        status: timedOut ? null : code,
        timedOut,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        text: Buffer.concat(chunks).toString('latin1'),
        logFile: opts.logFile,
      });
    });
  });
}

// ---------------------------------------------------------------- the serial log

export interface SuiteSummary {
  passed: number;
  failed: number;
  jited: number;
  total: number;
}

/** The corpus names of DESIGN.md for test_bpf's two suites. */
export type SuiteName = 'test_bpf' | 'tail_calls';

export interface TestFailure {
  /** `corpus:index:name`, DESIGN.md's program identity. */
  id: string;
  suite: SuiteName;
  index: number;
  name: string;
  /** What test_bpf printed after the name (`jited:1 ret 0 != 1 ... FAIL (1 times)`). */
  detail: string;
}

export interface BootLog {
  main?: SuiteSummary;
  tailCalls?: SuiteSummary;
  failures: TestFailure[];
  /** The /init reached its power-off step. */
  poweredOff: boolean;
  /** The /init's bpf2bpf program: what it returned (u32), or which bpf() step failed how. */
  bpf2bpf?: { returned?: number; error?: string };
  /** A kernel panic or oops text, if any (first line). */
  panic?: string;
}

const SUMMARY = /(\d+) PASSED, (\d+) FAILED, \[(\d+)\/(\d+) JIT'ed\]/;

function summary(m: RegExpExecArray): SuiteSummary {
  return { passed: Number(m[1]), failed: Number(m[2]), jited: Number(m[3]), total: Number(m[4]) };
}

/**
 * Log lines without `\r` and without a printk time stamp, one at a time: a --jit-dump
 * boot prints hundreds of megabytes, which as one array of lines exhausts the heap.
 */
export function* logLines(text: string): Generator<string> {
  for (let at = 0; at <= text.length; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    yield text.slice(at, end).replace(/\r/g, '').replace(/^\[\s*\d+\.\d+\]\s?/, '');
    at = end + 1;
  }
}

/** Which suite the /init is loading, from its `jitgen-init: load test_bpf test_suite=...` marker. */
function suiteOfMarker(line: string): SuiteName | undefined {
  const m = /^jitgen-init: load test_bpf (.*)$/.exec(line);
  if (!m) return undefined;
  return /test_suite=test_tail_calls/.test(m[1]!) ? 'tail_calls' : 'test_bpf';
}

const TEST_LINE = /^test_bpf: #(\d+) (.*)$/;
/** Where a test's name ends and test_bpf's verdict begins. */
const VERDICT = / (?=jited:\d|FAIL|PASS|UNEXPECTED_|ret -?\d+ != |data generation failed)/;
const FAILED = /\bFAIL\b|UNEXPECTED_PASS|UNEXPECTED_FAIL|\bFAIL to\b/;

/** Lines another printk put between a test's `#N name` and its verdict. */
function isInterleaved(line: string): boolean {
  return /^(JIT code: |flen=\d+ proglen=|jitgen-init: |test_bpf: )/.test(line) || line === '';
}

/**
 * Reads test_bpf's results from a serial log: both summary lines, and the failed tests
 * by name (a test's verdict may arrive on a later line than its name, when a JIT dump
 * or another message came in between).
 */
export function parseBootLog(text: string): BootLog {
  const out: BootLog = { failures: [], poweredOff: false };
  let suite: SuiteName = 'test_bpf';
  let current: { index: number; name: string; detail: string; suite: SuiteName } | undefined;
  const finish = (): void => {
    if (!current) return;
    const { suite: s, index, name } = current;
    const detail = current.detail.trim();
    if (FAILED.test(detail)) out.failures.push({ id: `${s}:${index}:${name}`, suite: s, index, name, detail });
    current = undefined;
  };
  for (const line of logLines(text)) {
    const marker = suiteOfMarker(line);
    if (marker) {
      finish();
      suite = marker;
      continue;
    }
    // our /init says so; the kernel's own line survives when console output interleaves
    if (line.startsWith('jitgen-init: power off') || /\breboot: Power down\b/.test(line)) out.poweredOff = true;
    const b2b = /^jitgen-init: bpf2bpf: (the program|BPF_PROG_LOAD|BPF_PROG_TEST_RUN) returned (-?\d+)/.exec(line);
    if (b2b) {
      out.bpf2bpf = b2b[1] === 'the program' ? { returned: Number(b2b[2]) >>> 0 } : { error: `${b2b[1]} returned ${b2b[2]}` };
      continue;
    }
    const test = TEST_LINE.exec(line);
    if (test) {
      finish();
      // The name is the `#N` line up to the verdict; when another message interrupted the
      // line (the JIT's "unknown opcode d7"), the whole line, and what follows is detail.
      const first = test[2]!;
      const split = VERDICT.exec(first);
      current = {
        index: Number(test[1]),
        name: (split ? first.slice(0, split.index) : first).trim(),
        detail: split ? first.slice(split.index + 1) : '',
        suite,
      };
      continue;
    }
    const tail = /^test_bpf: test_tail_calls: Summary: /.test(line) ? SUMMARY.exec(line) : null;
    if (tail) {
      finish();
      out.tailCalls = summary(tail);
      continue;
    }
    const main = /^test_bpf: Summary: /.test(line) ? SUMMARY.exec(line) : null;
    if (main) {
      finish();
      out.main = summary(main);
      continue;
    }
    if (!out.panic && /Kernel panic|Oops\b|Unable to handle kernel|BUG: /.test(line)) out.panic = line.trim();
    if (current && !isInterleaved(line)) current.detail += ` ${line.trim()}`;
  }
  finish();
  return out;
}

// ---------------------------------------------------------------- JIT images

export interface JitDump {
  suite: SuiteName;
  /** test_bpf's test number (the tail-call suite: the program's position in its table). */
  index: number;
  /** BPF instructions (`flen=`). */
  insns: number;
  /** Image size in bytes (`proglen=`). */
  bytes: number;
  /** The image as 32-bit instruction words, in the target's byte order. */
  words: number[];
  /** All `bytes` arrived (console output can be lost under load). */
  complete: boolean;
}

/**
 * The images `bpf_jit_dump` printed (`flen=.. proglen=.. pass=.. image=..` then
 * `JIT code: OFFSET: bytes` lines from print_hex_dump), attributed to tests: in the main
 * suite a program is JITed right after its `#N name` line; the tail-call suite JITs its
 * whole table, in order, before it prints any test line.
 */
export function parseJitDumps(text: string, endian: Endian): JitDump[] {
  const out: JitDump[] = [];
  let suite: SuiteName = 'test_bpf';
  let lastIndex = -1;
  let tailSeq = 0;
  let tailTestsSeen = false;
  // the bytes of the image being read, in one buffer sized by its proglen
  let open: { dump: JitDump; bytes: Uint8Array; length: number; broken: boolean } | undefined;
  const close = (): void => {
    if (!open) return;
    const b = open.bytes.subarray(0, open.length);
    const words: number[] = [];
    for (let i = 0; i + 3 < b.length; i += 4) {
      const w = endian === 'be' ? (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]! : (b[i + 3]! << 24) | (b[i + 2]! << 16) | (b[i + 1]! << 8) | b[i]!;
      words.push(w >>> 0);
    }
    open.dump.words = words;
    open.dump.complete = !open.broken && open.length === open.dump.bytes;
    out.push(open.dump);
    open = undefined;
  };
  for (const line of logLines(text)) {
    const marker = suiteOfMarker(line);
    if (marker) {
      close();
      suite = marker;
      lastIndex = -1;
      tailSeq = 0;
      tailTestsSeen = false;
      continue;
    }
    const test = TEST_LINE.exec(line);
    if (test) {
      lastIndex = Number(test[1]);
      if (suite === 'tail_calls') tailTestsSeen = true;
      continue;
    }
    const head = /(?:^|\s)flen=(\d+) proglen=(\d+) pass=\d+ image=/.exec(line);
    if (head) {
      close();
      const index = suite === 'tail_calls' && !tailTestsSeen ? tailSeq++ : lastIndex;
      const size = Number(head[2]);
      open = { dump: { suite, index, insns: Number(head[1]), bytes: size, words: [], complete: false }, bytes: new Uint8Array(size), length: 0, broken: false };
      continue;
    }
    const hex = /JIT code: ([0-9a-f]{8}): ((?:[0-9a-f]{2} ?)+)/.exec(line);
    if (hex && open && !open.broken) {
      // A gap in the offsets means lost console lines: the image is kept, marked incomplete.
      if (parseInt(hex[1]!, 16) !== open.length) {
        open.broken = true;
        continue;
      }
      for (const h of hex[2]!.trim().split(' ')) {
        if (open.length < open.bytes.length) open.bytes[open.length] = parseInt(h, 16);
        open.length++;
      }
      if (open.length >= open.dump.bytes) close();
    }
  }
  close();
  return out;
}

/** `suite:index` -> image words, for comparing with the harness. */
export function dumpsByProgram(dumps: readonly JitDump[]): Map<string, number[]> {
  return new Map(dumps.map((d) => [`${d.suite}:${d.index}`, d.words]));
}
