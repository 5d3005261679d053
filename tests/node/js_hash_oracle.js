// Oracle for src/json/js_json_test.cc: what the seed's Node.js code computes for a payload.
// Usage: node js_hash_oracle.js INPUT OUTPUT
//   INPUT:  a JSON array of strings, each the text of one JSON value as an API would send it.
//   OUTPUT: a JSON array, one element per input: {"ok":true,"out":JSON.stringify(JSON.parse(t)),
//           "md5":<hex md5 of out's UTF-8 bytes>} or {"ok":false} when JSON.parse throws.
'use strict';
const crypto = require('crypto');
const fs = require('fs');

const [input, output] = process.argv.slice(2);
const texts = JSON.parse(fs.readFileSync(input, 'utf8'));
const results = texts.map((text) => {
  let out;
  try {
    out = JSON.stringify(JSON.parse(text));
  } catch (e) {
    return {ok: false};
  }
  return {ok: true, out, md5: crypto.createHash('md5').update(out, 'utf8').digest('hex')};
});
fs.writeFileSync(output, JSON.stringify(results));
