/**
 * The deletion worker's batch sizing: the policy on its own, then the worker driving a real
 * store of each kind (a SQLite file, a PostgreSQL schema) with a fixed and an adaptive size.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, describe, it } from 'node:test';
import { DeletionWorker, nextBatchSize } from '../src/deletions/deletion-worker.js';
import { createLogger } from '../src/log.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { dropSchema, freshSchemaName, schemaUrl } from './support/postgres.js';
import { removeDir, tempDataDir } from './support/server-process.js';
const POLICY = { targetMs: 50, minSize: 100, maxSize: 20_000 };
describe('nextBatchSize', () => {
    it('doubles a full batch that took far less than the target, at most', () => {
        assert.equal(nextBatchSize(1000, 1000, 5, POLICY), 2000);
        assert.equal(nextBatchSize(1000, 1000, 0, POLICY), 2000);
    });
    it('scales towards the target between half and double', () => {
        assert.equal(nextBatchSize(1000, 1000, 40, POLICY), 1250);
        assert.equal(nextBatchSize(1000, 1000, 50, POLICY), 1000);
        assert.equal(nextBatchSize(1000, 1000, 80, POLICY), 625);
        assert.equal(nextBatchSize(1000, 1000, 5000, POLICY), 500);
    });
    it('does not grow after a batch that found fewer items than it asked for', () => {
        assert.equal(nextBatchSize(1000, 10, 1, POLICY), 1000);
        assert.equal(nextBatchSize(1000, 10, 200, POLICY), 500);
    });
    it('stays within the policy bounds', () => {
        assert.equal(nextBatchSize(15_000, 15_000, 1, POLICY), 20_000);
        assert.equal(nextBatchSize(150, 150, 10_000, POLICY), 100);
    });
});
const P = { account: '123456789012', region: 'eu-central-1' };
const TYPE = 'Custom:Batched';
/**
 * `count` items of TYPE, each with `entries` entries, alternately schema versions 1.0 and 2.0,
 * one put after another: each item gets its own sequence number (puts written together may
 * share one, and SQLite batches by sequence number).
 */
