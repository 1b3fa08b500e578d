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

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
