// The status page's stylesheet and script, compiled into the binary: the page needs nothing but
// this process (no CDN, no font or chart library). The script fetches /api/status every 5 s and
// draws the charts as inline SVG.
#include "serve/status_page_assets.h"

namespace tc {

const char* const kStatusPageStyle = R"CSS(
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2330;--muted:#5a6272;--line:#dde1e7;--accent:#2f5bd3;
--ok:#1f7a3f;--warn:#9a5b00;--bad:#b3261e;--info:#2f5bd3;--track:#e7eaf0;
--c-built:#2f5bd3;--c-updated:#7b4fd6;--c-unchanged:#8fa3bf;--c-failed:#c9362b;--c-fresh:#3c9a5f;
--c-backoff:#c98a12;--c-abandoned:#6b7280;--shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.1)}
@media (prefers-color-scheme:dark){:root{--bg:#11141a;--card:#1a1f28;--ink:#e8ebf1;--muted:#a3abb9;
--line:#2c3340;--accent:#7da2ff;--ok:#5fcf8a;--warn:#f0b44c;--bad:#ff8a80;--info:#7da2ff;--track:#2c3340;
--c-built:#6f95ff;--c-updated:#b192ff;--c-unchanged:#7d8ea8;--c-failed:#ff6f61;--c-fresh:#5fcf8a;
--c-backoff:#f0b44c;--c-abandoned:#9aa3b2;--shadow:none}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.75rem 1.5rem;padding:.9rem 1.5rem;background:#1d2330;color:#f3f5f9}
header h1{font-size:1.15rem;margin:0;letter-spacing:.02em}
header .sched{color:#c9d1de;font-size:.9rem}
header code{color:#fff;background:rgba(255,255,255,.1);padding:.05rem .35rem;border-radius:4px}
header .spacer{flex:1}
header .live{font-size:.85rem;color:#c9d1de}
.dot{display:inline-block;width:.55rem;height:.55rem;border-radius:50%;background:#5fcf8a;margin-right:.35rem;vertical-align:middle}
.dot.stale{background:#f0b44c}
main{max-width:1280px;margin:0 auto;padding:1.25rem 1.5rem 2rem}
.grid{display:grid;gap:1rem}
.kpis{grid-template-columns:repeat(auto-fit,minmax(170px,1fr))}
.charts{grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem 1.1rem;box-shadow:var(--shadow);min-width:0}
.card h2{font-size:.95rem;margin:0 0 .6rem;color:var(--ink)}
.card h2 small{font-weight:normal;color:var(--muted)}
section{margin-top:1rem}
.kpi .label{color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.05em}
.kpi .value{font-size:1.6rem;font-weight:650;margin-top:.15rem;font-variant-numeric:tabular-nums}
.kpi .sub{color:var(--muted);font-size:.8rem}
.pill{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-size:.78rem;font-weight:600;border:1px solid currentColor}
.s-ok{color:var(--ok)}.s-degraded,.s-lost{color:var(--bad)}.s-aborted{color:var(--bad)}.s-interrupted{color:var(--warn)}.s-running{color:var(--info)}.s-idle{color:var(--muted)}
.progress{height:14px;background:var(--track);border-radius:7px;overflow:hidden;margin:.6rem 0}
.progress>div{height:100%;background:linear-gradient(90deg,var(--accent),#5f86f0);border-radius:7px;transition:width .6s ease}
.progress.unknown>div{width:35%!important;animation:slide 1.4s infinite linear}
@keyframes slide{from{margin-left:-35%}to{margin-left:100%}}
@media (prefers-reduced-motion:reduce){.progress>div{transition:none}.progress.unknown>div{animation:none}}
.chips{display:flex;flex-wrap:wrap;gap:.4rem .9rem;color:var(--muted);font-size:.85rem}
.chips b{color:var(--ink);font-variant-numeric:tabular-nums}
.sw{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{fill:var(--muted);font-size:11px}
svg.chart .grid-line{stroke:var(--line);stroke-width:1}
svg.chart .axis{stroke:var(--muted);stroke-width:1}
svg.chart .point-line{fill:none;stroke:var(--accent);stroke-width:2}
svg.chart .point{fill:var(--card);stroke:var(--accent);stroke-width:2}
.legend{display:flex;flex-wrap:wrap;gap:.3rem .9rem;font-size:.8rem;color:var(--muted);margin-top:.4rem}
.empty{color:var(--muted);font-style:italic;padding:1.5rem 0;text-align:center}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:.4rem .55rem;text-align:left;border-bottom:1px solid var(--line);white-space:nowrap}
th{font-size:.78rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em;font-weight:600}
td.num,th.num{text-align:right}
td.msg{white-space:normal;word-break:break-word;color:var(--muted);min-width:16rem}
.scroll{overflow-x:auto}
.reasons{list-style:none;margin:0;padding:0}
.reasons li{padding:.5rem .2rem;border-bottom:1px solid var(--line)}
.reasons li:last-child{border-bottom:0}
.reasons .why{display:block;color:var(--ink);margin-top:.15rem;word-break:break-word}
.banner{background:#fdecea;color:#8c1d18;border:1px solid #f3b8b2;border-radius:8px;padding:.6rem .9rem;margin-bottom:1rem}
@media (prefers-color-scheme:dark){.banner{background:#3a1d1b;color:#ffb4ab;border-color:#6b2b26}}
footer{color:var(--muted);font-size:.85rem;margin-top:1.5rem}
a{color:var(--accent)}
.hidden{display:none}
@media (max-width:640px){main{padding:1rem .75rem}header{padding:.8rem}.kpi .value{font-size:1.3rem}}
)CSS";

const char* const kStatusPageScript = R"JS(
(function () {
  'use strict';
  var REFRESH_MS = 5000;
  var SVGNS = 'http://www.w3.org/2000/svg';
  var OUTCOMES = [['built', 'var(--c-built)'], ['updated', 'var(--c-updated)'],
                  ['unchanged', 'var(--c-unchanged)'], ['failed', 'var(--c-failed)']];
  var CLASS_COLORS = {transient: '#c9362b', timeout: '#e07b39', network: '#d4a017',
    rate_limited: '#7b4fd6', rejected_token: '#2f5bd3', malformed: '#0f8b8d', store: '#6b7280',
    conflict: '#8fa3bf'};
  var EXTRA_COLORS = ['#a63d7a', '#4d7c0f', '#9a5b00', '#0369a1', '#be123c'];
  var renders = 0;
  var lastOk = 0;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAll(node, attrs);
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    setAll(node, attrs);
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function setAll(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, String(attrs[k]));
    });
  }
  function add(node, child) {
    if (child === null || child === undefined) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function $(id) { return document.getElementById(id); }
  function num(v) { return v === null || v === undefined ? '\u2013' : Number(v).toLocaleString('en-US'); }
  function secs(v) {
    if (v === null || v === undefined) return '\u2013';
    if (v < 60) return (Math.round(v * 10) / 10) + ' s';
    if (v < 3600) return Math.floor(v / 60) + ' min ' + Math.round(v % 60) + ' s';
    var h = Math.floor(v / 3600);
    return h + ' h ' + Math.round((v % 3600) / 60) + ' min';
  }
  // Axis labels: short.
  function shortSecs(v) {
    if (v < 120) return (Math.round(v * 10) / 10) + 's';
    if (v < 3600) return Math.round(v / 6) / 10 + 'm';
    return Math.round(v / 360) / 10 + 'h';
  }
  function shortNum(v) {
    if (v >= 1e6) return Math.round(v / 1e5) / 10 + 'M';
    if (v >= 1e4) return Math.round(v / 100) / 10 + 'k';
    return String(Math.round(v * 10) / 10);
  }
  function ago(iso) {
    if (!iso) return '\u2013';
    var d = (Date.now() - Date.parse(iso)) / 1000;
    if (isNaN(d)) return iso;
    if (d < 0) return 'in ' + secs(-d);
    return secs(d) + ' ago';
  }
  function statusPill(status) {
    return el('span', {'class': 'pill s-' + status, 'data-status': status}, status);
  }
  function classColor(name, index) {
    return CLASS_COLORS[name] || EXTRA_COLORS[index % EXTRA_COLORS.length];
  }

  // ---- charts: runs oldest first, one bar (or stack, or point) per run ----
  var W = 600, H = 200, PAD = {l: 48, r: 10, t: 10, b: 26};
  function scaleMax(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }
  function frame(node, max, fmt) {
    clear(node);
    node.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    var ih = H - PAD.t - PAD.b;
    for (var i = 0; i <= 4; i++) {
      var y = PAD.t + ih - ih * i / 4;
      node.appendChild(svg('line', {'class': 'grid-line', x1: PAD.l, x2: W - PAD.r, y1: y, y2: y}));
      node.appendChild(svg('text', {x: PAD.l - 6, y: y + 4, 'text-anchor': 'end'}, fmt(max * i / 4)));
    }
    node.appendChild(svg('line', {'class': 'axis', x1: PAD.l, x2: W - PAD.r, y1: PAD.t + ih, y2: PAD.t + ih}));
  }
  function slots(runs) {
    var iw = W - PAD.l - PAD.r;
    var step = iw / Math.max(runs.length, 1);
    return {step: step, width: Math.max(2, Math.min(36, step * 0.7)),
            x: function (i) { return PAD.l + step * i + step / 2; }};
  }
  function runLabels(node, runs, s) {
    var every = Math.ceil(runs.length / 8);
    runs.forEach(function (run, i) {
      if (i % every !== 0 && i !== runs.length - 1) return;
      var t = new Date(Date.parse(run.started_at));
      var label = isNaN(t) ? '' : ('0' + t.getHours()).slice(-2) + ':' + ('0' + t.getMinutes()).slice(-2);
      node.appendChild(svg('text', {x: s.x(i), y: H - 8, 'text-anchor': 'middle'}, label));
    });
  }
  function yOf(v, max) { var ih = H - PAD.t - PAD.b; return PAD.t + ih - ih * (v / max); }

  function barChart(node, runs, value, fmt, colorOf) {
    var max = scaleMax(Math.max.apply(null, runs.map(function (r) { return value(r) || 0; }).concat([0])));
    frame(node, max, shortSecs);
    var s = slots(runs);
    runs.forEach(function (run, i) {
      var v = value(run);
      if (v === null || v === undefined) return;
      var y = yOf(v, max);
      node.appendChild(svg('rect', {'class': 'bar', 'data-run': run.run_id, 'data-value': v,
        x: s.x(i) - s.width / 2, y: y, width: s.width, height: Math.max(0, yOf(0, max) - y),
        rx: 2, fill: colorOf(run)},
        svg('title', null, run.run_id + ': ' + fmt(v) + ' (' + run.status + ')')));
    });
    runLabels(node, runs, s);
  }

  function stackedChart(node, runs, keys, valueOf) {
    var totals = runs.map(function (r) {
      return keys.reduce(function (sum, k) { return sum + (valueOf(r, k[0]) || 0); }, 0);
    });
    var max = scaleMax(Math.max.apply(null, totals.concat([0])));
    frame(node, max, shortNum);
    var s = slots(runs);
    runs.forEach(function (run, i) {
      var g = svg('g', {'class': 'stack', 'data-run': run.run_id, 'data-total': totals[i]});
      var base = 0;
      var tip = [run.run_id];
      keys.forEach(function (k) {
        var v = valueOf(run, k[0]) || 0;
        tip.push(k[0] + ': ' + num(v));
        if (v <= 0) return;
        var y1 = yOf(base + v, max), y0 = yOf(base, max);
        g.appendChild(svg('rect', {'class': 'seg', 'data-key': k[0], 'data-value': v,
          x: s.x(i) - s.width / 2, y: y1, width: s.width, height: Math.max(0, y0 - y1), fill: k[1]}));
        base += v;
      });
      g.appendChild(svg('title', null, tip.join('\n')));
      node.appendChild(g);
    });
    runLabels(node, runs, s);
  }

  function lineChart(node, runs, value, fmt) {
    var known = runs.filter(function (r) { return value(r) !== null && value(r) !== undefined; });
    var max = scaleMax(Math.max.apply(null, known.map(value).concat([0])));
    frame(node, max, shortSecs);
    var s = slots(runs);
    var path = '';
    runs.forEach(function (run, i) {
      var v = value(run);
      if (v === null || v === undefined) return;
      path += (path ? 'L' : 'M') + s.x(i) + ' ' + yOf(v, max);
    });
    if (path) node.appendChild(svg('path', {'class': 'point-line', d: path}));
    runs.forEach(function (run, i) {
      var v = value(run);
      if (v === null || v === undefined) return;
      node.appendChild(svg('circle', {'class': 'point', 'data-run': run.run_id, 'data-value': v,
        cx: s.x(i), cy: yOf(v, max), r: 4}, svg('title', null, run.run_id + ': ' + fmt(v))));
    });
    runLabels(node, runs, s);
    return known.length;
  }

  function legend(id, items) {
    var node = $(id);
    clear(node);
    items.forEach(function (it) {
      node.appendChild(el('span', null, el('span', {'class': 'sw', style: 'background:' + it[1]}), it[0]));
    });
  }

  function statusColor(run) {
    return {ok: 'var(--accent)', degraded: 'var(--c-failed)', aborted: 'var(--c-failed)',
            lost: 'var(--c-failed)', interrupted: 'var(--c-backoff)'}[run.status] || 'var(--c-unchanged)';
  }

  function renderCharts(doc) {
    var runs = doc.runs.slice().reverse();
    var has = runs.length > 0;
    ['chart-duration', 'chart-outcomes', 'chart-failures', 'chart-cache-age'].forEach(function (id) {
      $(id).classList.toggle('hidden', !has);
    });
    $('charts-empty').classList.toggle('hidden', has);
    barChart($('chart-duration'), runs, function (r) { return r.duration_seconds; }, secs, statusColor);
    stackedChart($('chart-outcomes'), runs, OUTCOMES, function (r, k) { return r[k]; });
    legend('legend-outcomes', OUTCOMES);
    var classes = [];
    runs.forEach(function (r) {
      Object.keys(r.failures_by_class || {}).forEach(function (c) {
        if (classes.indexOf(c) < 0) classes.push(c);
      });
    });
    classes.sort();
    var classKeys = classes.map(function (c, i) { return [c, classColor(c, i)]; });
    stackedChart($('chart-failures'), runs, classKeys,
                 function (r, k) { return (r.failures_by_class || {})[k]; });
    legend('legend-failures', classKeys.length ? classKeys : [['no failures', 'var(--c-fresh)']]);
    var points = lineChart($('chart-cache-age'), runs, function (r) { return r.cache_oldest_age_seconds; }, secs);
    $('cache-age-empty').classList.toggle('hidden', points > 0 || !has);
  }

  // ---- sections ----
  function renderHeader(doc) {
    var sc = doc.schedule;
    var box = $('schedule');
    clear(box);
    add(box, [sc.mode === 'cron' ? 'Schedule ' : sc.mode + ' ', el('code', null, sc.cron), ' ',
      sc.timezone, ' \u00b7 next run ',
      el('span', {id: 'next-run', title: sc.next_run_at || ''}, !sc.next_run_at ? '\u2013' :
        Date.parse(sc.next_run_at) < Date.now() ? 'after this run' : ago(sc.next_run_at))]);
    if (sc.ticks_skipped) add(box, ' \u00b7 ' + sc.ticks_skipped + ' ticks skipped');
    var state = doc.store_error ? 'store down' : (doc.current_run ? 'running' : 'idle');
    var pill = $('state');
    pill.textContent = state;
    pill.className = 'pill ' + (doc.store_error ? 's-degraded' : doc.current_run ? 's-running' : 's-idle');
  }

  function renderKpis(doc) {
    var last = doc.runs.find(function (r) { return r.status !== 'running'; });
    var box = $('kpis');
    clear(box);
    function kpi(id, label, value, sub) {
      box.appendChild(el('div', {'class': 'card kpi', id: id},
        el('div', {'class': 'label'}, label), el('div', {'class': 'value'}, value),
        el('div', {'class': 'sub'}, sub || '')));
    }
    kpi('kpi-last-status', 'Last run', last ? statusPill(last.status) : '\u2013',
        last ? ago(last.finished_at || last.started_at) : 'no runs yet');
    kpi('kpi-last-duration', 'Duration', last ? secs(last.duration_seconds) : '\u2013',
        last ? num(last.users_seen) + ' users seen' : '');
    kpi('kpi-last-api', 'API requests', last ? num(last.api_requests) : '\u2013',
        last ? num(last.api_retries) + ' retries' : '');
    var f = doc.failures;
    kpi('kpi-persistent', 'Failing persistently', num(f.persistent_users) + (f.complete ? '' : '+'),
        f.persistent_after_runs + '+ runs in a row');
    kpi('kpi-one-off', 'One-off failures', num(f.one_off_users) + (f.complete ? '' : '+'),
        'retried next run');
  }

  function renderCurrent(doc) {
    var box = $('current');
    clear(box);
    var run = doc.current_run;
    if (!run) {
      add(box, [el('h2', null, 'Now'), el('p', {id: 'idle', 'class': 'empty'},
        'Idle. Next run ' + (doc.schedule.next_run_at ? ago(doc.schedule.next_run_at) : 'not scheduled here') + '.')]);
      return;
    }
    add(box, el('h2', null, 'Running ', el('code', {id: 'current-run-id'}, run.run_id),
      el('small', null, ' started ' + ago(run.started_at) + (run.shard ? ' \u00b7 shard ' + run.shard : '') +
        (run.dry_run ? ' \u00b7 dry run' : ''))));
    var known = run.progress !== null && run.progress !== undefined;
    var pct = known ? Math.round(run.progress * 1000) / 10 : null;
    var bar = el('div', {'class': 'progress' + (known ? '' : ' unknown'), id: 'run-progress', role: 'progressbar',
      'aria-valuemin': 0, 'aria-valuemax': run.users_total === null ? null : run.users_total,
      'aria-valuenow': run.users_done === null ? null : run.users_done,
      'data-done': run.users_done, 'data-total': run.users_total},
      el('div', {style: 'width:' + (known ? pct : 0) + '%'}));
    add(box, bar);
    if (run.source === 'store') {
      add(box, el('p', {'class': 'chips'}, 'Run by another process: progress is shown by that process only.'));
      return;
    }
    var chips = el('div', {'class': 'chips', id: 'run-progress-text'},
      el('span', null, el('b', {id: 'run-done'}, num(run.users_done)), ' / ',
        el('b', {id: 'run-total'}, num(run.users_total)), run.users_total_estimated ? ' (estimated)' : '',
        ' users', known ? ' \u00b7 ' + pct + ' %' : ''),
      el('span', null, el('b', {id: 'run-rate'}, run.users_per_second === null ? '\u2013' : num(run.users_per_second)), ' users/s'),
      el('span', null, 'ETA ', el('b', {id: 'run-eta'}, secs(run.eta_seconds))));
    Object.keys(run.outcomes || {}).forEach(function (k) {
      chips.appendChild(el('span', {'data-outcome': k}, k + ' ', el('b', null, num(run.outcomes[k]))));
    });
    add(box, chips);
  }

  function renderReasons(doc) {
    var list = $('reasons');
    clear(list);
    var stopped = doc.runs.filter(function (r) { return r.reason || r.status === 'lost'; });
    $('reasons-card').classList.toggle('hidden', stopped.length === 0);
    stopped.forEach(function (r) {
      list.appendChild(el('li', {'data-run': r.run_id}, statusPill(r.status), ' ', el('code', null, r.run_id),
        ' \u00b7 ' + ago(r.started_at),
        el('span', {'class': 'why'}, r.reason || 'the process died without recording an outcome')));
    });
  }

  var RUN_COLUMNS = ['users_seen', 'fresh', 'built', 'updated', 'unchanged', 'failed', 'skipped_backoff', 'api_requests'];
  function renderRuns(doc) {
    var body = $('runs-body');
    clear(body);
    doc.runs.forEach(function (r) {
      var row = el('tr', {'data-run': r.run_id},
        el('td', null, el('code', null, r.run_id)),
        el('td', {title: r.started_at}, ago(r.started_at)),
        el('td', null, statusPill(r.status)),
        el('td', {'class': 'num cell-duration'}, secs(r.duration_seconds)));
      RUN_COLUMNS.forEach(function (c) {
        row.appendChild(el('td', {'class': 'num cell-' + c, 'data-value': r[c]}, num(r[c])));
      });
      body.appendChild(row);
    });
    $('runs-empty').classList.toggle('hidden', doc.runs.length > 0);
  }

  function renderFailing(doc) {
    var body = $('failing-body');
    clear(body);
    doc.failing_users.forEach(function (u) {
      body.appendChild(el('tr', {'data-user': u.user_id},
        el('td', {'class': 'num'}, String(u.user_id)),
        el('td', {'class': 'num cell-failed-runs'}, num(u.failed_runs)),
        el('td', null, el('span', {'class': 'sw', style: 'background:' + classColor(u.last_error_class, 0)}), u.last_error_class),
        el('td', {title: u.last_attempt_at}, ago(u.last_attempt_at)),
        el('td', {title: u.next_attempt_at || ''}, u.next_attempt_at ? ago(u.next_attempt_at) : 'next run'),
        el('td', {'class': 'msg'}, u.last_error)));
    });
    var f = doc.failures;
    $('failing-count').textContent = num(f.persistent_users) + (f.complete ? '' : '+') + ' users, ' +
      doc.failing_users.length + ' shown';
    $('failing-empty').classList.toggle('hidden', doc.failing_users.length > 0);
  }

  function renderRefreshRequests(doc) {
    var r = doc.refresh_requests;
    $('refresh-requests-card').classList.toggle('hidden', !r);
    if (!r) return;
    var failed = Object.keys(r.failures_by_class).map(function (c) { return c + ' ' + r.failures_by_class[c]; });
    $('refresh-requests').textContent = num(r.due) + ' due' +
      (r.oldest_due_age_seconds === null ? '' : ', the oldest waiting ' + secs(r.oldest_due_age_seconds)) +
      ' \u00b7 last poll ' + (r.last_poll_at ? ago(r.last_poll_at) : 'none yet') +
      (r.last_error ? ' (failed: ' + r.last_error + ')' : '') +
      ' \u00b7 since start: ' + num(r.rows_processed) + ' rows processed, ' + num(r.users_refreshed) +
      ' users refreshed, ' + num(r.users_without_token) + ' without a token, ' + num(r.users_failed) +
      ' failed' + (failed.length ? ' (' + failed.join(', ') + ')' : '') + ', ' +
      num(r.users_in_backoff) + ' deferred by backoff';
  }

  function render(doc) {
    $('banner').classList.toggle('hidden', !doc.store_error);
    $('banner').textContent = doc.store_error ? 'Cache store unavailable: ' + doc.store_error : '';
    renderHeader(doc);
    renderKpis(doc);
    renderCurrent(doc);
    renderCharts(doc);
    renderRefreshRequests(doc);
    renderReasons(doc);
    renderRuns(doc);
    renderFailing(doc);
    renders += 1;
    document.body.setAttribute('data-generated-at', doc.generated_at);
    document.body.setAttribute('data-renders', renders);
  }

  function tickLive() {
    var fresh = Date.now() - lastOk < 3 * REFRESH_MS;
    $('live-dot').className = 'dot' + (fresh ? '' : ' stale');
    $('live-text').textContent = fresh ? 'live, every ' + REFRESH_MS / 1000 + ' s'
                                       : 'cannot reach ticketcache; retrying';
  }

  function refresh() {
    fetch('api/status', {cache: 'no-store'})
      .then(function (r) { return r.json(); })
      .then(function (doc) { lastOk = Date.now(); render(doc); })
      .catch(function () {})
      .then(function () { tickLive(); setTimeout(refresh, REFRESH_MS); });
  }

  document.getElementById('ssr').classList.add('hidden');
  document.getElementById('app').classList.remove('hidden');
  try {
    lastOk = Date.now();
    render(JSON.parse(document.getElementById('initial-status').textContent));
  } catch (e) { /* the first fetch draws it */ }
  tickLive();
  setTimeout(refresh, REFRESH_MS);
})();
)JS";

const char* const kStatusPageBody = R"HTML(
<div id="app" class="hidden">
<div id="banner" class="banner hidden" role="alert"></div>
<section class="grid kpis" id="kpis" aria-label="Last run and failures"></section>
<section class="card" id="current" aria-live="polite"></section>
<section class="grid charts">
  <div class="card"><h2>Run duration <small>last runs, oldest left</small></h2>
    <svg class="chart" id="chart-duration" role="img" aria-label="Run duration per run"></svg>
    <p id="charts-empty" class="empty hidden">No runs recorded yet.</p></div>
  <div class="card"><h2>Users refreshed <small>built, updated, unchanged, failed</small></h2>
    <svg class="chart" id="chart-outcomes" role="img" aria-label="Users by outcome per run"></svg>
    <div class="legend" id="legend-outcomes"></div></div>
  <div class="card"><h2>Failures by class <small>users per run</small></h2>
    <svg class="chart" id="chart-failures" role="img" aria-label="Failed users by error class per run"></svg>
    <div class="legend" id="legend-failures"></div></div>
  <div class="card"><h2>Oldest stale cache <small>age at the end of each run</small></h2>
    <svg class="chart" id="chart-cache-age" role="img" aria-label="Oldest cache age per run"></svg>
    <p id="cache-age-empty" class="empty hidden">These runs recorded no cache ages.</p></div>
</section>
<section class="card hidden" id="refresh-requests-card"><h2>Refresh requests <small>from the portal's table</small></h2><p id="refresh-requests"></p></section>
<section class="card hidden" id="reasons-card"><h2>Runs that stopped early</h2><ul class="reasons" id="reasons"></ul></section>
<section class="card"><h2>Recent runs</h2><div class="scroll"><table id="runs-table">
  <thead><tr><th>run</th><th>started</th><th>status</th><th class="num">duration</th><th class="num">seen</th>
  <th class="num">fresh</th><th class="num">built</th><th class="num">updated</th><th class="num">unchanged</th>
  <th class="num">failed</th><th class="num">backoff</th><th class="num">API calls</th></tr></thead>
  <tbody id="runs-body"></tbody></table></div><p id="runs-empty" class="empty hidden">No runs recorded yet.</p></section>
<section class="card"><h2>Users failing persistently <small id="failing-count"></small></h2><div class="scroll"><table id="failing-table">
  <thead><tr><th class="num">user</th><th class="num">failed runs</th><th>last class</th><th>last attempt</th>
  <th>next attempt</th><th>last error</th></tr></thead><tbody id="failing-body"></tbody></table></div>
  <p id="failing-empty" class="empty hidden">Nobody is failing persistently.</p></section>
</div>
)HTML";

}  // namespace tc
