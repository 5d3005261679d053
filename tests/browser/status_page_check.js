// Loads serve's status page in Debian's headless Chromium (playwright-core) and checks it against
// /api/status: the numbers rendered, one bar / stack / point per run in the charts, the current
// run's progress bar, the failing users, the reasons of runs that stopped early; that the page
// redraws itself from /api/status; that it sends no request beyond the daemon. Then it drives
// the page's actions (search a user, refresh one now, start a run now, page through the run
// history, the bearer token sent as a header only) and checks the layout at 1,400 and 390 px
// wide (nothing overflows or is cut off, no two axis labels overlap, axes in human units),
// saving a screenshot at each width. Run by the ctest status_page_browser_test:
//   node status_page_check.js http://127.0.0.1:PORT SCREENSHOT_DIR BEARER_TOKEN
'use strict';

const { chromium } = require('playwright-core');

const path = require('path');

const [baseUrl, screenshotDir, bearerToken] = process.argv.slice(2);
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
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const requested = [];
    const blocked = [];
    const withCookie = [];
    const actionHeaders = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requested.push(url);
      const headers = route.request().headers();
      if (headers.cookie) withCookie.push(url);
      if (route.request().method() === 'POST') actionHeaders.push([url, headers.authorization || '']);
      if (isLocal(url)) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      // The refusals the actions provoke on purpose (no token: 401; a run is going: 409) are
      // logged by Chromium as failed loads; they are answers, not script errors.
      const refused = /Failed to load resource: the server responded with a status of (401|409)/;
      if (message.type() === 'error' && !refused.test(message.text())) pageErrors.push(message.text());
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
      for (const field of ['users_seen', 'fresh', 'built', 'updated', 'unchanged', 'failed', 'skipped_backoff', 'abandoned', 'api_requests']) {
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
      for (const key of ['built', 'updated', 'unchanged', 'failed', 'abandoned']) {
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
    equal(await kpi('kpi-breaker'), api.breaker, 'circuit breaker state');
    check(['closed', 'half-open', 'open'].includes(api.breaker), `/api/status names the breaker state (${api.breaker})`);
    const lastFinished = runs.find((r) => r.status !== 'running');
    equal(await kpi('kpi-abandoned'), num(lastFinished.abandoned), 'abandoned users of the last run');
    check(runs.some((r) => r.abandoned > 0), 'some run in the history abandoned users (the degraded one)');
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

    await actions(page, api);
    await layout(page, 1400, 'status_page_1400.png');
    await layout(page, 390, 'status_page_390.png');

    check(requested.some((u) => u.endsWith('/api/status')), 'the page fetched /api/status');
    equal(withCookie.length, 0, 'requests that carried a cookie');
    check(actionHeaders.length >= 3, `the actions posted (${actionHeaders.length} POSTs)`);
    for (const [url, authorization] of actionHeaders) {
      check(authorization === '' || authorization === 'Bearer ' + bearerToken, `the token of ${url} went in its Authorization header`);
    }
    equal(blocked.length, 0, 'requests that left localhost');
    for (const url of blocked) console.log('  left localhost: ' + url);
    equal(pageErrors.length, 0, 'script errors on the page');
    for (const error of pageErrors) console.log('  page error: ' + error);
  } finally {
    await browser.close();
  }
}

