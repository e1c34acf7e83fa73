// The result of every verify-like verb (DESIGN.md "Conventions"): counts per
// configuration, their sums, the failures and the named skips, and how to print them.
import type { ConfigId } from '../config.ts';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface Failure {
  /** Program identity `corpus:index:name`. */
  id: string;
  config: ConfigId;
  /** What the reference says R0 (u32) must be; null when there is no single value. */
  expected: number | null;
  /** What the run gave (u32); null when it did not finish (fault, budget, error). */
  got: number | null;
  reason: string;
}

export interface Skip {
  id: string;
  reason: string;
}

/** The JSON every verify-like verb prints: keys in exactly this order. */
export interface VerifyResult extends Counts {
  configs: Partial<Record<ConfigId, Counts>>;
  failures: Failure[];
  skips: Skip[];
}

/** Collects outcomes while a run goes; `result()` builds the JSON shape. */
export class ResultCollector {
  private readonly perConfig = new Map<ConfigId, Counts>();
  private readonly failures: Failure[] = [];
  /** A program skipped in every configuration is named once. */
  private readonly skips = new Map<string, string>();

  /** Declare a configuration so it is reported even when nothing ran in it. */
  config(id: ConfigId): Counts {
    let c = this.perConfig.get(id);
    if (!c) {
      c = { passed: 0, failed: 0, skipped: 0 };
      this.perConfig.set(id, c);
    }
    return c;
  }

  pass(config: ConfigId): void {
    this.config(config).passed++;
  }

  fail(f: Failure): void {
    this.config(f.config).failed++;
    this.failures.push(f);
  }

  skip(config: ConfigId, id: string, reason: string): void {
    this.config(config).skipped++;
    if (!this.skips.has(id)) this.skips.set(id, reason);
  }

  get failedCount(): number {
    return this.failures.length;
  }

  result(): VerifyResult {
    const configs: Partial<Record<ConfigId, Counts>> = {};
    const total: Counts = { passed: 0, failed: 0, skipped: 0 };
    for (const [id, c] of this.perConfig) {
      configs[id] = { passed: c.passed, failed: c.failed, skipped: c.skipped };
      total.passed += c.passed;
      total.failed += c.failed;
      total.skipped += c.skipped;
    }
    return {
      passed: total.passed,
      failed: total.failed,
      skipped: total.skipped,
      configs,
      failures: [...this.failures],
      skips: [...this.skips].map(([id, reason]) => ({ id, reason })),
    };
  }
}

/** Exit status of a verify-like verb: 1 when anything failed. */
export function exitStatus(r: VerifyResult): number {
  return r.failed > 0 ? 1 : 0;
}

const hex = (v: number | null): string => (v === null ? '-' : `0x${(v >>> 0).toString(16)}`);

/** The human-readable summary: one line per configuration, then failures and skips. */
export function formatResult(r: VerifyResult, maxFailures = 50): string[] {
  const lines: string[] = [];
  for (const [id, c] of Object.entries(r.configs)) {
    lines.push(`${id}: ${c!.passed} passed, ${c!.failed} failed, ${c!.skipped} skipped`);
  }
  for (const f of r.failures.slice(0, maxFailures)) {
    lines.push(`FAIL ${f.config} ${f.id}: expected ${hex(f.expected)}, got ${hex(f.got)}: ${f.reason}`);
  }
  if (r.failures.length > maxFailures) lines.push(`... and ${r.failures.length - maxFailures} more failures (--json lists all)`);
  if (r.skips.length > 0) lines.push(`skipped ${r.skips.length} programs (${summarizeReasons(r.skips)}); --json names them`);
  lines.push(`total: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  return lines;
}

function summarizeReasons(skips: Skip[]): string {
  const by = new Map<string, number>();
  for (const s of skips) by.set(s.reason, (by.get(s.reason) ?? 0) + 1);
  return [...by].map(([reason, n]) => `${n}: ${reason}`).join('; ');
}
