// The HTML page opened in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core; no browser download is possible here): tables and SVG charts must be
// there, and a screenshot is saved under .cache/compare/ for a human to look at. About
// 15 s: a real compare run (be-r2, tail_calls) feeds the page.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { cacheDir } from '../../src/paths.ts';

const CHROMIUM = '/usr/bin/chromium';
const outDir = join(cacheDir, 'compare');

describe.skipIf(!existsSync(CHROMIUM))('compare --format html (skipped: /usr/bin/chromium is not installed)', () => {
  it('renders tables and charts in a browser, with no network', async () => {
    mkdirSync(outDir, { recursive: true });
    const page = join(outDir, 'report.html');
    execFileSync(process.execPath, ['bin/jitgen.js', 'compare', '--format', 'html', '--configs', 'be-r2', '--corpus', 'tail_calls', '--out', page], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const html = readFileSync(page, 'utf8');
    // self-contained: nothing fetched from anywhere
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);

    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    try {
      const tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const requests: string[] = [];
      tab.on('request', (r) => requests.push(r.url()));
      await tab.goto(pathToFileURL(page).href);
      expect(await tab.title()).toBe('MIPS32 eBPF JIT designs compared');
      const headings = await tab.locator('h3').allTextContents();
      for (const h of ['Register map (big endian)', 'Register map (little endian)', 'Conventions', 'Feature coverage', 'Corpus totals', 'Against mainline']) {
        expect(headings).toContain(h);
      }
      expect(headings.some((h) => h.startsWith('Per-opcode instruction counts'))).toBe(true);
      expect(await tab.locator('table').count()).toBeGreaterThanOrEqual(10);
      // the register map names R0's pair for each design: v0:v1 on big endian
      const firstRow = await tab.locator('table').first().locator('tbody tr').first().locator('td').allTextContents();
      expect(firstRow).toEqual(['R0', 'v0:v1', 'v0:v1', 'v0:v1', 'v0:v1']);
      // charts: two ratio charts plus one per BPF class, with drawn bars
      const charts = tab.locator('svg.chart');
      expect(await charts.count()).toBeGreaterThanOrEqual(8);
      expect(await tab.locator('svg.chart rect.bar').count()).toBeGreaterThan(100);
      const box = await charts.first().boundingBox();
      expect(box && box.width > 100 && box.height > 50).toBe(true);
      const shot = join(outDir, 'report.png');
      await tab.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
