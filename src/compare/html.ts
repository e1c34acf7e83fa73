// The report as one self-contained HTML page (templates/compare/report.html.hbs): the
// same tables as the markdown, plus inline SVG bar charts. No script, no network.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../paths.ts';
import type { CompareReport } from './summary.ts';
import { allTables, shownConfig } from './tables.ts';
import { barChartSvg } from './svg.ts';

function charts(r: CompareReport): string[] {
  const out: string[] = [];
  const cfg = shownConfig(r);
  if (cfg) {
    // per-opcode counts, one chart per BPF class (one chart of 150 rows is unreadable)
    for (const cls of [...new Set(r.opcodes.map((o) => o.class))]) {
      const rows = r.opcodes.filter((o) => o.class === cls);
      out.push(
        barChartSvg({
          title: `${cls}: words per instruction (${cfg})`,
          categories: rows.map((o) => o.feature.replace(`${cls} `, '')),
          series: r.designs.map((d) => ({ name: d, values: rows.map((o) => o.words[d]?.[cfg] ?? null) })),
        }),
      );
    }
  }
  if (r.baseline) {
    const others = r.designs.filter((d) => d !== r.baseline);
    out.unshift(
      barChartSvg({
        title: `Size ratio per class against ${r.baseline}`,
        categories: r.classRatios.map((c) => c.class),
        series: others.map((d) => ({ name: d, values: r.classRatios.map((c) => c.ratios[d]?.geomean ?? null) })),
        reference: 1,
        digits: 2,
      }),
      barChartSvg({
        title: `Corpus: geometric-mean ratio against ${r.baseline}`,
        categories: ['static words', 'dynamic instructions'],
        series: others.map((d) => {
          const v = r.corpus.versusBaseline[d];
          return { name: d, values: [v?.words ?? null, v?.steps ?? null] };
        }),
        reference: 1,
        digits: 3,
      }),
    );
  }
  return out;
}

let compiled: HandlebarsTemplateDelegate | undefined;

export function renderHtml(r: CompareReport): string {
  if (!compiled) {
    const hb = Handlebars.create();
    hb.registerHelper('join', (xs: string[]) => xs.join(', '));
    hb.registerHelper('isNum', (s: string) => /^-?[\d.]+%?$/.test(s));
    compiled = hb.compile(readFileSync(join(templatesDir, 'compare', 'report.html.hbs'), 'utf8'), { strict: false });
  }
  return compiled({ ...r, charts: charts(r), sections: allTables(r) });
}
