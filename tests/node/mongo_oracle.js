// The Node service's side of the MongoDB cache, for tests/mongo_node_test.cc: writes cache
// documents the way the Node job writes them (official `mongodb` driver, plain JavaScript
// values), and reads documents back through the same driver with their BSON types.
//
//   node mongo_oracle.js COMMAND INPUT.json OUTPUT.json
//
// COMMAND (INPUT fields):
//   seed     {uri, cache, log, sim, users, now}  fetch each user's passes from the simulator with
//            its token, insertOne the document Node would build, insertMany one "create" audit
//            entry per pass. Output {written}.
//   compare  {uri, cache, sim, users, negative_zero_as_int32}  the documents stored for `users`,
//            read through the driver, against what Node would write from the simulator's current
//            answers: canonical Extended JSON (types included), `_id` and `_tc_version` left out,
//            every timestamp's value (not its type) zeroed. With negative_zero_as_int32, Node's
//            -0 (a double) is expected as int32 0: a known difference (the caller says why).
//            Output {compared, mismatches: [{user_id, expected, actual}]}.
//   dump     {uri, collection, users}  canonical Extended JSON of each stored document of `users`
//            (all fields). Output {documents: {user_id: text}}.
//   put      {uri, collection, id, json}  insertOne {_id: id, value: JSON.parse(json)}: how the
//            driver stores a JavaScript value (lone surrogates included). Output {}.
//
// The document shape and rules are docs/data-compatibility.md's; this is an independent
// implementation of them, not a copy of ticketcache's.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const { MongoClient, BSON } = require('mongodb');

const TOKEN_PREFIX = 'tc-sim-token-';  // docs/simulator.md: user U's token

async function fetchList(sim, user, path) {
  const passes = [];
  for (let page = 1; page <= 100; ++page) {
    const separator = path.includes('?') ? '&' : '?';
    const response = await fetch(`${sim}${path}${separator}per_page=100&page=${page}`, {
      headers: { Authorization: `Bearer ${TOKEN_PREFIX}${user}` },
    });
    if (response.status !== 200) throw new Error(`${path} for user ${user}: HTTP ${response.status}`);
    const body = JSON.parse(await response.text());
    const data = body.data || {};
    const list = data.passes || [];
    passes.push(...list);
    if (list.length === 0 || !(data.pagination && data.pagination.next)) break;
  }
  return passes;
}

// Oldest first by time_created as an instant; ties and unreadable times keep API order, the
// unreadable ones last (Array.prototype.sort is stable).
function byTimeCreated(passes) {
  const time = (pass) => {
    const t = typeof pass.time_created === 'string' ? Date.parse(pass.time_created) : NaN;
    return Number.isNaN(t) ? Infinity : t;
  };
  return passes.slice().sort((a, b) => {
    const ta = time(a);
    const tb = time(b);
    if (ta === tb) return 0;
    return ta < tb ? -1 : 1;
  });
}

function entry(pass, now) {
  return {
    pass_uuid: pass.uuid,
    timestamp: now,
    status: pass.status,
    free_ticket_status: 0,
    payload: pass,
    payload_hash: crypto.createHash('md5').update(JSON.stringify(pass), 'utf8').digest('hex'),
  };
}

// A uuid listed twice counts once (first occurrence), as docs/data-compatibility.md says.
function unique(passes) {
  const seen = new Set();
  return passes.filter((pass) => (seen.has(pass.uuid) ? false : (seen.add(pass.uuid), true)));
}

async function nodeDocument(sim, user, now) {
  const active = unique(byTimeCreated(await fetchList(sim, user, '/passes')));
  const expired = unique(byTimeCreated(await fetchList(sim, user, '/v4.0/passes?status=EXPIRED')));
  return {
    user_id: user,
    timestamp: now,
    passes: active.map((pass) => entry(pass, now)),
    passes4: expired.map((pass) => entry(pass, now)),
  };
}

