#!/usr/bin/env node
// The peer Steady's sync is measured against (DESIGN.md §7): PouchDB (leveldb adapter)
// replicating to express-pouchdb and back, on loopback, with the same documents.
//
//   node peer.js --docs FILE [--out FILE]
//
// FILE holds one JSON document per line (steady-bench writes them: the fields of a Steady quick
// capture, with the same synthetic note). The script
//   1. starts express-pouchdb (under express) on 127.0.0.1, its databases in a temp dir;
//   2. loads the documents into a local PouchDB (leveldb, temp dir) with bulkDocs (untimed);
//   3. replicates local -> remote (timed: the "push");
//   4. replicates remote -> a fresh local PouchDB (timed: the "pull");
//   5. prints one JSON object with times, HTTP requests and bytes on the wire, stops the
//      server, deletes the temp dir and exits.
// Bytes are counted at the server's sockets (`socket.bytesRead` / `bytesWritten`: headers,
// bodies and framing, as on the wire); requests by a middleware in front of express-pouchdb.
// PouchDB's own defaults are used throughout (batch_size 100, gzip answers from
// express-pouchdb's compression middleware).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

const PouchDB = require('pouchdb');
const express = require('express');
const expressPouchDB = require('express-pouchdb');

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function version(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch (_) {
    return 'unknown';
  }
}

async function readDocs(file) {
  const docs = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file) });
  for await (const line of lines) {
    if (line.trim()) docs.push(JSON.parse(line));
  }
  return docs;
}

async function main() {
  if (process.argv.includes('--link')) return linked();
  const docsFile = arg('--docs');
  if (!docsFile) {
    console.error('usage: node peer.js --docs FILE [--out FILE]');
    process.exit(2);
  }
  const docs = await readDocs(docsFile);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'steady-bench-peer-'));
  fs.mkdirSync(path.join(tmp, 'server'));
  const ServerPouch = PouchDB.defaults({ prefix: path.join(tmp, 'server') + path.sep });

  // The server: express, one counter in front, express-pouchdb behind it.
  const counts = { requests: 0 };
  const sockets = [];
  const app = express();
  app.use((req, res, next) => {
    counts.requests += 1;
    next();
  });
  app.use(
    '/',
    expressPouchDB(ServerPouch, {
      mode: 'minimumForPouchDB',
      logPath: path.join(tmp, 'express-pouchdb.log'),
      inMemoryConfig: true,
    }),
  );
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  server.on('connection', (socket) => sockets.push(socket));
  const wire = () => ({
    requests: counts.requests,
    up: sockets.reduce((n, s) => n + s.bytesRead, 0),
    down: sockets.reduce((n, s) => n + s.bytesWritten, 0),
    connections: sockets.length,
  });
  const remoteUrl = `http://127.0.0.1:${server.address().port}/bench`;

  // The device side: a local database with the documents.
  const local = new PouchDB(path.join(tmp, 'local-a'));
  for (let i = 0; i < docs.length; i += 500) {
    await local.bulkDocs(docs.slice(i, i + 500));
  }
  const loaded = (await local.info()).doc_count;

  const measure = async (run) => {
    const before = wire();
    const started = process.hrtime.bigint();
    const result = await run();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const after = wire();
    return {
      ms,
      docs_written: result.docs_written,
      requests: after.requests - before.requests,
      bytes_up: after.up - before.up,
      bytes_down: after.down - before.down,
      connections: after.connections - before.connections,
    };
  };

  const push = await measure(() => PouchDB.replicate(local, remoteUrl));
  const fresh = new PouchDB(path.join(tmp, 'local-b'));
  const pull = await measure(() => PouchDB.replicate(remoteUrl, fresh));
  const pulled = (await fresh.info()).doc_count;

  const result = {
    docs: docs.length,
    loaded,
    pulled,
    adapter: (await local.info()).adapter,
    versions: {
      node: process.versions.node,
      pouchdb: version('pouchdb'),
      'express-pouchdb': version('express-pouchdb'),
      express: version('express'),
      leveldown: version('leveldown'),
    },
    push,
    pull,
  };

  await local.close();
  await fresh.close();
  await new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
  fs.rmSync(tmp, { recursive: true, force: true });

  const json = JSON.stringify(result);
  const out = arg('--out');
  if (out) fs.writeFileSync(out, json + '\n');
  console.log(json);
  process.exit(loaded === docs.length && pulled === docs.length ? 0 : 1);
}