// Search a user, refresh one now, start a run now, page through the history.
async function actions(page, api) {
  const message = (id) => page.$eval(id, (n) => ({ text: n.textContent, ok: n.classList.contains('ok') }));
  const failingUser = api.failing_users[0];
  check(failingUser !== undefined, 'a user fails persistently (to search for)');
  // A user in backoff: their state, error class and backoff as /api/users says.
  await page.fill('#user-id', String(failingUser.user_id));
  await page.click('#user-look-up');
  await page.waitForSelector('#user-summary');
  const user = await (await fetch(`${baseUrl}/api/users/${failingUser.user_id}`)).json();
  const summary = await page.$$eval('#user-summary tr', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.querySelector('th').textContent, tr.querySelector('td').textContent])));
  equal(summary.state, user.state, `state of user ${user.user_id}`);
  check(user.state === 'backoff', `user ${user.user_id} failing persistently is in backoff (${user.state})`);
  equal(summary['last error class'], user.failure && user.failure.last_error_class, `last error class of user ${user.user_id}`);
  equal(summary['last error class'], failingUser.last_error_class, 'the search agrees with the failing-users table');
  check(/^until /.test(summary.backoff || ''), `the backoff of user ${user.user_id} is shown (${summary.backoff})`);
  // A healthy user: their document's summary.
  await page.fill('#user-id', '1');
  await page.click('#user-look-up');
  await page.waitForFunction(() => document.querySelector('#user-summary td').textContent === '1');
  const healthy = await (await fetch(`${baseUrl}/api/users/1`)).json();
  const shown = await page.$$eval('#user-summary tr', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.querySelector('th').textContent, tr.querySelector('td').textContent])));
  check(healthy.cache !== null, 'user 1 has a cache document');
  equal(shown.passes, `${num(healthy.cache.passes)} active, ${num(healthy.cache.passes4)} expired` +
    (healthy.cache.free_tickets ? `, ${num(healthy.cache.free_tickets)} free` : ''), 'passes of user 1');
  equal(shown['refreshed at'], healthy.cache.refreshed_at, 'refresh time of user 1');
  equal(shown.state, healthy.state, 'state of user 1');

  // Refresh now: refused without the token, done with it.
  await page.click('#user-refresh');
  await page.waitForFunction(() => /token/.test(document.querySelector('#user-message').textContent));
  const refused = await message('#user-message');
  check(!refused.ok && /bearer token is missing or wrong/.test(refused.text), `refresh without a token is refused (${refused.text})`);
  await page.fill('#token', bearerToken);
  await page.click('#user-refresh');
  await page.waitForFunction(() => /^Refresh user 1: (built|updated|unchanged)/.test(document.querySelector('#user-message').textContent), null, { timeout: 20000 });
  const refreshed = await message('#user-message');
  check(refreshed.ok, `refresh now with the token: ${refreshed.text}`);

  // Start a run now: serve's run is still going, so the daemon says it must finish first.
  await page.click('#run-now');
  await page.waitForFunction(() => /^Start a run: /.test(document.querySelector('#action-result').textContent));
  const started = await message('#action-result');
  check(/a run is going/.test(started.text) && !started.ok, `start a run while one is going: ${started.text}`);

  // Run history in pages: Older shows /api/runs?page=1, Newer goes back.
  const older = await (await fetch(`${baseUrl}/api/runs?page=1`)).json();
  check(older.runs.length > 0, `a second page of runs exists (${older.runs.length} runs)`);
  await page.click('#runs-older');
  await page.waitForFunction(() => document.querySelector('#runs-page').textContent === 'page 2');
  const pageRuns = await page.$$eval('#runs-body tr', (trs) => trs.map((tr) => tr.dataset.run));
  equal(JSON.stringify(pageRuns), JSON.stringify(older.runs.map((r) => r.run_id)), 'runs on page 2');
  await page.click('#runs-newer');
  await page.waitForFunction(() => document.querySelector('#runs-page').textContent === 'page 1');
  await page.waitForFunction((n) => document.querySelectorAll('#runs-body tr').length === n, api.runs.length);
  // Look user 1 up again so the screenshots show a search.
  await page.click('#user-look-up');
  await page.waitForSelector('#user-summary');
}

