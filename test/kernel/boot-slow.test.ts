// SLOW (a kernel build of 6-7 minutes, reused on later runs, plus a 2-minute boot):
// skipped unless JITGEN_BOOT_TEST=1. Builds and boots the unpatched base tree (be-r2)
// and checks test_bpf's summary against what DESIGN.md / the issue measured for mainline
// 6.12 32r2 BE: 1027 PASSED, 23 FAILED, [1026/1026 JIT'ed]; tail calls 10/10.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { config } from '../../src/config.ts';
import { bootTest } from '../../src/kernel/boottest.ts';
import { resolveTree } from '../../src/kernel/tree.ts';

const enabled = process.env.JITGEN_BOOT_TEST === '1';

describe.skipIf(!enabled)('boot test of mainline 6.12 (slow)', () => {
  test(
    'be-r2: the summary lines match the measured mainline numbers',
    async () => {
      const r = await bootTest(resolveTree(), config('be-r2'), {
        timeoutSeconds: 900,
        progress: (m) => process.stderr.write(`${m}\n`),
      });
      expect(r.error).toBeUndefined();
      expect(r.build.ok).toBe(true);
      expect({ passed: r.passed, failed: r.failed, jited: r.jited, total: r.total }).toEqual({ passed: 1027, failed: 23, jited: 1026, total: 1026 });
      expect(r.tail_calls).toEqual({ passed: 10, failed: 0, jited: 10, total: 10 });
      expect(r.failures).toHaveLength(23);
      expect(r.boot?.poweredOff).toBe(true);
      expect(existsSync(r.log)).toBe(true);
      expect(readFileSync(r.log, 'utf8')).toContain("test_bpf: Summary: 1027 PASSED, 23 FAILED, [1026/1026 JIT'ed]");
    },
    45 * 60_000,
  );
});