// The constrained-link mode (steady-bench's `link` section):
//
//   node peer.js --link --workload push|pull --docs FILE [--deadline-ms N]
//
// Starts express-pouchdb as above and loads the documents (untimed): into a local PouchDB for
// `push`, straight into the server's database for `pull`. Then prints {"listening": PORT} and
// reads one line from stdin: the URL of the server's database as the device reaches it (through
// the harness's link, which forwards to PORT). It then replicates once, timed, in the one
// direction, and, as an app would after a dropped connection, calls `PouchDB.replicate` again
// (it resumes from its checkpoint) until the replication completes with every document across
// or the deadline passes. The result counts attempts and checks the documents at the far side
// directly (not through the link).
async function linked() {
  // A request left behind by a cancelled attempt can still fail later (node-fetch rejects it
  // when its socket closes): that is not this run's failure, so it is logged, not fatal.
  process.on('unhandledRejection', (e) => {
    console.error(`  (a cancelled attempt's request failed: ${(e && e.message) || e})`);
  });
  const docsFile = arg('--docs');
  const workload = arg('--workload');
  const deadlineMs = Number(arg('--deadline-ms') || 600000);
  const stallMs = Number(arg('--stall-ms') || 20000);
  if (!docsFile || !['push', 'pull'].includes(workload)) {
    console.error('usage: node peer.js --link --workload push|pull --docs FILE');
    process.exit(2);
  }
  const docs = await readDocs(docsFile);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'steady-bench-link-'));
  fs.mkdirSync(path.join(tmp, 'server'));
  const ServerPouch = PouchDB.defaults({ prefix: path.join(tmp, 'server') + path.sep });
  const counts = { requests: 0 };
  const app = express();
  app.use((req, res, next) => {
    counts.requests += 1;
    next();
  });
  app.use(
    '/',
    expressPouchDB(ServerPouch, {
      mode: 'minimumForPouchDB',
      logPath: path.join(tmp, 'express-pouchdb.log'),
      inMemoryConfig: true,
    }),
  );
  const sockets = [];
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  server.on('connection', (socket) => sockets.push(socket));

  // Untimed: the documents where the workload starts.
  const serverDb = new ServerPouch('bench');
  const device = new PouchDB(path.join(tmp, 'device'));
  const source = workload === 'push' ? device : serverDb;
  for (let i = 0; i < docs.length; i += 500) {
    await source.bulkDocs(docs.slice(i, i + 500));
  }

  console.log(JSON.stringify({ listening: server.address().port }));
  const remoteUrl = await new Promise((resolve) => {
    const lines = readline.createInterface({ input: process.stdin });
    lines.once('line', (line) => {
      lines.close();
      resolve(line.trim());
    });
  });

  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  const debug = process.env.PEER_DEBUG ? (...a) => console.error(elapsed().toFixed(0), ...a) : () => {};
  // Every request and answer counts as activity. After a cut mid-answer, node's fetch (which
  // PouchDB uses here) can wait for the rest of the body forever, with no error; so an attempt
  // with no activity for --stall-ms is cancelled and replicate is called again. The time from
  // the last activity to the cancel is reported apart (`stalled_ms`), so the harness can count
  // PouchDB as if it had noticed the cut at once.
  let lastActivity = 0;
  const active = () => {
    lastActivity = elapsed();
  };
  const remote = new PouchDB(remoteUrl, {
    fetch: (url, opts) => {
      active();
      debug('fetch', (opts && opts.method) || 'GET', String(url).slice(0, 100));
      return PouchDB.fetch(url, opts).then(
        (r) => {
          active();
          debug('  ->', r.status, String(url).slice(0, 60));
          return r;
        },
        (e) => {
          active();
          debug('  x', String(e), String(url).slice(0, 60));
          throw e;
        },
      );
    },
  });
  let attempts = 0;
  let stalledMs = 0;
  let docsWritten = 0;
  const errors = [];
  let done = false;
  while (!done && elapsed() < deadlineMs) {
    attempts += 1;
    active();
    const replication =
      workload === 'push'
        ? PouchDB.replicate(device, remote)
        : PouchDB.replicate(remote, device);
    replication.on('change', active);
    const watchdog = setInterval(() => {
      const now = elapsed();
      if (now - lastActivity > stallMs || now > deadlineMs) {
        clearInterval(watchdog);
        stalledMs += now - lastActivity;
        replication.cancel();
      }
    }, 100);
    const timer = watchdog;
    try {
      const result = await replication;
      clearInterval(timer);
      console.error(`  attempt ${attempts}: ${result.status}, ${result.docs_written} written`);
      docsWritten += result.docs_written;
      const target = workload === 'push' ? serverDb : device;
      done = result.ok !== false && (await target.info()).doc_count === docs.length;
    } catch (e) {
      clearInterval(timer);
      console.error(`  attempt ${attempts}: ${(e && (e.message || e.name)) || e}`);
      if (errors.length < 5) errors.push(String((e && (e.message || e.name)) || e));
    }
  }
  const ms = elapsed();
  const target = workload === 'push' ? serverDb : device;
  const far = await target.allDocs();
  const ids = far.rows.map((r) => r.id);
  const result = {
    workload,
    docs: docs.length,
    done,
    ms,
    attempts,
    stalled_ms: stalledMs,
    docs_written: docsWritten,
    at_far_side: ids.length,
    distinct_at_far_side: new Set(ids).size,
    requests: counts.requests,
    errors,
    versions: {
      node: process.versions.node,
      pouchdb: version('pouchdb'),
      'express-pouchdb': version('express-pouchdb'),
      express: version('express'),
    },
  };
  await device.close();
  await new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(JSON.stringify(result));
  process.exit(0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
