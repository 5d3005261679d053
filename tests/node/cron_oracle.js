// Reference answers from npm's cron-parser for src/schedule/cron_differential_test.cc.
//
// Usage: node cron_oracle.js INPUT.json OUTPUT.json
// INPUT:  {"cases": [{"expr": "0 2 * * *", "tz": "Europe/Berlin", "after": <unix s>, "count": 5}]}
// OUTPUT: {"results": [{"times": [<unix s>, ...], "offsets": [<minutes>, ...], "error"?: "..."}
//                       | {"error": "<message>"}]} in the same order. `offsets` are the zone's UTC
//         offsets at those times in node's own tz data, so the test can tell a tz database
//         difference (node's ICU vs Debian's tzdata) from a scheduling difference.
// One process answers the whole batch: starting node per case would dominate the test's time.
'use strict';

const fs = require('fs');
const { CronExpressionParser } = require('cron-parser');

function answer({ expr, tz, after, count }) {
  let interval;
  try {
    interval = CronExpressionParser.parse(expr, { currentDate: after * 1000, tz });
  } catch (error) {
    return { error: error.message };
  }
  const times = [];
  const offsets = [];
  for (let i = 0; i < count; i++) {
    try {
      const date = interval.next();
      times.push(date.getTime() / 1000);
      offsets.push(date.getUTCOffset());
    } catch (error) {
      return { times, offsets, error: error.message };
    }
  }
  return { times, offsets };
}

const [inputPath, outputPath] = process.argv.slice(2);
const { cases } = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
fs.writeFileSync(outputPath, JSON.stringify({ results: cases.map(answer) }));
