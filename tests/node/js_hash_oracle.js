// Oracle for src/json/js_json_test.cc: what the Node job's Node.js code computes for a payload.
// Usage: node js_hash_oracle.js INPUT OUTPUT
//   INPUT:  a JSON array of hex strings, each the bytes of one body as an API would send it;
//           the bytes are decoded as Node decodes an HTTP body (UTF-8, U+FFFD for ill-formed).
//   OUTPUT: a JSON array, one element per input: {"ok":true,"out":JSON.stringify(JSON.parse(t)),
//           "md5":<hex md5 of out's UTF-8 bytes>} or {"ok":false} when JSON.parse throws.
'use strict';
const crypto = require('crypto');
const fs = require('fs');

const [input, output] = process.argv.slice(2);
const texts = JSON.parse(fs.readFileSync(input, 'utf8'));
const results = texts.map((hex) => {
  const text = Buffer.from(hex, 'hex').toString('utf8');
  let out;
  try {
    out = JSON.stringify(JSON.parse(text));
  } catch (e) {
    return {ok: false};
  }
  return {ok: true, out, md5: crypto.createHash('md5').update(out, 'utf8').digest('hex')};
});
fs.writeFileSync(output, JSON.stringify(results));
