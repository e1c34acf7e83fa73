// Hostile inputs: mutated real objects and generated programs through the loaders and
// what the CLI does next, in-process; a small sample through real jitgen processes; and
// the process checker itself shown to flag a crash. About 15 s (the processes dominate).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { repoRoot } from '../../src/paths.ts';
import { defaultSeeds, fuzzCli, fuzzLoaders, mutate, XDP_OBJECT_DIR } from '../../src/fuzz/hostile.ts';
import { Rng } from '../../src/fuzz/rng.ts';
import { existsSync } from 'node:fs';

const tmp = mkdtempSync(join(tmpdir(), 'jitgen-hostile-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hostile inputs', () => {
  test('the seeds include the libxdp objects when installed, and raw and JSON programs', () => {
    const names = defaultSeeds().map((s) => s.name);
    if (existsSync(XDP_OBJECT_DIR)) expect(names).toContain('xdp-dispatcher.o');
    expect(names.some((n) => n.endsWith('.bin'))).toBe(true);
    expect(names.some((n) => n.endsWith('.json'))).toBe(true);
  });

  test('mutations change the bytes and are deterministic for a seed', () => {
    const seed = defaultSeeds()[0]!;
    const a = mutate(seed, new Rng(4));
    const b = mutate(seed, new Rng(4));
    expect(a).toEqual(b);
    let changed = 0;
    const r = new Rng(5);
    for (let i = 0; i < 50; i++) if (Buffer.compare(Buffer.from(mutate(seed, r).bytes), Buffer.from(seed.bytes)) !== 0) changed++;
    expect(changed).toBeGreaterThan(40);
  });

  test('400 mutated inputs: only clear errors escape, nothing is slow', () => {
    const r = fuzzLoaders(400, 11, { slowMs: 5000 });
    expect(r.crashes).toEqual([]);
    expect(r.slow).toEqual([]);
    expect(r.inputs).toBe(400);
    // both outcomes happen: some mutants still load, most are refused
    expect(r.loaded).toBeGreaterThan(0);
    expect(r.rejected).toBeGreaterThan(0);
  });

  test('real processes: exit 2 with one error line, no stack trace, nothing written', () => {
    const r = fuzzCli(join(repoRoot, 'bin/jitgen.js'), 3, 2, { badOptions: 3 });
    expect(r.findings).toEqual([]);
    expect(r.runs).toBe(6);
    expect(r.clearErrors).toBeGreaterThanOrEqual(3);
  }, 120_000);

  test('the process checker flags a stack trace, a wrong status and a written file', () => {
    const fake = join(tmp, 'fake.mjs');
    writeFileSync(fake, "import { writeFileSync } from 'node:fs';\nwriteFileSync('leftover', 'x');\nthrow new TypeError('boom');\n");
    const r = fuzzCli(fake, 1, 1, { badOptions: 0 });
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.problem).toBe('exit status 1');
    const fake2 = join(tmp, 'fake2.mjs');
    writeFileSync(fake2, "import { writeFileSync } from 'node:fs';\nwriteFileSync('out.bin', 'x');\nprocess.stderr.write('jitgen: error: bad\\n');\nprocess.exitCode = 2;\n");
    const r2 = fuzzCli(fake2, 1, 1, { badOptions: 0 });
    expect(r2.findings.map((f) => f.problem)).toEqual(['exit 2 but wrote out.bin']);
  });
});
