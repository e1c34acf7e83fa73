// compare's numbers against the verbs that measure the same runs: `verify` (verifyJit,
// runTestJit) for the model presets and `check --harness --mainline` (mainlineReport) for
// the tree's real C, on small subsets in one configuration. About 25 s (two CLI runs of
// compare plus the reference runs).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { config } from '../../src/config.ts';
import { defaultTreeDir, loadCorpus, type CorpusName } from '../../src/verify/corpus/index.ts';
import { verifyJit } from '../../src/verify/jit-verify.ts';
import { mainlineReport } from '../../src/kernel/harness/index.ts';
import { designByName } from '../../src/jit/designs/index.ts';
import type { CompareReport } from '../../src/compare/summary.ts';
import { geomean } from '../../src/compare/summary.ts';

const cfg = config('be-r2');

function compare(args: string[]): CompareReport {
  const out = execFileSync(process.execPath, ['bin/jitgen.js', 'compare', '--format', 'json', '--configs', 'be-r2', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as CompareReport;
}

async function verifyTotals(design: string, corpus: CorpusName, filter?: RegExp) {
  return verifyJit({
    corpora: [corpus],
    configs: [cfg],
    design: designByName(design),
    load: (name, endian) => loadCorpus(defaultTreeDir, name as CorpusName, endian),
    filter: filter && ((p) => filter.test(p.id)),
  });
}

describe('compare agrees with verify and check --harness --mainline', () => {
  it('test_bpf subset: pass counts, words and steps equal verify per model design', async () => {
    const filter = 'ALU64_(MUL|DIV)_[KX]: [0-9]';
    const r = compare(['--corpus', 'test_bpf', '--filter', filter, '--designs', 'jitgen,johan,tony']);
    expect(r.baseline).toBeNull();
    for (const d of ['jitgen', 'johan', 'tony']) {
      const v = await verifyTotals(d, 'test_bpf', new RegExp(filter));
      const t = r.corpus.totals[d]!;
      expect(t.programs).toBeGreaterThan(5);
      expect(t.passed).toBe(v.passed);
      expect(t.failed + t.declined).toBe(v.failed);
      expect(t.declined).toBe(v.declined['be-r2']);
      expect(t.words).toBe(v.cost['be-r2']!.words);
      expect(t.steps).toBe(v.cost['be-r2']!.steps);
    }
    // both divide 64 bits in a kernel function (div64_u64): one call per run of the
    // program's one ALU64 DIV X, counted apart from the image's instructions
    const runs = new Map(loadCorpus(defaultTreeDir, 'test_bpf', 'be').map((p) => [p.id, p.expect.length]));
    for (const d of ['jitgen', 'johan']) {
      const divs = r.programs['be-r2']![d]!.filter((o) => o.id.includes('ALU64_DIV_X') && o.status === 'pass');
      expect(divs.length).toBeGreaterThan(1);
      for (const o of divs) expect({ d, id: o.id, kcalls: o.kcalls }).toEqual({ d, id: o.id, kcalls: runs.get(o.id) });
    }
  });

  it('tail_calls: mainline equals mainlineReport program by program, and ratios follow from the words', async () => {
    const r = compare(['--corpus', 'tail_calls']);
    const ml = (await mainlineReport(defaultTreeDir, [cfg], { corpora: ['tail_calls'] })).configs['be-r2']!;
    const ours = r.programs['be-r2']!.mainline!;
    expect(ours.length).toBe(ml.results.length);
    for (const o of ours) {
      const m = ml.results.find((x) => x.id === o.id)!;
      expect(o.status).toBe(m.jited ? (m.passed ? 'pass' : 'fail') : 'declined');
      expect(o.words).toBe(m.words);
      expect(o.steps).toBe(m.steps);
    }
    expect(r.corpus.totals.mainline!.words).toBe(ml.results.filter((x) => x.passed).reduce((s, x) => s + x.words, 0));
    const v = await verifyTotals('jitgen', 'tail_calls');
    expect(r.corpus.totals.jitgen!.passed).toBe(v.passed);
    expect(r.corpus.totals.jitgen!.steps).toBe(v.cost['be-r2']!.steps);
    // the geometric mean recomputed from the per-program words of both sides
    const j = new Map(r.programs['be-r2']!.jitgen!.map((o) => [o.id, o]));
    const ratios = ours
      .filter((o) => o.status === 'pass' && j.get(o.id)?.status === 'pass')
      .map((o) => j.get(o.id)!.words! / o.words!);
    expect(r.corpus.versusBaseline.jitgen!.pairs).toBe(ratios.length);
    expect(r.corpus.versusBaseline.jitgen!.words).toBeCloseTo(geomean(ratios)!, 12);
  });

  it('geomean by hand', () => {
    expect(geomean([0.5, 2])).toBeCloseTo(1, 12);
    expect(geomean([2, 8])).toBeCloseTo(4, 12);
    expect(geomean([])).toBeNull();
  });
});
