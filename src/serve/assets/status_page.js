(function () {
  "use strict";
  var REFRESH_MS = 5000;
  var SVGNS = "http://www.w3.org/2000/svg";
  var OUTCOMES = [
    ["built", "var(--c-built)"],
    ["updated", "var(--c-updated)"],
    ["unchanged", "var(--c-unchanged)"],
    ["failed", "var(--c-failed)"],
    ["abandoned", "var(--c-abandoned)"],
  ];
  var CLASS_COLORS = {
    transient: "#c9362b",
    timeout: "#e07b39",
    network: "#d4a017",
    rate_limited: "#7b4fd6",
    rejected_token: "#2f5bd3",
    malformed: "#0f8b8d",
    store: "#6b7280",
    conflict: "#8fa3bf",
  };
  var EXTRA_COLORS = ["#a63d7a", "#4d7c0f", "#9a5b00", "#0369a1", "#be123c"];
  var renders = 0;
  var lastOk = 0;
  var runsPage = 0; // 0: the newest runs, from /api/status; N: /api/runs?page=N
  var token = ""; // the bearer token, in memory only: never a cookie, never stored

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
    if (Array.isArray(child)) {
      child.forEach(function (c) {
        add(node, c);
      });
      return;
    }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function $(id) {
    return document.getElementById(id);
  }
  function num(v) {
    return v === null || v === undefined ? "\u2013" : Number(v).toLocaleString("en-US");
  }
  function secs(v) {
    if (v === null || v === undefined) return "\u2013";
    if (v < 60) return Math.round(v * 10) / 10 + " s";
    if (v < 3600) return Math.floor(v / 60) + " min " + Math.round(v % 60) + " s";
    var h = Math.floor(v / 3600);
    return h + " h " + Math.round((v % 3600) / 60) + " min";
  }
  // A time axis in whole human units: the step is one of these, the top a multiple of it.
  var TIME_STEPS = [
    [1, "s"],
    [2, "s"],
    [5, "s"],
    [10, "s"],
    [15, "s"],
    [30, "s"],
    [60, "min"],
    [120, "min"],
    [300, "min"],
    [600, "min"],
    [900, "min"],
    [1800, "min"],
    [3600, "h"],
    [7200, "h"],
    [10800, "h"],
    [21600, "h"],
    [43200, "h"],
    [86400, "d"],
  ];
  var UNIT_SECONDS = { s: 1, min: 60, h: 3600, d: 86400 };
  function timeAxis(v) {
    var step = TIME_STEPS[TIME_STEPS.length - 1];
    for (var i = 0; i < TIME_STEPS.length; i++) {
      if (TIME_STEPS[i][0] * 4 >= v) {
        step = TIME_STEPS[i];
        break;
      }
    }
    var unit = step[1];
    var ticks = Math.max(1, Math.ceil(v / step[0]));
    return {
      max: step[0] * ticks,
      ticks: ticks,
      fmt: function (x) {
        return Math.round(x / UNIT_SECONDS[unit]) + " " + unit;
      },
    };
  }
  function shortNum(v) {
    if (v >= 1e6) return Math.round(v / 1e5) / 10 + "M";
    if (v >= 1e4) return Math.round(v / 100) / 10 + "k";
    return String(Math.round(v * 10) / 10);
  }
  function ago(iso) {
    if (!iso) return "\u2013";
    var d = (Date.now() - Date.parse(iso)) / 1000;
    if (isNaN(d)) return iso;
    if (d < 0) return "in " + secs(-d);
    return secs(d) + " ago";
  }
  function statusPill(status) {
    return el("span", { class: "pill s-" + status, "data-status": status }, status);
  }
  function classColor(name, index) {
    return CLASS_COLORS[name] || EXTRA_COLORS[index % EXTRA_COLORS.length];
  }

  // ---- charts: runs oldest first, one bar (or stack, or point) per run ----
  var W = 600,
    H = 200,
    PAD = { l: 48, r: 10, t: 10, b: 26 };
  function scaleMax(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }
  // A count axis in whole steps (1, 2, 5, 10, 20, 25, 50, ...): never "3.8 users".
  function countAxis(v) {
    var step = 1;
    var p = 1;
    while (step * 5 < v) {
      var found = false;
      [1, 2, 2.5, 5].forEach(function (m) {
        if (!found && m * p >= 1 && m * p * 5 >= v && Number.isInteger(m * p)) {
          step = m * p;
          found = true;
        }
      });
      if (!found) p *= 10;
    }
    var ticks = Math.max(1, Math.ceil(v / step));
    return { max: step * ticks, ticks: ticks };
  }
  function frame(node, max, fmt, ticks) {
    clear(node);
    node.setAttribute("viewBox", "0 0 " + W + " " + H);
    var ih = H - PAD.t - PAD.b;
    ticks = ticks || 4;
    for (var i = 0; i <= ticks; i++) {
      var y = PAD.t + ih - (ih * i) / ticks;
      node.appendChild(svg("line", { class: "grid-line", x1: PAD.l, x2: W - PAD.r, y1: y, y2: y }));
      node.appendChild(
        svg(
          "text",
          { class: "y-label", x: PAD.l - 6, y: y + 4, "text-anchor": "end" },
          fmt((max * i) / ticks),
        ),
      );
    }
    node.appendChild(
      svg("line", { class: "axis", x1: PAD.l, x2: W - PAD.r, y1: PAD.t + ih, y2: PAD.t + ih }),
    );
  }
  function slots(runs) {
    var iw = W - PAD.l - PAD.r;
    var step = iw / Math.max(runs.length, 1);
    return {
      step: step,
      width: Math.max(2, Math.min(36, step * 0.7)),
      x: function (i) {
        return PAD.l + step * i + step / 2;
      },
    };
  }
  // Start times under the bars, counted from the newest run so that it is always labelled and the
  // labels keep one spacing (at least LABEL_UNITS apart: "05:45" never touches "05:46").
  var LABEL_UNITS = 56;
  function runLabels(node, runs, s) {
    var every = Math.max(1, Math.ceil(runs.length / 8), Math.ceil(LABEL_UNITS / s.step));
    runs.forEach(function (run, i) {
      if ((runs.length - 1 - i) % every !== 0) return;
      var t = new Date(Date.parse(run.started_at));
      var label = isNaN(t)
        ? ""
        : ("0" + t.getHours()).slice(-2) + ":" + ("0" + t.getMinutes()).slice(-2);
      node.appendChild(
        svg("text", { class: "x-label", x: s.x(i), y: H - 8, "text-anchor": "middle" }, label),
      );
    });
  }
  function yOf(v, max) {
    var ih = H - PAD.t - PAD.b;
    return PAD.t + ih - ih * (v / max);
  }

  function barChart(node, runs, value, fmt, colorOf) {
    var axis = timeAxis(
      Math.max.apply(
        null,
        runs
          .map(function (r) {
            return value(r) || 0;
          })
          .concat([0]),
      ),
    );
    var max = axis.max;
    frame(node, max, axis.fmt, axis.ticks);
    var s = slots(runs);
    runs.forEach(function (run, i) {
      var v = value(run);
      if (v === null || v === undefined) return;
      var y = yOf(v, max);
      node.appendChild(
        svg(
          "rect",
          {
            class: "bar",
            "data-run": run.run_id,
            "data-value": v,
            x: s.x(i) - s.width / 2,
            y: y,
            width: s.width,
            height: Math.max(0, yOf(0, max) - y),
            rx: 2,
            fill: colorOf(run),
          },
          svg("title", null, run.run_id + ": " + fmt(v) + " (" + run.status + ")"),
        ),
      );
    });
    runLabels(node, runs, s);
  }

  function stackedChart(node, runs, keys, valueOf) {
    var totals = runs.map(function (r) {
      return keys.reduce(function (sum, k) {
        return sum + (valueOf(r, k[0]) || 0);
      }, 0);
    });
    var axis = countAxis(Math.max.apply(null, totals.concat([0])));
    var max = axis.max;
    frame(node, max, shortNum, axis.ticks);
    var s = slots(runs);
    runs.forEach(function (run, i) {
      var g = svg("g", { class: "stack", "data-run": run.run_id, "data-total": totals[i] });
      var base = 0;
      var tip = [run.run_id];
      keys.forEach(function (k) {
        var v = valueOf(run, k[0]) || 0;
        tip.push(k[0] + ": " + num(v));
        if (v <= 0) return;
        var y1 = yOf(base + v, max),
          y0 = yOf(base, max);
        g.appendChild(
          svg("rect", {
            class: "seg",
            "data-key": k[0],
            "data-value": v,
            x: s.x(i) - s.width / 2,
            y: y1,
            width: s.width,
            height: Math.max(0, y0 - y1),
            fill: k[1],
          }),
        );
        base += v;
      });
      g.appendChild(svg("title", null, tip.join("\n")));
      node.appendChild(g);
    });
    runLabels(node, runs, s);
  }

  function lineChart(node, runs, value, fmt) {
    var known = runs.filter(function (r) {
      return value(r) !== null && value(r) !== undefined;
    });
    var axis = timeAxis(Math.max.apply(null, known.map(value).concat([0])));
    var max = axis.max;
    frame(node, max, axis.fmt, axis.ticks);
    var s = slots(runs);
    var path = "";
    runs.forEach(function (run, i) {
      var v = value(run);
      if (v === null || v === undefined) return;
      path += (path ? "L" : "M") + s.x(i) + " " + yOf(v, max);
    });
    if (path) node.appendChild(svg("path", { class: "point-line", d: path }));
    runs.forEach(function (run, i) {
      var v = value(run);
      if (v === null || v === undefined) return;
      node.appendChild(
        svg(
          "circle",
          {
            class: "point",
            "data-run": run.run_id,
            "data-value": v,
            cx: s.x(i),
            cy: yOf(v, max),
            r: 4,
          },
          svg("title", null, run.run_id + ": " + fmt(v)),
        ),
      );
    });
    runLabels(node, runs, s);
    return known.length;
  }

  function legend(id, items) {
    var node = $(id);
    clear(node);
    items.forEach(function (it) {
      node.appendChild(
        el("span", null, el("span", { class: "sw", style: "background:" + it[1] }), it[0]),
      );
    });
  }

  function statusColor(run) {
    return (
      {
        ok: "var(--accent)",
        degraded: "var(--c-failed)",
        aborted: "var(--c-failed)",
        lost: "var(--c-failed)",
        interrupted: "var(--c-backoff)",
      }[run.status] || "var(--c-unchanged)"
    );
  }

  function renderCharts(doc) {
    var runs = doc.runs.slice().reverse();
    var has = runs.length > 0;
    ["chart-duration", "chart-outcomes", "chart-failures", "chart-cache-age"].forEach(
      function (id) {
        $(id).classList.toggle("hidden", !has);
      },
    );
    $("charts-empty").classList.toggle("hidden", has);
    barChart(
      $("chart-duration"),
      runs,
      function (r) {
        return r.duration_seconds;
      },
      secs,
      statusColor,
    );
    stackedChart($("chart-outcomes"), runs, OUTCOMES, function (r, k) {
      return r[k];
    });
    legend("legend-outcomes", OUTCOMES);
    var classes = [];
    runs.forEach(function (r) {
      Object.keys(r.failures_by_class || {}).forEach(function (c) {
        if (classes.indexOf(c) < 0) classes.push(c);
      });
    });
    classes.sort();
    var classKeys = classes.map(function (c, i) {
      return [c, classColor(c, i)];
    });
    stackedChart($("chart-failures"), runs, classKeys, function (r, k) {
      return (r.failures_by_class || {})[k];
    });
    legend("legend-failures", classKeys.length ? classKeys : [["no failures", "var(--c-fresh)"]]);
    var points = lineChart(
      $("chart-cache-age"),
      runs,
      function (r) {
        return r.cache_oldest_age_seconds;
      },
      secs,
    );
    $("cache-age-empty").classList.toggle("hidden", points > 0 || !has);
  }

  // ---- sections ----
  function renderHeader(doc) {
    var sc = doc.schedule;
    var box = $("schedule");
    clear(box);
    add(box, [
      sc.mode === "cron" ? "Schedule " : sc.mode + " ",
      el("code", null, sc.cron),
      " ",
      sc.timezone,
      " \u00b7 next run ",
      el(
        "span",
        { id: "next-run", title: sc.next_run_at || "" },
        !sc.next_run_at
          ? "\u2013"
          : Date.parse(sc.next_run_at) < Date.now()
            ? "after this run"
            : ago(sc.next_run_at),
      ),
    ]);
    if (sc.ticks_skipped) add(box, " \u00b7 " + sc.ticks_skipped + " ticks skipped");
    var state = doc.store_error ? "store down" : doc.current_run ? "running" : "idle";
    var pill = $("state");
    pill.textContent = state;
    pill.className =
      "pill " + (doc.store_error ? "s-degraded" : doc.current_run ? "s-running" : "s-idle");
  }

  function renderKpis(doc) {
    var last = doc.runs.find(function (r) {
      return r.status !== "running";
    });
    var box = $("kpis");
    clear(box);
    function kpi(id, label, value, sub) {
      box.appendChild(
        el(
          "div",
          { class: "card kpi", id: id },
          el("div", { class: "label" }, label),
          el("div", { class: "value" }, value),
          el("div", { class: "sub" }, sub || ""),
        ),
      );
    }
    kpi(
      "kpi-last-status",
      "Last run",
      last ? statusPill(last.status) : "\u2013",
      last ? ago(last.finished_at || last.started_at) : "no runs yet",
    );
    kpi(
      "kpi-last-duration",
      "Duration",
      last ? secs(last.duration_seconds) : "\u2013",
      last ? num(last.users_seen) + " users seen" : "",
    );
    kpi(
      "kpi-last-api",
      "API requests",
      last ? num(last.api_requests) : "\u2013",
      last ? num(last.api_retries) + " retries" : "",
    );
    kpi(
      "kpi-breaker",
      "Circuit breaker",
      doc.breaker ? statusPill(doc.breaker) : "\u2013",
      doc.breaker === "open"
        ? "the API keeps failing: not called"
        : doc.breaker === "half-open"
          ? "probing the API"
          : doc.breaker
            ? "calling the API"
            : "only serve has one",
    );
    kpi(
      "kpi-abandoned",
      "Abandoned",
      last ? num(last.abandoned) : "\u2013",
      "users the last run left untried",
    );
    var f = doc.failures;
    kpi(
      "kpi-persistent",
      "Failing persistently",
      num(f.persistent_users) + (f.complete ? "" : "+"),
      f.persistent_after_runs + "+ runs in a row",
    );
    kpi(
      "kpi-one-off",
      "One-off failures",
      num(f.one_off_users) + (f.complete ? "" : "+"),
      "retried next run",
    );
  }

  function renderCurrent(doc) {
    var box = $("current");
    clear(box);
    var run = doc.current_run;
    if (!run) {
      add(box, [
        el("h2", null, "Now"),
        el(
          "p",
          { id: "idle", class: "empty" },
          "Idle. Next run " +
            (doc.schedule.next_run_at ? ago(doc.schedule.next_run_at) : "not scheduled here") +
            ".",
        ),
      ]);
      return;
    }
    add(
      box,
      el(
        "h2",
        null,
        "Running ",
        el("code", { id: "current-run-id" }, run.run_id),
        el(
          "small",
          null,
          " started " +
            ago(run.started_at) +
            (run.shard ? " \u00b7 shard " + run.shard : "") +
            (run.dry_run ? " \u00b7 dry run" : ""),
        ),
      ),
    );
    var known = run.progress !== null && run.progress !== undefined;
    var pct = known ? Math.round(run.progress * 1000) / 10 : null;
    var bar = el(
      "div",
      {
        class: "progress" + (known ? "" : " unknown"),
        id: "run-progress",
        role: "progressbar",
        "aria-valuemin": 0,
        "aria-valuemax": run.users_total === null ? null : run.users_total,
        "aria-valuenow": run.users_done === null ? null : run.users_done,
        "data-done": run.users_done,
        "data-total": run.users_total,
      },
      el("div", { style: "width:" + (known ? pct : 0) + "%" }),
    );
    add(box, bar);
    if (run.source === "store") {
      add(
        box,
        el(
          "p",
          { class: "chips" },
          "Run by another process: progress is shown by that process only.",
        ),
      );
      return;
    }
    var chips = el(
      "div",
      { class: "chips", id: "run-progress-text" },
      el(
        "span",
        null,
        el("b", { id: "run-done" }, num(run.users_done)),
        " / ",
        el("b", { id: "run-total" }, num(run.users_total)),
        run.users_total_estimated ? " (estimated)" : "",
        " users",
        known ? " \u00b7 " + pct + " %" : "",
      ),
      el(
        "span",
        null,
        el(
          "b",
          { id: "run-rate" },
          run.users_per_second === null ? "\u2013" : num(run.users_per_second),
        ),
        " users/s",
      ),
      el("span", null, "ETA ", el("b", { id: "run-eta" }, secs(run.eta_seconds))),
    );
    Object.keys(run.outcomes || {}).forEach(function (k) {
      chips.appendChild(
        el("span", { "data-outcome": k }, k + " ", el("b", null, num(run.outcomes[k]))),
      );
    });
    add(box, chips);
  }

  function renderReasons(doc) {
    var list = $("reasons");
    clear(list);
    var stopped = doc.runs.filter(function (r) {
      return r.reason || r.status === "lost";
    });
    $("reasons-card").classList.toggle("hidden", stopped.length === 0);
    stopped.forEach(function (r) {
      list.appendChild(
        el(
          "li",
          { "data-run": r.run_id },
          statusPill(r.status),
          " ",
          el("code", null, r.run_id),
          " \u00b7 " + ago(r.started_at),
          el("span", { class: "why" }, r.reason || "the process died without recording an outcome"),
        ),
      );
    });
  }

  var RUN_COLUMNS = [
    "users_seen",
    "fresh",
    "built",
    "updated",
    "unchanged",
    "failed",
    "skipped_backoff",
    "abandoned",
    "api_requests",
  ];
  // "2026-12-07T10:00:00Z-3f9c2a" → "3f9c2a": the table shows the run's own part, the title all.
  function shortRunId(id) {
    var dash = id.lastIndexOf("-");
    return dash > 0 && dash < id.length - 1 ? id.slice(dash + 1) : id;
  }
  function renderRuns(doc) {
    if (runsPage === 0) fillRuns(doc.runs, false);
  }
  function fillRuns(runs, hasOlder) {
    var body = $("runs-body");
    clear(body);
    runs.forEach(function (r) {
      var row = el(
        "tr",
        { "data-run": r.run_id },
        el("td", { title: r.run_id }, el("code", null, shortRunId(r.run_id))),
        el("td", { title: r.started_at }, ago(r.started_at)),
        el("td", null, statusPill(r.status)),
        el("td", { class: "num cell-duration" }, secs(r.duration_seconds)),
      );
      RUN_COLUMNS.forEach(function (c) {
        row.appendChild(el("td", { class: "num cell-" + c, "data-value": r[c] }, num(r[c])));
      });
      body.appendChild(row);
    });
    $("runs-empty").classList.toggle("hidden", runs.length > 0);
    $("runs-page").textContent = "page " + (runsPage + 1);
    $("runs-newer").disabled = runsPage === 0;
    if (runsPage === 0) hasOlder = runs.length >= 20;
    $("runs-older").disabled = !hasOlder;
  }
  function loadRunsPage(page) {
    if (page === 0) {
      runsPage = 0;
      refreshNow();
      return;
    }
    fetch("api/runs?page=" + page, { cache: "no-store", credentials: "omit" })
      .then(function (r) {
        return r.json();
      })
      .then(function (answer) {
        if (!answer.runs) return;
        runsPage = page;
        fillRuns(answer.runs, answer.has_older);
      })
      .catch(function () {});
  }

  // ---- actions: the on-demand bearer token goes in the Authorization header only ----
  function say(node, text, ok) {
    node.textContent = text;
    node.className = "action-result " + (ok ? "ok" : "bad");
  }
  function authorized(method) {
    var options = { method: method, cache: "no-store", credentials: "omit" };
    if (token) options.headers = { Authorization: "Bearer " + token };
    return options;
  }
  function answerText(r, body) {
    if (r.status === 401) return "the bearer token is missing or wrong";
    if (r.status === 404 && !body.outcome)
      return "not available: serve has no on_demand.token_file";
    return body.detail || body.error || body.outcome || body.state || "HTTP " + r.status;
  }
  function startRun() {
    var out = $("action-result");
    fetch("v1/runs", authorized("POST"))
      .then(function (r) {
        return r.json().then(function (body) {
          say(out, "Start a run: " + answerText(r, body), r.status === 202);
          if (r.status === 202) setTimeout(refreshNow, 1500);
        });
      })
      .catch(function () {
        say(out, "Start a run: cannot reach ticketcache", false);
      });
  }
  function row(label, value) {
    return el("tr", null, el("th", null, label), el("td", null, value));
  }
  function renderUser(u) {
    var box = $("user-result");
    clear(box);
    var rows = [row("user", String(u.user_id)), row("state", statusPill(u.state))];
    if (u.cache) {
      rows.push(row("cache age", el("span", { id: "user-age" }, secs(u.cache.age_seconds))));
      rows.push(row("refreshed at", u.cache.refreshed_at));
      rows.push(
        row(
          "passes",
          num(u.cache.passes) +
            " active, " +
            num(u.cache.passes4) +
            " expired" +
            (u.cache.free_tickets ? ", " + num(u.cache.free_tickets) + " free" : ""),
        ),
      );
    } else {
      rows.push(row("cache", "none yet"));
    }
    var f = u.failure;
    rows.push(row("failures", f ? num(f.consecutive_failures) + " runs in a row" : "none"));
    if (f) {
      rows.push(
        row("last error class", el("span", { id: "user-error-class" }, f.last_error_class)),
      );
      rows.push(row("last error", el("span", { class: "msg" }, f.last_error)));
      rows.push(
        row("backoff", f.next_attempt_at ? "until " + f.next_attempt_at : "none: tried next run"),
      );
    }
    box.appendChild(el("table", { class: "user-summary", id: "user-summary" }, rows));
  }
  // keepMessage: the refresh's answer stays in view while the summary is re-read.
  function lookUpUser(keepMessage) {
    var id = $("user-id").value.trim();
    var out = $("user-message");
    if (!/^[0-9]+$/.test(id)) {
      say(out, "a user id is a whole number", false);
      return;
    }
    fetch("api/users/" + id, { cache: "no-store", credentials: "omit" })
      .then(function (r) {
        return r.json().then(function (body) {
          if (r.status !== 200) {
            say(out, answerText(r, body), false);
            return;
          }
          if (!keepMessage) {
            out.textContent = "";
            out.className = "action-result";
          }
          renderUser(body);
          $("user-refresh").disabled = false;
        });
      })
      .catch(function () {
        say(out, "cannot reach ticketcache", false);
      });
  }
  function refreshUser() {
    var id = $("user-id").value.trim();
    var out = $("user-message");
    say(out, "refreshing user " + id + "\u2026", true);
    fetch("v1/users/" + id + "/refresh", authorized("POST"))
      .then(function (r) {
        return r.json().then(function (body) {
          var done = r.status === 200;
          say(
            out,
            "Refresh user " +
              id +
              ": " +
              answerText(r, body) +
              (body.error_class ? " (" + body.error_class + ")" : ""),
            done && body.outcome !== "failed",
          );
          if (done) lookUpUser(true);
        });
      })
      .catch(function () {
        say(out, "cannot reach ticketcache", false);
      });
  }
  function wireActions() {
    $("token").addEventListener("input", function (e) {
      token = e.target.value.trim();
    });
    $("run-now").addEventListener("click", startRun);
    $("user-form").addEventListener("submit", function (e) {
      e.preventDefault();
      $("user-message").textContent = "";
      lookUpUser(false);
    });
    $("user-refresh").addEventListener("click", refreshUser);
    $("runs-newer").addEventListener("click", function () {
      loadRunsPage(Math.max(0, runsPage - 1));
    });
    $("runs-older").addEventListener("click", function () {
      loadRunsPage(runsPage + 1);
    });
  }

  function renderFailing(doc) {
    var body = $("failing-body");
    clear(body);
    doc.failing_users.forEach(function (u) {
      body.appendChild(
        el(
          "tr",
          { "data-user": u.user_id },
          el("td", { class: "num" }, String(u.user_id)),
          el("td", { class: "num cell-failed-runs" }, num(u.failed_runs)),
          el(
            "td",
            null,
            el("span", { class: "sw", style: "background:" + classColor(u.last_error_class, 0) }),
            u.last_error_class,
          ),
          el("td", { title: u.last_attempt_at }, ago(u.last_attempt_at)),
          el(
            "td",
            { title: u.next_attempt_at || "" },
            u.next_attempt_at ? ago(u.next_attempt_at) : "next run",
          ),
          el("td", { class: "msg" }, u.last_error),
        ),
      );
    });
    var f = doc.failures;
    $("failing-count").textContent =
      num(f.persistent_users) +
      (f.complete ? "" : "+") +
      " users, " +
      doc.failing_users.length +
      " shown";
    $("failing-empty").classList.toggle("hidden", doc.failing_users.length > 0);
  }

  function renderRefreshRequests(doc) {
    var r = doc.refresh_requests;
    $("refresh-requests-card").classList.toggle("hidden", !r);
    if (!r) return;
    var failed = Object.keys(r.failures_by_class).map(function (c) {
      return c + " " + r.failures_by_class[c];
    });
    $("refresh-requests").textContent =
      num(r.due) +
      " due" +
      (r.oldest_due_age_seconds === null
        ? ""
        : ", the oldest waiting " + secs(r.oldest_due_age_seconds)) +
      " \u00b7 last poll " +
      (r.last_poll_at ? ago(r.last_poll_at) : "none yet") +
      (r.last_error ? " (failed: " + r.last_error + ")" : "") +
      " \u00b7 since start: " +
      num(r.rows_processed) +
      " rows processed, " +
      num(r.users_refreshed) +
      " users refreshed, " +
      num(r.users_without_token) +
      " without a token, " +
      num(r.users_failed) +
      " failed" +
      (failed.length ? " (" + failed.join(", ") + ")" : "") +
      ", " +
      num(r.users_in_backoff) +
      " deferred by backoff";
  }

  function render(doc) {
    $("banner").classList.toggle("hidden", !doc.store_error);
    $("banner").textContent = doc.store_error ? "Cache store unavailable: " + doc.store_error : "";
    renderHeader(doc);
    renderKpis(doc);
    renderCurrent(doc);
    renderCharts(doc);
    renderRefreshRequests(doc);
    renderReasons(doc);
    renderRuns(doc);
    renderFailing(doc);
    renders += 1;
    document.body.setAttribute("data-generated-at", doc.generated_at);
    document.body.setAttribute("data-renders", renders);
  }

  function tickLive() {
    var fresh = Date.now() - lastOk < 3 * REFRESH_MS;
    $("live-dot").className = "dot" + (fresh ? "" : " stale");
    $("live-text").textContent = fresh
      ? "live, every " + REFRESH_MS / 1000 + " s"
      : "cannot reach ticketcache; retrying";
  }

  function refreshNow() {
    fetch("api/status", { cache: "no-store", credentials: "omit" })
      .then(function (r) {
        return r.json();
      })
      .then(function (doc) {
        lastOk = Date.now();
        render(doc);
      })
      .catch(function () {});
  }

  function refresh() {
    fetch("api/status", { cache: "no-store", credentials: "omit" })
      .then(function (r) {
        return r.json();
      })
      .then(function (doc) {
        lastOk = Date.now();
        render(doc);
      })
      .catch(function () {})
      .then(function () {
        tickLive();
        setTimeout(refresh, REFRESH_MS);
      });
  }

  document.getElementById("ssr").classList.add("hidden");
  document.getElementById("app").classList.remove("hidden");
  wireActions();
  try {
    lastOk = Date.now();
    render(JSON.parse(document.getElementById("initial-status").textContent));
  } catch (e) {
    /* the first fetch draws it */
  }
  tickLive();
  setTimeout(refresh, REFRESH_MS);
})();
