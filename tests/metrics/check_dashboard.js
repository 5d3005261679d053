// Checks the Grafana dashboard and the alert rules against the metrics ticketcache exports:
// the dashboard is well-formed JSON with a panel (and query) for each thing an operator looks
// at, and every metric a panel or an alert uses exists in the rendered metrics.
// Usage: node check_dashboard.js DASHBOARD_JSON RULES_YML METRICS_SAMPLE_BINARY
'use strict';
const fs = require('fs');
const { execFileSync } = require('child_process');

const [dashboardPath, rulesPath, sampleBinary] = process.argv.slice(2);
const problems = [];

// Metric names the exporter renders, with the series names of histograms.
const exported = new Set();
for (const scope of ['daemon', 'textfile']) {
  const text = execFileSync(sampleBinary, [scope], { encoding: 'utf8' });
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(match[1]);
    if (match[2] === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) exported.add(match[1] + suffix);
    }
  }
}

function metricNames(expr) {
  return [...expr.matchAll(/\b((?:ticketcache|process)_[a-z_]+)\b/g)].map((m) => m[1]);
}

let dashboard;
try {
  dashboard = JSON.parse(fs.readFileSync(dashboardPath, 'utf8'));
} catch (error) {
  console.error(`${dashboardPath}: not JSON: ${error.message}`);
  process.exit(1);
}
if (dashboard.uid !== 'ticketcache') problems.push('dashboard uid is not "ticketcache"');
const variables = (dashboard.templating?.list ?? []).map((v) => v.name);
for (const name of ['datasource', 'job', 'instance']) {
  if (!variables.includes(name)) problems.push(`no template variable ${name}`);
}

const panels = (dashboard.panels ?? []).filter((p) => p.type !== 'row');
const ids = new Set();
const exprs = [];
for (const panel of panels) {
  if (ids.has(panel.id)) problems.push(`duplicate panel id ${panel.id}`);
  ids.add(panel.id);
  const grid = panel.gridPos ?? {};
  if (!(grid.w > 0 && grid.h > 0 && grid.x >= 0 && grid.x + grid.w <= 24)) {
    problems.push(`panel "${panel.title}": bad gridPos ${JSON.stringify(grid)}`);
  }
  if (!panel.targets?.length) problems.push(`panel "${panel.title}" has no query`);
  for (const target of panel.targets ?? []) {
    if (!target.expr) problems.push(`panel "${panel.title}": a target without expr`);
    exprs.push({ where: `panel "${panel.title}"`, expr: target.expr ?? '' });
  }
}

// Every single-value panel says at a glance whether its value is fine: thresholds with a base
// step (value null) and at least one more for a value panel, in ascending order, coloured by them.
for (const panel of panels.filter((p) => ['stat', 'gauge', 'bargauge'].includes(p.type))) {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const steps = defaults.thresholds?.steps ?? [];
  if (!steps.length || steps[0].value !== null) {
    problems.push(`${panel.type} panel "${panel.title}": no thresholds with a base step`);
    continue;
  }
  for (let i = 2; i < steps.length; i++) {
    if (!(steps[i].value > steps[i - 1].value)) {
      problems.push(`${panel.type} panel "${panel.title}": threshold steps not ascending`);
    }
  }
  if (panel.type === 'stat' && steps.length < 2) {
    problems.push(`stat panel "${panel.title}": thresholds need a step above the base`);
  }
  if (defaults.color?.mode !== 'thresholds') {
    problems.push(`${panel.type} panel "${panel.title}": not coloured by its thresholds`);
  }
}

// What an operator must find on the dashboard: a panel title and a metric its queries use.
const expected = [
  ['Runs by status', 'ticketcache_runs_total'],
  ['Run duration', 'ticketcache_run_duration_seconds_bucket'],
  ['Users by outcome', 'ticketcache_users_total'],
  ['Failures by class', 'ticketcache_user_failures_total'],
  ['API requests by result', 'ticketcache_api_requests_total'],
  ['API latency', 'ticketcache_api_request_duration_seconds_bucket'],
  ['Circuit breaker state', 'ticketcache_circuit_breaker_state'],
  ['Oldest cache age vs TTL', 'ticketcache_oldest_cache_timestamp_seconds'],
  ['Oldest cache age vs TTL', 'ticketcache_cache_ttl_seconds'],
  ['Stale caches', 'ticketcache_stale_caches'],
  ['Current run', 'ticketcache_run_users'],
  ['Run in progress', 'ticketcache_run_in_progress'],
  ['Last success', 'ticketcache_last_success_timestamp_seconds'],
];
for (const [title, metric] of expected) {
  const found = panels.some(
    (p) => p.title === title && (p.targets ?? []).some((t) => metricNames(t.expr ?? '').includes(metric)));
  if (!found) problems.push(`no panel "${title}" querying ${metric}`);
}

// Alert expressions: the lines after `expr:` (one line or a `|` block).
const rules = fs.readFileSync(rulesPath, 'utf8').split('\n');
let alerts = 0;
for (let i = 0; i < rules.length; i++) {
  const match = rules[i].match(/^(\s*)expr:\s*(.*)$/);
  if (!match) continue;
  alerts++;
  let expr = match[2];
  if (expr === '|') {
    expr = '';
    for (let j = i + 1; j < rules.length && rules[j].startsWith(match[1] + '  '); j++) expr += rules[j];
  }
  exprs.push({ where: `rule at line ${i + 1}`, expr });
}
if (alerts < 8) problems.push(`expected 8 alert expressions in ${rulesPath}, found ${alerts}`);

for (const { where, expr } of exprs) {
  for (const name of metricNames(expr)) {
    if (!exported.has(name)) problems.push(`${where} uses ${name}, which ticketcache does not export`);
  }
}

if (problems.length) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log(`dashboard: ${panels.length} panels, ${exprs.length} queries and alert expressions; ` +
            `every metric they use is exported`);
