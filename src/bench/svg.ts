/** Inline SVG charts for the HTML report: no script, no external file, readable in any browser or mail. */

export interface Series {
  name: string;
  values: number[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const W = 640;
const H = 240;
const PAD = { l: 64, r: 12, t: 28, b: 36 };

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const fmt = (v: number) =>
  v >= 1000 ? `${Math.round(v / 100) / 10}k` : v >= 10 ? String(Math.round(v)) : v.toFixed(1);

function frame(
  title: string,
  tick: (f: number) => number,
  xLabel: string,
  xMax: number,
  body: string,
  legend: string[],
): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = PAD.t + (1 - f) * (H - PAD.t - PAD.b);
    return `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${PAD.l - 6}" y="${y + 4}" text-anchor="end" font-size="11">${fmt(tick(f))}</text>`;
  });
  const keys = legend
    .map(
      (name, i) =>
        `<rect x="${PAD.l + i * 130}" y="${H - 14}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${PAD.l + 14 + i * 130}" y="${H - 5}" font-size="11">${escapeXml(name.slice(0, 20))}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif">
<text x="${PAD.l}" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>${ticks.join('')}
<text x="${W - PAD.r}" y="${H - PAD.b + 14}" text-anchor="end" font-size="11">${escapeXml(xLabel)} (0 – ${fmt(xMax)})</text>
${body}${keys}</svg>`;
}

/** Lines over a shared x axis (index = second, or sample). */
export function lineChart(title: string, series: Series[], xLabel = 'seconds'): string {
  const xMax = Math.max(1, ...series.map((s) => s.values.length - 1));
  const yMax = Math.max(1, ...series.flatMap((s) => s.values)) * 1.05;
  const x = (i: number) => PAD.l + (i / xMax) * (W - PAD.l - PAD.r);
  const y = (v: number) => PAD.t + (1 - v / yMax) * (H - PAD.t - PAD.b);
  const body = series
    .map(
      (s, k) =>
        `<polyline fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.5" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`,
    )
    .join('');
  return frame(
    title,
    (f) => yMax * f,
    xLabel,
    xMax,
    body,
    series.map((s) => s.name),
  );
}

/** Groups of bars (one group per category, one bar per series), on a log scale when values span decades. */
export function barChart(title: string, categories: string[], series: Series[]): string {
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  const max = Math.max(1, ...all);
  const log = max / Math.max(0.001, Math.min(...all, max)) > 100;
  const scale = (v: number) => (log ? Math.log10(1 + v) / Math.log10(1 + max) : v / max);
  const gw = (W - PAD.l - PAD.r) / Math.max(1, categories.length);
  const bw = (gw * 0.8) / Math.max(1, series.length);
  const h = H - PAD.t - PAD.b;
  let body = '';
  categories.forEach((c, i) => {
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const bh = scale(v) * h;
      body += `<rect x="${(PAD.l + i * gw + gw * 0.1 + k * bw).toFixed(1)}" y="${(PAD.t + h - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="${COLORS[k % COLORS.length]}"><title>${escapeXml(`${c} ${s.name}: ${v}`)}</title></rect>`;
    });
    body += `<text x="${(PAD.l + i * gw + gw / 2).toFixed(1)}" y="${H - PAD.b + 14}" text-anchor="middle" font-size="10">${escapeXml(c.slice(0, 18))}</text>`;
  });
  const tick = (f: number) => (log ? (1 + max) ** f - 1 : max * f);
  return frame(
    `${title}${log ? ' (log scale)' : ''}`,
    tick,
    'runs',
    categories.length,
    body,
    series.map((s) => s.name),
  );
}
