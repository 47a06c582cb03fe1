// The local stack's Node-served AWS parts, run as `node scripts/local_stack/node_services.mjs SERVICE DIR`:
//   dynamodb  dynalite (LevelDB under DIR): DynamoDB with real indexes, each request applied atomically
//   s3        s3rver (files under DIR): S3 with presigned POST/GET, CORS and multipart uploads
// Prints `port N` once it listens on 127.0.0.1, then (s3) one `event <json>` line per S3 event, and
// serves until its stdin closes (its parent stopped or died), so no orphan is left behind.
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const [service, directory] = process.argv.slice(2);

function announce(port) {
  process.stdout.write(`port ${port}\n`);
}

async function startDynamoDB() {
  const db = require("dynalite/db");
  cacheActiveTables(db);
  batchIndexWrites(db);
  const dynalite = require("dynalite");
  // Tables become ACTIVE at once; the stack still waits for ACTIVE, as against DynamoDB.
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve, reject) => server.listen(0, "127.0.0.1", resolve).on("error", reject));
  announce(server.address().port);
  return () => new Promise((resolve) => server.close(resolve));
}

// dynalite reads and decodes a table's description (key schema, every index) from LevelDB at the start
// of every item request: an eighth of its time in an import. Item requests get the description of an
// ACTIVE table from memory instead; any write of a description (create, update, delete, status change)
// forgets them all, and table administration always reads LevelDB, as before.
function cacheActiveTables(db) {
  const create = db.create;
  db.create = (options) => {
    const store = create(options);
    const { tableDb, getTable } = store;
    const active = new Map();
    let writes = 0; // a description read while one is written is not kept
    for (const method of ["put", "del", "batch"]) {
      const write = tableDb[method];
      tableDb[method] = function (...args) {
        writes += 1;
        active.clear();
        return write.apply(this, args);
      };
    }
    store.getTable = (name, checkStatus, callback) => {
      if (typeof checkStatus !== "function") return getTable(name, checkStatus, callback);
      const cached = active.get(name);
      if (cached) return process.nextTick(checkStatus, null, cached);
      const writesBefore = writes;
      getTable(name, (error, table) => {
        if (!error && table.TableStatus === "ACTIVE" && writes === writesBefore) active.set(name, table);
        checkStatus(error, table);
      });
    };
    return store;
  };
}

// dynalite writes an item's index entries one LevelDB put at a time (six for a lead), after their
// deletes, and rewrites entries that did not change. Here they go in one LevelDB batch, without the
// unchanged ones: a merge waits on two LevelDB round trips fewer, and a re-imported lead writes no index.
// The keys are dynalite 4's own ("index-<type>~<table>~<index>~<key>", package.json pins the version).
function batchIndexWrites(db) {
  db.updateIndexes = (store, table, existingItem, item, callback) => {
    if (!existingItem && !item) return callback();
    const operations = [];
    for (const indexType of ["Local", "Global"]) {
      const indexes = table[`${indexType}SecondaryIndexes`] || [];
      const { puts, deletes } = db.getIndexActions(indexes, existingItem, item, table);
      const prefix = (index) => `index-${indexType.toLowerCase()}~${table.TableName}~${index}~`;
      for (const { index, key } of deletes) operations.push({ type: "del", key: prefix(index) + key });
      const unchanged = new Set(
        existingItem ? db.getIndexActions(indexes, null, existingItem, table).puts.map(entryText) : [],
      );
      for (const put of puts) {
        if (!unchanged.has(entryText(put))) operations.push({ type: "put", key: prefix(put.index) + put.key, value: put.item });
      }
    }
    if (!operations.length) return process.nextTick(callback);
    store.db.batch(operations, callback);
  };
}

function entryText({ index, key, item }) {
  return JSON.stringify([index, key, item]);
}

async function startS3() {
  const S3rver = require("s3rver");
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory,
    silent: true,
    vhostBuckets: false,
  });
  server.on("event", (event) => process.stdout.write(`event ${JSON.stringify(event)}\n`));
  server.middleware.unshift(multipartHousekeeping(server.store));
  const { port } = await server.run();
  announce(port);
  return () => server.close();
}

// s3rver stores a multipart upload's parts under the bucket's `uploads/<uploadId>/` until it is
// completed, but cannot abort or list one: S3's AbortMultipartUpload and ListMultipartUploads, added
// here so that an export that fails cleans up after itself as it does in AWS.
function multipartHousekeeping(store) {
  const escape = (text) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return async (ctx, next) => {
    const [bucket, ...keyParts] = ctx.path.slice(1).split("/");
    const uploads = bucket && store.getResourcePath(decodeURIComponent(bucket), undefined, "uploads");
    if (ctx.method === "DELETE" && keyParts.length && ctx.query.uploadId) {
      const directory = path.join(uploads, path.basename(ctx.query.uploadId));
      if (!(await stat(directory).catch(() => null))) {
        ctx.status = 404;
        ctx.type = "application/xml";
        ctx.body = "<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>";
        return;
      }
      await rm(directory, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (ctx.method === "GET" && !keyParts.length && "uploads" in ctx.query) {
      const prefix = ctx.query.prefix || "";
      const entries = [];
      for (const uploadId of await readdir(uploads).catch(() => [])) {
        const directory = path.join(uploads, uploadId);
        const key = await readFile(path.join(directory, "key"), "utf8").catch(() => null);
        if (key === null || !key.startsWith(prefix)) continue;
        const { birthtime } = await stat(directory);
        entries.push(
          `<Upload><Key>${escape(key)}</Key><UploadId>${escape(uploadId)}</UploadId>` +
            `<Initiated>${birthtime.toISOString()}</Initiated></Upload>`,
        );
      }
      ctx.type = "application/xml";
      ctx.body =
        `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${escape(bucket)}</Bucket>` +
        `<Prefix>${escape(prefix)}</Prefix><IsTruncated>false</IsTruncated>${entries.join("")}` +
        "</ListMultipartUploadsResult>";
      return;
    }
    await next();
  };
}

const starters = { dynamodb: startDynamoDB, s3: startS3 };
if (!starters[service] || !directory) {
  process.stderr.write("usage: node node_services.mjs dynamodb|s3 DIRECTORY\n");
  process.exit(2);
}
const stop = await starters[service]();
process.stdin.resume();
process.stdin.on("end", async () => {
  await stop();
  process.exit(0);
});
