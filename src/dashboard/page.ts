/**
 * The dashboard page: plain HTML, CSS and a script that draws SVG line charts by hand (no library, no
 * CDN). It opens /events (server-sent events), keeps the last 300 points and redraws on each one.
 */

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export function pageHtml(opts: { title: string; targets: string[] }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)}</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>${esc(opts.title)}</h1>
  <span id="status" class="status">connecting…</span>
  <span class="sub">scraping ${opts.targets.length} endpoint${opts.targets.length === 1 ? '' : 's'} every second · last 5 minutes</span>
</header>
<main>
  <section class="card wide">
    <h2>Production rate <small>(events/s, experiment producers)</small> <b id="production-now">–</b></h2>
    <svg id="chart-production" class="chart" viewBox="0 0 900 260" role="img" aria-label="Production rate"></svg>
  </section>
  <section class="card">
    <h2>Pipeline <small>(messages/s)</small></h2>
    <svg id="chart-pipeline" class="chart" viewBox="0 0 560 240" role="img" aria-label="Pipeline rates"></svg>
  </section>
  <section class="card">
    <h2>Dead letters, files, lag <small>(totals; lag in messages)</small></h2>
    <svg id="chart-totals" class="chart" viewBox="0 0 560 240" role="img" aria-label="Dead letters, files and lag"></svg>
  </section>
  <section class="card wide">
    <h2>Endpoints</h2>
    <div class="scroll"><table id="targets"><thead><tr>
      <th>endpoint</th><th>state</th><th>experiments</th><th>events/s</th><th>published/s</th><th>consumed/s</th>
      <th>acked/s</th><th>lag</th><th>dead letters</th><th>files</th><th>written</th><th>workers</th><th>RSS</th><th>CPU</th>
    </tr></thead><tbody></tbody></table></div>
  </section>