// At `width` px: nothing wider than the page, no table or card cut off (only the user summary and
// tables may scroll sideways, and at 1,400 px none needs to), no two axis labels overlapping,
// every time axis in whole human units; then a full-page screenshot.
async function layout(page, width, file) {
  await page.setViewportSize({ width, height: 900 });
  await page.waitForTimeout(300);  // reflow, SVG rescale
  const found = await page.evaluate(() => {
    const boxes = (selector) => [...document.querySelectorAll(selector)].map((n) => n.getBoundingClientRect());
    const overlaps = [];
    for (const chart of document.querySelectorAll('svg.chart')) {
      for (const kind of ['x-label', 'y-label']) {
        const labels = [...chart.querySelectorAll('text.' + kind)].filter((t) => t.textContent !== '');
        const rects = labels.map((t) => t.getBoundingClientRect());
        for (let i = 0; i < rects.length; i++) {
          for (let j = i + 1; j < rects.length; j++) {
            const a = rects[i];
            const b = rects[j];
            if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
              overlaps.push(`${chart.id}: "${labels[i].textContent}" and "${labels[j].textContent}"`);
            }
          }
        }
        const box = chart.getBoundingClientRect();
        for (let i = 0; i < rects.length; i++) {
          if (rects[i].left < box.left - 1 || rects[i].right > box.right + 1) {
            overlaps.push(`${chart.id}: "${labels[i].textContent}" outside its chart`);
          }
        }
      }
    }
    const timeLabels = [...document.querySelectorAll('#chart-duration text.y-label, #chart-cache-age text.y-label')]
      .map((t) => t.textContent);
    const countLabels = [...document.querySelectorAll('#chart-outcomes text.y-label, #chart-failures text.y-label')]
      .map((t) => t.textContent);
    const scrolled = [...document.querySelectorAll('.scroll')]
      .filter((n) => n.offsetParent !== null && n.scrollWidth > n.clientWidth + 1)
      .map((n) => (n.querySelector('table') || n).id || n.className);
    const clipped = [...document.querySelectorAll('.kpi .value, .kpi .label, h1, h2, button, .pill')]
      .filter((n) => n.offsetParent !== null && n.scrollWidth > n.clientWidth + 1)
      .map((n) => n.id || n.textContent.slice(0, 30));
    const outside = [...document.querySelectorAll('main .card')]
      .filter((n) => n.getBoundingClientRect().right > window.innerWidth + 1)
      .map((n) => n.id || n.className);
    return {
      pageWidth: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
      overlaps, timeLabels, countLabels, scrolled, clipped, outside,
      xLabels: boxes('#chart-duration text.x-label').length,
    };
  });
  check(found.pageWidth <= found.viewport, `${width} px: the page is ${found.pageWidth} px wide`);
  equal(found.overlaps.length, 0, `${width} px: overlapping or stray axis labels`);
  for (const overlap of found.overlaps) console.log('  ' + overlap);
  check(found.xLabels >= 2, `${width} px: the duration chart labels its runs (${found.xLabels})`);
  const bad = found.timeLabels.filter((t) => !/^\d+ (s|min|h|d)$/.test(t));
  check(found.timeLabels.length > 0 && bad.length === 0, `${width} px: time axes in whole units (${found.timeLabels.join(', ')})`);
  const fractional = found.countLabels.filter((t) => !/^(\d+|\d+(\.\d)?[kM])$/.test(t));
  check(found.countLabels.length > 0 && fractional.length === 0, `${width} px: count axes in whole users (${found.countLabels.join(', ')})`);
  equal(found.clipped.length, 0, `${width} px: clipped labels, values or buttons (${found.clipped.join(', ')})`);
  equal(found.outside.length, 0, `${width} px: cards beyond the viewport (${found.outside.join(', ')})`);
  if (width >= 1400) equal(found.scrolled.length, 0, `${width} px: tables that need sideways scrolling (${found.scrolled.join(', ')})`);
  const file_path = path.join(screenshotDir, file);
  await page.screenshot({ path: file_path, fullPage: true });
  console.log('screenshot: ' + file_path);
}

main()
  .catch((error) => failures.push('the check crashed: ' + (error && error.stack || error)))
  .finally(() => {
    for (const failure of failures) console.log('failure: ' + failure);
    console.log(`${passed} passed, ${failures.length} failed`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  });
