// Horizontal grouped bar charts as inline SVG: no script, no network, readable in any
// browser and in a saved page.

export interface Series {
  name: string;
  values: (number | null)[];
}

export interface BarChart {
  title: string;
  categories: string[];
  series: Series[];
  /** Draw a vertical reference line at this value (1.0 for ratios). */
  reference?: number;
  /** Digits shown after the value's point. */
  digits?: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const LABEL_W = 190;
const BAR_H = 9;
const GROUP_GAP = 8;
const PLOT_W = 420;
const VALUE_W = 60;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function seriesColor(i: number): string {
  return COLORS[i % COLORS.length]!;
}

export function barChartSvg(c: BarChart): string {
  const digits = c.digits ?? 0;
  const max = Math.max(c.reference ?? 0, ...c.series.flatMap((s) => s.values.filter((v): v is number => v !== null)), 1e-9);
  const groupH = c.series.length * BAR_H + GROUP_GAP;
  const top = 24 + 16; // title and legend
  const height = top + c.categories.length * groupH + 10;
  const width = LABEL_W + PLOT_W + VALUE_W;
  const scale = (v: number): number => (PLOT_W * v) / max;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(c.title)}">`,
    `<title>${esc(c.title)}</title>`,
    `<text x="0" y="14" font-size="13" font-weight="bold">${esc(c.title)}</text>`,
  ];
  c.series.forEach((s, i) => {
    const x = LABEL_W + i * 110;
    parts.push(`<rect x="${x}" y="22" width="10" height="10" fill="${seriesColor(i)}"/>`);
    parts.push(`<text x="${x + 14}" y="31" font-size="11">${esc(s.name)}</text>`);
  });
  c.categories.forEach((cat, g) => {
    const y0 = top + g * groupH;
    parts.push(`<text x="${LABEL_W - 6}" y="${y0 + (c.series.length * BAR_H) / 2 + 4}" font-size="11" text-anchor="end">${esc(cat)}</text>`);
    c.series.forEach((s, i) => {
      const v = s.values[g];
      const y = y0 + i * BAR_H;
      if (v === null || v === undefined) {
        parts.push(`<text x="${LABEL_W + 2}" y="${y + BAR_H - 1}" font-size="9" fill="#888">–</text>`);
        return;
      }
      const w = Math.max(0.5, scale(v));
      parts.push(`<rect class="bar" x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H - 1}" fill="${seriesColor(i)}"><title>${esc(`${s.name} ${cat}: ${v.toFixed(digits)}`)}</title></rect>`);
      parts.push(`<text x="${(LABEL_W + w + 3).toFixed(1)}" y="${y + BAR_H - 1}" font-size="9">${v.toFixed(digits)}</text>`);
    });
  });
  if (c.reference !== undefined) {
    const x = LABEL_W + scale(c.reference);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${height - 6}" stroke="#444" stroke-dasharray="3,3"/>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