</main>
</body>
</html>
`;
}

export const PAGE_CSS = `
:root { color-scheme: light; --fg:#1d2433; --muted:#6b7385; --line:#e3e6ee; --bg:#f6f7fb; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:16px; align-items:baseline; padding:14px 24px; background:#fff; border-bottom:1px solid var(--line); }
h1 { font-size:18px; margin:0; }
.sub { color:var(--muted); }
.status { font-size:12px; padding:2px 8px; border-radius:10px; background:#eee; }
.status.live { background:#d9f5e3; color:#116b35; }
.status.down { background:#fde2e1; color:#9b1c1c; }
main { display:grid; grid-template-columns:1fr 1fr; gap:16px; padding:16px 24px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 16px; }
.card.wide { grid-column:1 / -1; }
h2 { font-size:15px; margin:0 0 8px; display:flex; gap:8px; align-items:baseline; }
h2 small { color:var(--muted); font-weight:normal; }
h2 b { margin-left:auto; font-size:18px; }
.chart { width:100%; height:auto; display:block; }
.chart .grid { stroke:var(--line); stroke-width:1; }
.chart .axis { fill:var(--muted); font-size:11px; }
.chart .series { fill:none; stroke-width:2; stroke-linejoin:round; }
.chart .legend { font-size:12px; fill:var(--fg); }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; font-size:13px; }
.scroll { overflow-x:auto; }
.chart .empty { fill:var(--muted); font-size:13px; }
th, td { text-align:right; padding:4px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
th:first-child, td:first-child { text-align:left; }
td.up { color:#116b35; } td.down { color:#9b1c1c; }
`;

/** Browser script (ES2017, no modules): kept free of template literals so it can live in this string. */
export const CLIENT_JS = `'use strict';
(function () {
  var HISTORY = 300;
  var COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
  var SVGNS = 'http://www.w3.org/2000/svg';
  var points = [];
  var targets = [];

  function el(name, attrs, text) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }
  function fmt(v) {
    if (v === null || v === undefined || isNaN(v)) return '–';
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    if (a >= 100) return v.toFixed(0);
    if (a >= 10) return (Math.round(v * 10) / 10).toString();
    return (Math.round(v * 100) / 100).toString();
  }
  function bytes(v) {
    if (v === undefined) return '–';
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + u[i];
  }
  function sum(p, kind, key) {
    var n = null;
    for (var i = 0; i < p.targets.length; i++) {
      var v = p.targets[i][kind][key];
      if (typeof v === 'number') n = (n === null ? 0 : n) + v;
    }
    return n;
  }

  // series: [{name, values: [number|null]}]; x = seconds since the first point shown
  function draw(svg, series) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var box = svg.viewBox.baseVal;
    var W = box.width, H = box.height, L = 56, R = 12, T = 26, B = 28;
    var n = points.length;
    var t0 = n ? points[0].t : 0;
    var span = n > 1 ? (points[n - 1].t - t0) / 1000 : 1;
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v > max) max = v; }); });
    max = niceMax(max);
    for (var g = 0; g <= 4; g++) {
      var y = T + (H - T - B) * (1 - g / 4);
      svg.appendChild(el('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
      svg.appendChild(el('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, fmt(max * g / 4)));
    }
    for (var xt = 0; xt <= 4; xt++) {
      var xs = L + (W - L - R) * xt / 4;
      var anchor = xt === 0 ? 'start' : xt === 4 ? 'end' : 'middle';
      var secs = span * xt / 4;
      svg.appendChild(el('text', { x: xs, y: H - 8, 'text-anchor': anchor, class: 'axis' }, (span >= 8 ? Math.round(secs) : fmt(secs)) + ' s'));
    }
    var lx = L;
    series.forEach(function (s, si) {
      var color = COLORS[si % COLORS.length];
      var segs = [], cur = [];
      s.values.forEach(function (v, i) {
        if (v === null) { if (cur.length) segs.push(cur); cur = []; return; }
        var x = L + (W - L - R) * (n > 1 ? ((points[i].t - t0) / 1000) / span : 0);
        var y = T + (H - T - B) * (1 - v / max);
        cur.push(x.toFixed(1) + ',' + y.toFixed(1));
      });
      if (cur.length) segs.push(cur);
      segs.forEach(function (seg) {
        svg.appendChild(el('polyline', { points: seg.join(' '), class: 'series', stroke: color, 'data-series': s.name }));
      });
      svg.appendChild(el('rect', { x: lx, y: 6, width: 10, height: 10, fill: color }));
      var label = el('text', { x: lx + 14, y: 15, class: 'legend' }, s.name);
      svg.appendChild(label);
      lx += 24 + s.name.length * 7;
    });
    var any = series.some(function (s) { return s.values.some(function (v) { return v !== null; }); });
    if (!any) svg.appendChild(el('text', { x: (L + W - R) / 2, y: (T + H - B) / 2, 'text-anchor': 'middle', class: 'empty' }, 'no data from the scraped endpoints yet'));
    var first = series[0] ? series[0].values : [];
    var last = first.length ? first[first.length - 1] : null;
    svg.setAttribute('data-last', last === null ? '' : String(last));
    svg.setAttribute('data-points', String(n));
  }

  function render() {
    var produced = points.map(function (p) { return sum(p, 'rates', 'produced'); });
    var prodSeries = [{ name: 'all producers', values: produced }];
    var producing = targets.map(function (_, ti) {
      return points.some(function (p) { return p.targets[ti] && typeof p.targets[ti].values.produced === 'number'; });
    });
    if (producing.filter(Boolean).length > 1) {
      targets.forEach(function (url, ti) {
        if (!producing[ti]) return;
        prodSeries.push({ name: url.replace(/^https?:\\/\\//, '').replace(/\\/metrics$/, ''), values: points.map(function (p) {
          var v = p.targets[ti] && p.targets[ti].rates.produced; return typeof v === 'number' ? v : null; }) });
      });
    }
    draw(document.getElementById('chart-production'), prodSeries);
    var lastProd = produced.length ? produced[produced.length - 1] : null;
    document.getElementById('production-now').textContent = lastProd === null ? '–' : fmt(lastProd) + ' events/s';
    draw(document.getElementById('chart-pipeline'), ['published', 'consumed', 'acked'].map(function (k) {
      return { name: k, values: points.map(function (p) { return sum(p, 'rates', k); }) };
    }));
    draw(document.getElementById('chart-totals'), [['dead letters', 'deadLetters'], ['files', 'files'], ['lag', 'lag']].map(function (k) {
      return { name: k[0], values: points.map(function (p) { return sum(p, 'values', k[1]); }) };
    }));
    var tbody = document.querySelector('#targets tbody');
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    var lastPoint = points[points.length - 1];
    targets.forEach(function (url, ti) {
      var tp = lastPoint ? lastPoint.targets[ti] : undefined;
      var r = (tp && tp.rates) || {}, v = (tp && tp.values) || {};
      var cells = [url, tp ? (tp.up ? 'up' : 'down') : '…', fmt(v.experiments), fmt(r.produced), fmt(r.published),
        fmt(r.consumed), fmt(r.acked), fmt(v.lag), fmt(v.deadLetters), fmt(v.files), v.bytes === undefined ? '–' : bytes(v.bytes),
        fmt(v.workers), v.rss === undefined ? '–' : bytes(v.rss), r.cpu === undefined ? '–' : (r.cpu * 100).toFixed(0) + ' %'];
      var tr = document.createElement('tr');
      cells.forEach(function (c, ci) {
        var td = document.createElement('td');
        td.textContent = c;
        if (ci === 1 && tp) td.className = tp.up ? 'up' : 'down';
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  function connect() {
    var status = document.getElementById('status');
    var src = new EventSource('/events' + location.search);
    src.addEventListener('hello', function (e) {
      var d = JSON.parse(e.data);
      targets = d.targets;
      points = d.points.slice(-HISTORY);
      status.textContent = 'live';
      status.className = 'status live';
      render();
    });
    src.onmessage = function (e) {
      points.push(JSON.parse(e.data));
      if (points.length > HISTORY) points.shift();
      render();
    };
    src.onerror = function () {
      status.textContent = 'reconnecting…';
      status.className = 'status down';
    };
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', connect);
  else connect();
})();
`;
