/**
 * SQLite's write lock held by another process (the sqlite3 shell, a backup tool, a second
 * server on the same file). The server waits for the lock with timers, so it keeps answering
 * everything that does not need the lock; a write that waits past 5 s fails with
 * InternalServerError, logged as an outage; once the lock is free, writes go on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { instanceId, rawCall } from './support/clients.js';
import { removeDir, startServerProcess } from './support/server-process.js';
const CAPTURE = '2026-11-01T10:00:00Z';
const call = (url, operation, body) => rawCall(url, `AmazonSSM.${operation}`, body, {}, 20_000);
const putBody = (n, typeName = 'Custom:Locked') => ({
    InstanceId: instanceId(n),
    Items: [{ TypeName: typeName, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Name: `item-${n}` }] }],
});
/** Another connection to the server's file, holding the write lock (BEGIN IMMEDIATE) until released. */
function holdWriteLock(server) {
    const db = new Database(join(server.dataDir, 'inventory.sqlite'));
    db.exec('BEGIN IMMEDIATE');
    let held = true;
    return {
        release: () => {
            if (!held)
                return;
            held = false;
            db.exec('ROLLBACK');
            db.close();
        },
        held: () => held,
    };
}
describe('SQLite write lock held by another process', () => {
    const servers = [];
    after(async () => {
        for (const server of servers) {
            if (server.child.exitCode === null && server.child.signalCode === null)
                await server.kill();
            removeDir(server.dataDir);
        }
    });
    it('keeps answering reads while writes wait for the lock, and the waiting writes succeed once it is free', async () => {
        const server = await startServerProcess();
        servers.push(server);
        assert.equal((await call(server.url, 'PutInventory', putBody(1))).status, 200);
        assert.equal((await call(server.url, 'PutInventory', putBody(2, 'Custom:Doomed'))).status, 200);
        const lock = holdWriteLock(server);
        // Released at the latest after 4 s (before a write would give up): the reads below must answer before that.
        const releaseLater = setTimeout(() => lock.release(), 4000);
        try {
            const put = call(server.url, 'PutInventory', putBody(3));
            const deletion = call(server.url, 'DeleteInventory', { TypeName: 'Custom:Doomed' });
            await new Promise((resolve) => setTimeout(resolve, 300)); // both are waiting for the lock now
            // Before, SQLite's busy handler held the event loop while a write waited: nothing answered.
            const health = await fetch(`${server.url}/health`);
            assert.equal(health.status, 200);
            const entries = await call(server.url, 'ListInventoryEntries', { InstanceId: instanceId(1), TypeName: 'Custom:Locked' });
            assert.equal(entries.status, 200, JSON.stringify(entries.json));
            assert.deepEqual(entries.json.Entries, [{ Name: 'item-1' }]);
            const schema = await call(server.url, 'GetInventorySchema', { TypeName: 'Custom:Locked' });
            assert.equal(schema.status, 200);
            assert.ok(lock.held(), 'the reads answered only after the lock was released');
            lock.release();
            const [putAnswer, deletionAnswer] = await Promise.all([put, deletion]);
            assert.equal(putAnswer.status, 200, JSON.stringify(putAnswer.json));
            assert.equal(deletionAnswer.status, 200, JSON.stringify(deletionAnswer.json));
        }
        finally {
            clearTimeout(releaseLater);
            lock.release();
        }
        const stored = await call(server.url, 'ListInventoryEntries', { InstanceId: instanceId(3), TypeName: 'Custom:Locked' });
        assert.deepEqual(stored.json.Entries, [{ Name: 'item-3' }]);
        assert.doesNotMatch(server.output(), /"level":"error"/);
    });
    it('on SIGTERM, answers the put waiting for the lock once it is free, closing its connection, then exits', async () => {
        const server = await startServerProcess();
        servers.push(server);
        assert.equal((await call(server.url, 'PutInventory', putBody(1))).status, 200);
        const lock = holdWriteLock(server);
        try {
            const put = fetch(server.url, {
                method: 'POST',
                headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.PutInventory' },
                body: JSON.stringify(putBody(2)),
            });
            await new Promise((resolve) => setTimeout(resolve, 300)); // the put waits for the lock
            const exit = server.stop();
            await new Promise((resolve) => setTimeout(resolve, 300));
            assert.equal(server.child.exitCode, null, 'the server waits for the put in flight');
            lock.release();
            const answer = await put;
            assert.equal(answer.status, 200, await answer.text());
            // A draining server closes each connection it answers: the drain ends with the last call,
            // not when the client's keep-alive times out.
            assert.equal(answer.headers.get('connection'), 'close');
            assert.equal(await exit, 0);
        }
        finally {
            lock.release();
        }
        const db = new Database(join(server.dataDir, 'inventory.sqlite'), { readonly: true });
        const stored = db.prepare(`SELECT instance_id FROM items WHERE type_name = 'Custom:Locked' ORDER BY instance_id`).pluck().all();
        db.close();
        assert.deepEqual(stored, [instanceId(1), instanceId(2)]);
    });
    it('fails a write that waits longer than 5 s with InternalServerError, logged as an outage, and writes again once the lock is free', async () => {
        const server = await startServerProcess();
        servers.push(server);
        const lock = holdWriteLock(server);
        try {
            const refused = await call(server.url, 'PutInventory', putBody(1));
            assert.ok(lock.held());
            assert.equal(refused.status, 500, JSON.stringify(refused.json));
            assert.equal(refused.json.__type, 'InternalServerError');
            assert.match(server.output(), /"message":"database unavailable".*"operation":"PutInventory".*SQLite could not lock the database file in time: database is locked \(SQLITE_BUSY\)/);
            assert.doesNotMatch(server.output(), /unexpected error/);
        }
        finally {
            lock.release();
        }
        assert.equal((await call(server.url, 'PutInventory', putBody(1))).status, 200);
        const stored = await call(server.url, 'ListInventoryEntries', { InstanceId: instanceId(1), TypeName: 'Custom:Locked' });
        assert.deepEqual(stored.json.Entries, [{ Name: 'item-1' }]);
    });
});
//# sourceMappingURL=sqlite-locked.test.js.map