// The orbitlake dashboard page: polls the server's JSON endpoints (server.h) and draws
// one uPlot chart per numeric column, one series per group (device/satellite).
// New points arrive incrementally: each table remembers the last table version it has
// and asks only for what came after it (/api/series?since=V).
'use strict';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
                 '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd'];
const WAITING_POLL_S = 5;  // a table that does not exist yet is looked for this often, refresh on or off
const STALE_AFTER_S = 60;  // a last commit older than this is flagged: the table stopped growing

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
const fmtNum = (v) => v === null || v === undefined ? '–'
  : (Math.abs(v) >= 1000 || Number.isInteger(v) ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
const fmtAge = (s) => s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
const fmtTime = (ms) => new Date(ms).toLocaleString();

const haveChartLib = typeof uPlot !== 'undefined';
const tables = [];  // per table: {index, location, section, version, layoutKey, data, charts, ...}
let refreshS = 0;
let lastRefresh = 0;
let busy = false;

function windowMs() {
  const r = $('range').value;
  if (r === 'custom') {
    const from = Date.parse($('from').value), to = Date.parse($('to').value);
    if (!isFinite(from) || !isFinite(to) || to <= from) return null;
    return {from, to, live: false};
  }
  const now = Date.now();
  return {from: now - Number(r) * 1000, to: null, live: true};
}

function problem(text) {
  $('problem').hidden = !text;
  $('problem').textContent = text || '';
}

function tableSection(t) {
  const s = el('section', {class: 'table', id: `table-${t.index}`, 'data-version': '-1', 'data-state': 'loading'});
  s.append(el('h2', {}, t.location));
  t.status = el('div', {class: 'status'}, 'loading…');
  t.health = el('div', {class: 'health'});
  t.healthCharts = el('div', {class: 'charts'});
  t.offsets = el('details', {}, '');
  t.offsets.append(el('summary', {}, 'Kafka offsets per partition (txn actions)'));
  t.chartBox = el('div', {class: 'charts'});
  s.append(t.status, t.health, t.offsets, t.healthCharts, t.chartBox);
  return s;
}

function resetData(t) {
  t.version = -1;
  t.data = {};  // column -> group -> {t: [s], v: []}
  for (const c of Object.values(t.charts || {})) c.plot && c.plot.destroy();
  t.charts = {};
  t.chartBox.replaceChildren();
}

function layoutKey(l) {
  return [l.time_column, l.group_column, ...l.value_columns].join('|');
}

// Appends a series answer to what the table has, drops points older than the window.
function merge(t, answer, win) {
  if (answer.full) for (const col of Object.keys(t.data)) t.data[col] = {};
  for (const c of answer.columns) {
    const byGroup = t.data[c.column] || (t.data[c.column] = {});
    for (const s of c.series) {
      const g = byGroup[s.group] || (byGroup[s.group] = {t: [], v: []});
      for (let i = 0; i < s.t.length; i++) {
        g.t.push(s.t[i] / 1000);
        g.v.push(s.v[i]);
      }
      // An incremental piece can reach back before what the series has (late events).
      const start = g.t.length - s.t.length;
      if (start > 0 && start < g.t.length && g.t[start] < g.t[start - 1]) {
        const idx = g.t.map((_, k) => k).sort((a, b) => g.t[a] - g.t[b]);
        g.t = idx.map((k) => g.t[k]);
        g.v = idx.map((k) => g.v[k]);
      }
    }
  }
  const fromS = win.from / 1000;
  for (const byGroup of Object.values(t.data)) {
    for (const g of Object.values(byGroup)) {
      let cut = 0;
      while (cut < g.t.length && g.t[cut] < fromS) cut++;
      if (cut) { g.t.splice(0, cut); g.v.splice(0, cut); }
    }
  }
}

function makeChart(title, yLabel, seriesNames, width) {
  const opts = {
    title, width, height: 260,
    scales: {x: {time: true}},
    axes: [{label: 'time (local)'}, {label: yLabel, size: 70}],
    series: [{label: 'time'}, ...seriesNames.map((n, i) => ({
      label: n, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true, points: {show: false}}))],
    legend: {live: true},
  };
  return opts;
}

function draw(t, win) {
  const layout = t.layout;
  for (const col of layout.value_columns) {
    const byGroup = t.data[col] || {};
    const groups = Object.keys(byGroup).sort((a, b) => a.localeCompare(b, undefined, {numeric: true}));
    let c = t.charts[col];
    if (!c) {
      const box = el('div', {class: 'chart', 'data-column': col});
      const unit = layout.units[col];
      box.append(el('h3', {}, unit ? `${col} (${unit})` : col));
      const plotDiv = el('div', {class: 'plot'});
      const latest = el('table', {class: 'small latest'});
      const details = el('details', {});
      details.append(el('summary', {}, 'latest point per series'), latest);
      box.append(plotDiv, details);
      t.chartBox.append(box);
      c = t.charts[col] = {box, plotDiv, latest, groups: null, plot: null};
    }
    const xs = win.to ? [win.from / 1000, win.to / 1000] : [win.from / 1000, Date.now() / 1000];
    const aligned = groups.length ? uPlot.join(groups.map((g) => [byGroup[g].t, byGroup[g].v])) : [[], []];
    if (haveChartLib) {
      const same = c.groups && c.groups.join('\u0000') === groups.join('\u0000');
      if (!same) {
        if (c.plot) c.plot.destroy();
        const unit = layout.units[col];
        const width = Math.max(360, (c.box.clientWidth || 600) - 10);
        c.plot = new uPlot(makeChart('', unit ? `${col} (${unit})` : col, groups.length ? groups : ['(no points)'], width),
                           groups.length ? aligned : [[], []], c.plotDiv);
        c.groups = groups;
      } else {
        c.plot.setData(aligned, false);
      }
      c.plot.setScale('x', {min: xs[0], max: xs[1]});
    }
    // The newest point of each series, as text: for people, and what the browser test reads.
    const rows = [el('tr', {}, '')];
    rows[0].append(el('th', {}, t.layout.group_column || 'series'), el('th', {}, 'time'), el('th', {}, col));
    for (const g of groups) {
      const s = byGroup[g];
      if (!s.t.length) continue;
      const last = s.t.length - 1;
      const tr = el('tr', {class: 'latest-row', 'data-column': col, 'data-group': g,
                           'data-t': String(Math.round(s.t[last] * 1000)), 'data-v': String(s.v[last])});
      tr.append(el('td', {}, g), el('td', {}, fmtTime(s.t[last] * 1000)), el('td', {}, fmtNum(s.v[last])));
      rows.push(tr);
    }
    c.latest.replaceChildren(...rows);
  }
}

function card(k, v, cls) {
  const c = el('div', {class: 'card'});
  c.append(el('div', {class: 'k'}, k), el('div', {class: 'v' + (cls ? ' ' + cls : '')}, v));
  return c;
}

function drawHealth(t, h) {
  t.lastCommitMs = h.last_commit_ms;
  const lat = h.latency_ms;
  const lastRows = h.commits.length ? h.commits[h.commits.length - 1].rows : null;
  const q = h.quarantine;
  const cards = [
    card('table version', fmtNum(h.version)),
    card('rows / files', `${fmtNum(h.rows)} / ${fmtNum(h.files)}`),
    card(`commits per minute (last ${Math.round(h.rate_window_s / 60)} min)`,
         h.commits_per_minute === null ? '–' : h.commits_per_minute.toFixed(1)),
    card('rows in last commit', fmtNum(lastRows)),
    card('produce → commit p50 / p90', lat ? `${fmtNum(lat.p50)} / ${fmtNum(lat.p90)} ms` : 'no kafka_timestamp'),
    card('produce → commit p99 / max', lat ? `${fmtNum(lat.p99)} / ${fmtNum(lat.max)} ms` : '–'),
  ];
  t.ageCard = card('last commit', '–');
  cards.push(t.ageCard);
  if (q) cards.push(card('quarantined rows', q.exists ? fmtNum(q.rows) : 'none (no quarantine table)'));
  t.health.replaceChildren(...cards);
  updateAge(t);

  const offs = el('table', {class: 'small'});
  const head = el('tr');
  head.append(el('th', {}, 'topic'), el('th', {}, 'partition'), el('th', {}, 'offset'), el('th', {}, 'updated'));
  offs.append(head);
  for (const o of h.offsets) {
    const tr = el('tr', {class: 'offset-row'});
    tr.append(el('td', {}, o.topic ?? o.app_id), el('td', {}, o.partition ?? '–'), el('td', {}, fmtNum(o.offset)),
              el('td', {}, o.last_updated ?? '–'));
    offs.append(tr);
  }
  t.offsets.replaceChildren(t.offsets.firstChild, h.offsets.length ? offs : el('p', {class: 'muted'}, 'no txn actions'));

  if (!haveChartLib) return;
  const commits = h.commits.filter((c) => c.t > 0);
  const xs = commits.map((c) => c.t / 1000);
  const specs = [
    ['rows per commit', 'rows', [['rows', commits.map((c) => c.rows)]]],
    ['produce → commit latency per commit', 'latency (ms)',
     [['p50', commits.map((c) => c.latency_p50_ms)], ['p99', commits.map((c) => c.latency_p99_ms)]]],
  ];
  t.healthPlots = t.healthPlots || [];
  specs.forEach(([title, yLabel, series], i) => {
    const data = [xs, ...series.map((s) => s[1])];
    if (!t.healthPlots[i]) {
      const box = el('div', {class: 'chart'});
      box.append(el('h3', {}, title));
      const div = el('div');
      box.append(div);
      t.healthCharts.append(box);
      const opts = makeChart('', yLabel, series.map((s) => s[0]), Math.max(360, (box.clientWidth || 600) - 10));
      opts.height = 160;
      opts.series.forEach((s, k) => { if (k) s.points = {show: true}; });
      t.healthPlots[i] = new uPlot(opts, data, div);
    } else {
      t.healthPlots[i].setData(data);
    }
  });
}

function updateAge(t) {
  if (!t.ageCard || !t.lastCommitMs) return;
  const age = (Date.now() - t.lastCommitMs) / 1000;
  const v = t.ageCard.querySelector('.v');
  const stale = age > STALE_AFTER_S;
  v.textContent = `${fmtAge(Math.max(0, age))} ago` + (stale ? ' (not growing)' : '');
  v.className = 'v' + (stale ? ' stale' : '');
  t.section.setAttribute('data-last-commit-age-s', String(Math.round(age)));
}

async function getJson(url) {
  const r = await fetch(url, {cache: 'no-store'});
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

async function refreshTable(t, win) {
  const chartWidth = 800;
  const q = new URLSearchParams({table: t.index, since: t.version, from: Math.floor(win.from),
                                 buckets: chartWidth});
  if (win.to) q.set('to', Math.floor(win.to));
  const a = await getJson(`/api/series?${q}`);
  t.state = a.state;
  t.section.setAttribute('data-state', a.state);
  if (a.state !== 'ok') {
    t.status.className = `status ${a.state}`;
    t.status.textContent = a.state === 'waiting'
      ? `Waiting for ${t.location} to appear (checked every ${WAITING_POLL_S} s): ${a.message}`
      : `Cannot read ${t.location}: ${a.message}`;
    resetData(t);
    t.health.replaceChildren();
    return;
  }
  const key = layoutKey(a.layout);
  if (key !== t.layoutKey || a.version < t.version) {  // schema changed, or a recreated table
    resetData(t);
    t.layoutKey = key;
    if (a.version < t.version || !a.full) return refreshTable(t, win);
  }
  t.layout = a.layout;
  if (!a.layout.time_column || !a.layout.value_columns.length) {
    t.status.className = 'status error';
    t.status.textContent = (!a.layout.time_column ? 'No timestamp column to chart against' : 'No numeric columns to chart')
      + ` in ${t.location} (columns: ${a.layout.all_columns.join(', ')}). Pick columns with --columns.`;
  } else {
    t.status.className = 'status';
    const groups = a.layout.group_column ? `one line per ${a.layout.group_column}` : 'one series';
    t.status.textContent = `version ${a.version}; ${a.layout.value_columns.length} numeric column(s) by ` +
      `${a.layout.time_column}, ${groups}; last read: ${a.files_read} new file(s), ${fmtNum(a.rows_read)} rows`;
  }
  merge(t, a, win);
  t.version = a.version;
  t.section.setAttribute('data-version', String(a.version));
  t.section.setAttribute('data-files-read', String(a.files_read));
  draw(t, win);
  const h = await getJson(`/api/health?table=${t.index}`);
  if (h.state === 'ok') drawHealth(t, h);
}

async function refreshMetrics(info) {
  if (!info.metrics_url) return;
  const m = await getJson('/api/metrics');
  $('metrics').hidden = false;
  $('metrics-url').textContent = m.url;
  if (!m.ok) {
    $('metrics-body').replaceChildren(el('p', {class: 'status error'}, m.error));
    return;
  }
  const tbl = el('table', {class: 'small'});
  for (const s of m.samples) {
    const tr = el('tr', {class: 'metric-row'});
    tr.append(el('td', {}, s.name), el('td', {}, s.value));
    tbl.append(tr);
  }
  $('metrics-body').replaceChildren(tbl);
}

let info = null;
async function refreshAll() {
  if (busy) return;
  busy = true;
  lastRefresh = Date.now();
  try {
    const win = windowMs();
    if (!win) { problem('Custom range: pick a start and an end after it.'); return; }
    if (haveChartLib) problem('');
    for (const t of tables) {
      try {
        await refreshTable(t, win);
      } catch (e) {
        t.status.className = 'status error';
        t.status.textContent = `Cannot reach the dashboard server: ${e.message}`;
      }
    }
    await refreshMetrics(info).catch((e) => problem(`metrics: ${e.message}`));
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.setAttribute('data-refreshes', String(Number(document.body.getAttribute('data-refreshes') || 0) + 1));
  } finally {
    busy = false;
  }
}

function tick() {
  for (const t of tables) updateAge(t);
  const since = (Date.now() - lastRefresh) / 1000;
  const waiting = tables.some((t) => t.state === 'waiting');
  if ((refreshS > 0 && since >= refreshS) || (waiting && since >= WAITING_POLL_S)) refreshAll();
}

async function main() {
  if (!haveChartLib) {
    problem('The chart library (uPlot) is missing from this orbitlake build: run scripts/setup (or ' +
            'scripts/vendor-uplot), then rebuild. Values are still listed under each chart.');
    window.uPlot = {join: (tbls) => {  // enough of uPlot.join for the value tables
      const xs = [...new Set(tbls.flatMap((t) => t[0]))].sort((a, b) => a - b);
      return [xs, ...tbls.map((t) => { const m = new Map(t[0].map((x, i) => [x, t[1][i]])); return xs.map((x) => m.get(x) ?? null); })];
    }};
  }
  info = await getJson('/api/info');
  $('uplot-version').textContent = info.uplot || '(missing)';
  // ?range=300|3600|86400 and ?refresh=0|5|60 preselect the pickers (links, screenshots).
  const params = new URLSearchParams(location.search);
  refreshS = params.has('refresh') ? Number(params.get('refresh')) : info.refresh_s;
  $('refresh').value = String(refreshS);
  if (['300', '3600', '86400'].includes(params.get('range'))) $('range').value = params.get('range');
  $('loading').remove();
  info.tables.forEach((location, index) => {
    const t = {index, location, version: -1, data: {}, charts: {}, layoutKey: null};
    t.section = tableSection(t);
    $('tables').append(t.section);
    tables.push(t);
  });
  $('range').addEventListener('change', () => {
    $('custom-range').hidden = $('range').value !== 'custom';
    if ($('range').value === 'custom') {
      const pad = (d) => new Date(d - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 19);
      if (!$('from').value) $('from').value = pad(Date.now() - 3600e3);
      if (!$('to').value) $('to').value = pad(Date.now());
      return;
    }
    for (const t of tables) resetData(t);
    refreshAll();
  });
  $('apply-range').addEventListener('click', () => { for (const t of tables) resetData(t); refreshAll(); });
  $('refresh').addEventListener('change', () => { refreshS = Number($('refresh').value); });
  $('refresh-now').addEventListener('click', refreshAll);
  await refreshAll();
  setInterval(tick, 1000);
}

main().catch((e) => problem(`The dashboard could not start: ${e.message}`));