async function fill(store, count, entries) {
    const content = JSON.stringify(Array.from({ length: entries }, (_, i) => ({ Name: `e${i}` })));
    for (let n = 0; n < count; n++) {
        const instanceId = `i-${String(n + 1).padStart(17, '0')}`;
        await store.putInventory(P, instanceId, [TYPE], (ctx) => ({
            types: ctx.types.get(TYPE) ? [] : [{ typeName: TYPE, version: '1.0', attributes: [{ Name: 'Name', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
            items: [{ instanceId, typeName: TYPE, schemaVersion: n % 2 === 0 ? '1.0' : '2.0', captureTime: '2026-11-01T00:00:00Z', contentJson: content, entryCount: entries }],
            subTypes: [],
            instance: { status: 'Active' },
        }), 1_000);
    }
}
/** Starts a deletion of TYPE, has a worker carry it out, and returns the batches it ran. */
async function deleteWith(store, options) {
    const deletionId = `d-${Math.random().toString(16).slice(2)}`;
    await store.startDeletion(P, { deletionId, typeName: TYPE, paramsDigest: 'x', now: Date.now() }, () => ({}));
    const batches = [];
    let finished;
    const done = new Promise((resolve) => (finished = resolve));
    const worker = new DeletionWorker(store, { now: () => new Date() }, { batchSize: 10, leaseMs: 60_000, pollMs: 50, pauseMs: 0, retentionMs: 86_400_000, ...options }, createLogger('silent'), (progress) => {
        batches.push(progress);
        if (progress.complete)
            finished();
    });
    worker.start();
    try {
        await done;
    }
    finally {
        await worker.stop();
    }
    const deletion = (await store.getDeletion(P, deletionId));
    assert.equal(deletion.status, 'Complete');
    assert.equal(deletion.remainingCount, 0);
    assert.deepEqual(deletion.versions.map((v) => [v.Version, v.Count, v.RemainingCount]), [['1.0', 150, 0], ['2.0', 150, 0]]);
    assert.equal(deletion.entriesDeleted, 300 * 3);
    return batches;
}
function workerSuite(name, open, cleanUp) {
    describe(`deletion worker on ${name}`, () => {
        after(cleanUp);
        it('runs every batch at the fixed size it was given', async () => {
            const store = await open();
            try {
                await fill(store, 300, 3);
                const batches = await deleteWith(store, { batchSize: 70 });
                assert.deepEqual(batches.map((b) => b.batchSize), [70, 70, 70, 70, 70]);
                assert.deepEqual(batches.map((b) => b.itemsDeleted), [70, 70, 70, 70, 20]);
                assert.ok(batches.every((b) => b.seconds >= 0));
            }
            finally {
                await store.close();
            }
        });
        it('grows batches that finish well within the target, up to the maximum', async () => {
            const store = await open();
            try {
                await fill(store, 300, 3);
                // A target no batch of a few hundred items comes near: each full batch doubles.
                const batches = await deleteWith(store, { batchSize: 10, adaptive: { targetMs: 60_000, minSize: 5, maxSize: 80 } });
                assert.deepEqual(batches.map((b) => b.batchSize), [10, 20, 40, 80, 80, 80]);
                assert.deepEqual(batches.map((b) => b.itemsDeleted), [10, 20, 40, 80, 80, 70]);
            }
            finally {
                await store.close();
            }
        });
    });
}
const sqliteDir = tempDataDir();
let sqliteFiles = 0;
workerSuite('SQLite', async () => openSqliteStore({ path: join(sqliteDir, `worker-${++sqliteFiles}.sqlite`) }), async () => removeDir(sqliteDir));
const schemas = [];
workerSuite('PostgreSQL', async () => {
    schemas.push(freshSchemaName());
    return openPostgresStore({ url: schemaUrl(schemas[schemas.length - 1]) });
}, async () => {
    await Promise.all(schemas.map(dropSchema));
});
describe('the deletion worker after a failure of the store', () => {
    it('goes on working deletions when forgetting expired ones fails (the SQLite file locked by another process at start)', async () => {
        const dir = tempDataDir();
        after(() => removeDir(dir));
        const path = join(dir, 'inventory.sqlite');
        const store = openSqliteStore({ path });
        await fill(store, 30, 2);
        const warnings = [];
        const errors = [];
        const log = { ...createLogger('silent'), warn: (message) => warnings.push(message), error: (message) => errors.push(message) };
        const holder = new Database(path);
        holder.exec('BEGIN IMMEDIATE');
        let finished;
        const done = new Promise((resolve) => (finished = resolve));
        const worker = new DeletionWorker(store, { now: () => new Date() }, { batchSize: 10, leaseMs: 60_000, pollMs: 50, pauseMs: 0, retentionMs: 86_400_000 }, log, (progress) => {
            if (progress.complete)
                finished();
        });
        // Its first turn forgets expired deletions, which waits for the write lock and fails after 5 s.
        worker.start();
        try {
            for (let waited = 0; !warnings.includes('could not forget deletions past their retention; will retry'); waited += 50) {
                assert.ok(waited < 30_000, `no warning of the failed purge; logged: ${JSON.stringify({ warnings, errors })}`);
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            holder.exec('ROLLBACK');
            const deletionId = 'after-the-lock';
            await store.startDeletion(P, { deletionId, typeName: TYPE, paramsDigest: 'x', now: Date.now() }, () => ({}));
            worker.notify();
            await done;
            const deletion = (await store.getDeletion(P, deletionId));
            assert.equal(deletion.status, 'Complete');
            assert.equal(deletion.remainingCount, 0);
            assert.deepEqual(errors, []);
        }
        finally {
            if (holder.inTransaction)
                holder.exec('ROLLBACK');
            holder.close();
            await worker.stop();
            await store.close();
        }
    });
});
//# sourceMappingURL=deletion-worker.test.js.map