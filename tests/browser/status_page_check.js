// Loads serve's status page in Debian's headless Chromium (playwright-core) and checks it against
// /api/status: the numbers rendered, one bar / stack / point per run in the charts, the current
// run's progress bar, the failing users, the reasons of runs that stopped early; that the page
// redraws itself from /api/status; that it sends no request beyond the daemon; and saves a
// screenshot. Run by the ctest status_page_browser_test:
//   node status_page_check.js http://127.0.0.1:PORT /path/to/screenshot.png
'use strict';

const { chromium } = require('playwright-core');

const [baseUrl, screenshotPath] = process.argv.slice(2);
const failures = [];
let passed = 0;

function check(condition, what) {
  if (condition) {
    passed += 1;
  } else {
    failures.push(what);
    console.log('FAIL ' + what);
  }
}
function equal(actual, expected, what) {
  check(actual === expected, `${what}: page shows ${JSON.stringify(actual)}, /api/status says ${JSON.stringify(expected)}`);
}
// How the page writes a count.
function num(v) {
  return v === null || v === undefined ? '\u2013' : Number(v).toLocaleString('en-US');
}
function isLocal(url) {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'about:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const requested = [];
    const blocked = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requested.push(url);
      if (isLocal(url)) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });

    await page.goto(baseUrl + '/', { waitUntil: 'load' });
    await page.waitForSelector('body[data-renders]');
    // The first redraw from /api/status (every 5 s): the page stays live on its own.
    await page.waitForFunction(() => Number(document.body.dataset.renders) >= 2, null, { timeout: 20000 });
    await page.waitForSelector('#chart-duration rect.bar');

    const api = await (await fetch(baseUrl + '/api/status')).json();
    const runs = api.runs;
    check(runs.length >= 5, `at least 5 runs in the history (got ${runs.length})`);

    // Runs table: one row per run, every count as the API gives it.
    const rows = await page.$$eval('#runs-body tr', (trs) => trs.map((tr) => ({
      run: tr.dataset.run,
      status: tr.querySelector('[data-status]').dataset.status,
      cells: Object.fromEntries([...tr.querySelectorAll('td[class*="cell-"]')].map((td) =>
        [td.className.replace(/.*cell-/, ''), td.textContent])),
    })));
    equal(rows.length, runs.length, 'rows in the runs table');
    runs.forEach((run, i) => {
      const row = rows[i] || { cells: {} };
      equal(row.run, run.run_id, `run of row ${i}`);
      equal(row.status, run.status, `status of ${run.run_id}`);
      for (const field of ['users_seen', 'fresh', 'built', 'updated', 'unchanged', 'failed', 'skipped_backoff', 'api_requests']) {
        equal(row.cells[field], num(run[field]), `${field} of ${run.run_id}`);
      }
    });

    // Charts, oldest run first: one bar per finished run, one stack per run.
    const chronological = runs.slice().reverse();
    const bars = await page.$$eval('#chart-duration rect.bar', (rs) => rs.map((r) => [r.dataset.run, Number(r.dataset.value)]));
    const finished = chronological.filter((r) => r.duration_seconds !== null);
    equal(bars.length, finished.length, 'bars in the duration chart');
    finished.forEach((run, i) => {
      equal(bars[i] && bars[i][0], run.run_id, `duration bar ${i}`);
      equal(bars[i] && bars[i][1], run.duration_seconds, `duration of ${run.run_id}`);
    });
    const stacks = await page.$$eval('#chart-outcomes g.stack', (gs) => gs.map((g) => ({
      run: g.dataset.run,
      segs: Object.fromEntries([...g.querySelectorAll('rect.seg')].map((r) => [r.dataset.key, Number(r.dataset.value)])),
    })));
    equal(stacks.length, chronological.length, 'stacks in the outcomes chart');
    chronological.forEach((run, i) => {
      const stack = stacks[i] || { segs: {} };
      equal(stack.run, run.run_id, `outcome stack ${i}`);
      for (const key of ['built', 'updated', 'unchanged', 'failed']) {
        equal(stack.segs[key] || 0, run[key] || 0, `${key} segment of ${run.run_id}`);
      }
    });
    const failureStacks = await page.$$eval('#chart-failures g.stack', (gs) => gs.map((g) =>
      Object.fromEntries([...g.querySelectorAll('rect.seg')].map((r) => [r.dataset.key, Number(r.dataset.value)]))));
    equal(failureStacks.length, chronological.length, 'stacks in the failures-by-class chart');
    chronological.forEach((run, i) => {
      const sorted = (o) => JSON.stringify(Object.entries(o || {}).filter(([, v]) => v > 0).sort());
      equal(sorted(failureStacks[i]), sorted(run.failures_by_class), `failures by class of ${run.run_id}`);
    });
    const points = await page.$$eval('#chart-cache-age circle.point', (cs) => cs.length);
    equal(points, chronological.filter((r) => r.cache_oldest_age_seconds !== null).length, 'points in the cache-age chart');

    // Failures: the counts and every persistently failing user.
    const kpi = async (id) => page.$eval(`#${id} .value`, (n) => n.textContent);
    const plus = api.failures.complete ? '' : '+';
    equal(await kpi('kpi-persistent'), num(api.failures.persistent_users) + plus, 'users failing persistently');
    equal(await kpi('kpi-one-off'), num(api.failures.one_off_users) + plus, 'one-off failures');
    const failing = await page.$$eval('#failing-body tr', (trs) => trs.map((tr) => ({
      user: Number(tr.dataset.user),
      runs: tr.querySelector('.cell-failed-runs').textContent,
      message: tr.querySelector('.msg').textContent,
    })));
    equal(failing.length, api.failing_users.length, 'rows of failing users');
    api.failing_users.forEach((user, i) => {
      const row = failing[i] || {};
      equal(row.user, user.user_id, `failing user ${i}`);
      equal(row.runs, num(user.failed_runs), `failed runs of user ${user.user_id}`);
      equal(row.message, user.last_error, `last error of user ${user.user_id}`);
    });

    // Why runs stopped early.
    const reasons = await page.$$eval('#reasons li', (lis) => lis.map((li) => [li.dataset.run, li.querySelector('.why').textContent]));
    const stopped = runs.filter((r) => r.reason || r.status === 'lost');
    equal(reasons.length, stopped.length, 'runs listed with a reason');
    stopped.forEach((run, i) => {
      if (run.reason) equal(reasons[i] && reasons[i][1], run.reason, `reason of ${run.run_id}`);
    });

    // The current run and its progress bar.
    const current = api.current_run;
    if (current) {
      equal(await page.$eval('#current-run-id', (n) => n.textContent), current.run_id, 'current run');
      const bar = await page.$eval('#run-progress', (n) => ({
        done: n.dataset.done, total: n.dataset.total, width: n.firstElementChild.style.width,
      }));
      equal(bar.done, String(current.users_done), 'progress bar: users done');
      equal(bar.total, String(current.users_total), 'progress bar: users total');
      const pct = Math.round(current.progress * 1000) / 10;
      equal(bar.width, pct + '%', 'progress bar width');
      equal(await page.$eval('#run-done', (n) => n.textContent), num(current.users_done), 'users done');
    } else {
      check(await page.$('#idle') !== null, 'an idle daemon says so');
    }

    await page.screenshot({ path: screenshotPath, fullPage: true });
    console.log('screenshot: ' + screenshotPath);

    check(requested.some((u) => u.endsWith('/api/status')), 'the page fetched /api/status');
    equal(blocked.length, 0, 'requests that left localhost');
    for (const url of blocked) console.log('  left localhost: ' + url);
    equal(pageErrors.length, 0, 'script errors on the page');
    for (const error of pageErrors) console.log('  page error: ' + error);
  } finally {
    await browser.close();
  }
}

main()
  .catch((error) => failures.push('the check crashed: ' + (error && error.stack || error)))
  .finally(() => {
    for (const failure of failures) console.log('failure: ' + failure);
    console.log(`${passed} passed, ${failures.length} failed`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  });
