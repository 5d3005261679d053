// Reference answers from npm's cron-parser for src/schedule/cron_differential_test.cc.
//
// Usage: node cron_oracle.js INPUT.json OUTPUT.json
// INPUT:  {"cases": [{"expr": "0 2 * * *", "tz": "Europe/Berlin", "after": <unix s>, "count": 5,
//                     "probes": [<unix s>, ...]}]}
// OUTPUT: {"results": [{"times": [<unix s>, ...], "offsets": [<minutes>, ...],
//                       "probe_offsets": [<minutes>, ...], "error"?: "<message>"}]}
//         in the same order; `times` is missing when the expression was rejected. `offsets` and
//         `probe_offsets` are the zone's UTC offsets at `times` and at `probes` in node's own tz
//         data (ICU's), so the test can tell a tz database difference from a scheduling one.
// One process answers the whole batch: starting node per case would dominate the test's time.
'use strict';

const fs = require('fs');
const { CronExpressionParser } = require('cron-parser');
const { DateTime } = require('luxon');

function answer({ expr, tz, after, count, probes }) {
  const probeOffsets = probes.map((t) => DateTime.fromSeconds(t, { zone: tz }).offset);
  let interval;
  try {
    interval = CronExpressionParser.parse(expr, { currentDate: after * 1000, tz });
  } catch (error) {
    return { probe_offsets: probeOffsets, error: error.message };
  }
  const times = [];
  const offsets = [];
  for (let i = 0; i < count; i++) {
    try {
      const date = interval.next();
      times.push(date.getTime() / 1000);
      offsets.push(date.getUTCOffset());
    } catch (error) {
      return { times, offsets, probe_offsets: probeOffsets, error: error.message };
    }
  }
  return { times, offsets, probe_offsets: probeOffsets };
}

const [inputPath, outputPath] = process.argv.slice(2);
const { cases } = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
fs.writeFileSync(outputPath, JSON.stringify({ results: cases.map(answer) }));