// Canonical Extended JSON of a BSON document read as raw bytes (so nothing is promoted).
function canonical(raw) {
  return BSON.EJSON.stringify(BSON.deserialize(raw, { promoteValues: false }), { relaxed: false });
}

// What the driver would store for a JavaScript value: serialize, then read back unpromoted.
function asStored(document) {
  return BSON.deserialize(BSON.serialize(document), { promoteValues: false });
}

// Drops _id and _tc_version and zeroes the value of every timestamp, keeping its BSON type.
function comparable(document) {
  const zero = (value) => {
    if (value && typeof value === 'object' && typeof value._bsontype === 'string') {
      const type = value._bsontype;
      if (type === 'Int32') return new BSON.Int32(0);
      if (type === 'Double') return new BSON.Double(0);
      if (type === 'Long') return BSON.Long.fromNumber(0);
    }
    return value === undefined ? value : `<timestamp of type ${typeof value}>`;
  };
  const copy = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === '_id' || key === '_tc_version') continue;
    copy[key] = value;
  }
  copy.timestamp = zero(copy.timestamp);
  for (const list of ['passes', 'passes4']) {
    if (!Array.isArray(copy[list])) continue;
    copy[list] = copy[list].map((item) => ({ ...item, timestamp: zero(item.timestamp) }));
  }
  return BSON.EJSON.stringify(copy, { relaxed: false });
}

async function rawDocuments(db, collection, users) {
  const found = await db.collection(collection)
    .find({ user_id: { $in: users } }, { raw: true }).toArray();
  const byUser = new Map();
  for (const raw of found) {
    const document = BSON.deserialize(raw, { promoteValues: false });
    byUser.set(Number(document.user_id.valueOf()), raw);
  }
  return byUser;
}

async function main() {
  const [command, inputPath, outputPath] = process.argv.slice(2);
  const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
  const client = new MongoClient(input.uri, { serverSelectionTimeoutMS: 10000 });
  await client.connect();
  let output = {};
  try {
    const db = client.db();
    if (command === 'seed') {
      let written = 0;
      for (const user of input.users) {
        const document = await nodeDocument(input.sim, user, input.now);
        await db.collection(input.cache).insertOne(document);
        const audit = [];
        for (const [list, entries] of [['passes', document.passes], ['passes4', document.passes4]]) {
          for (const item of entries) {
            audit.push({ user_id: user, pass_uuid: item.pass_uuid, list, action: 'create',
                         status: item.status, payload: item.payload,
                         payload_hash: item.payload_hash, timestamp: input.now });
          }
        }
        if (audit.length > 0) await db.collection(input.log).insertMany(audit);
        ++written;
      }
      output = { written };
    } else if (command === 'compare') {
      const stored = await rawDocuments(db, input.cache, input.users);
      const mismatches = [];
      for (const user of input.users) {
        let expected = comparable(asStored(await nodeDocument(input.sim, user, 0)));
        if (input.negative_zero_as_int32) {
          expected = expected.split('{"$numberDouble":"-0.0"}').join('{"$numberInt":"0"}');
        }
        const raw = stored.get(user);
        const actual = raw ? comparable(BSON.deserialize(raw, { promoteValues: false })) : '<none>';
        if (expected !== actual) mismatches.push({ user_id: user, expected, actual });
      }
      output = { compared: input.users.length, mismatches };
    } else if (command === 'dump') {
      const stored = await rawDocuments(db, input.collection, input.users);
      const documents = {};
      for (const [user, raw] of stored) documents[user] = canonical(raw);
      output = { documents };
    } else if (command === 'put') {
      await db.collection(input.collection).insertOne({ _id: input.id, value: JSON.parse(input.json) });
    } else {
      throw new Error(`unknown command ${command}`);
    }
  } finally {
    await client.close();
  }
  fs.writeFileSync(outputPath, JSON.stringify(output));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
