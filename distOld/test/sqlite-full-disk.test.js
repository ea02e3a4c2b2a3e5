/**
 * SQLite on a disk that is full: the server is restarted after a crash with a deletion in
 * progress, on files that may not grow (bash's `ulimit -f`, which fails writes the way a full
 * disk does). It must stay responsive: reads answer, writes get InternalServerError, the
 * deletion worker waits instead of spinning, and once there is room again the deletion
 * finishes with exact counts.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { instanceId, rawCall } from './support/clients.js';
import { removeDir, startServerProcess, tempDataDir } from './support/server-process.js';
const CAPTURE = '2026-11-01T10:00:00Z';
const ITEMS = 30;
/** A server that stopped answering fails the test instead of holding it. */
const call = (url, operation, body) => rawCall(url, `AmazonSSM.${operation}`, body, {}, 5000);
async function until(what, attempt, ms = 20_000) {
    const deadline = Date.now() + ms;
    for (;;) {
        const value = await attempt();
        if (value !== undefined)
            return value;
        if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}
const putBody = (n) => ({
    InstanceId: instanceId(n),
    Items: [{ TypeName: 'Custom:Stuck', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Name: `item-${n}`, Note: 'x'.repeat(200) }] }],
});
describe('SQLite on a full disk', () => {
    const dataDir = tempDataDir();
    const servers = [];
    after(async () => {
        for (const server of servers)
            if (server.child.exitCode === null && server.child.signalCode === null)
                await server.kill();
        removeDir(dataDir);
    });
    it('stays responsive with a deletion in progress, and finishes it exactly once there is room', async () => {
        // 1. A deletion that deletes one item and then pauses for a minute; the server dies meanwhile.
        const first = await startServerProcess({ dataDir, args: ['--deletion-batch-size', '1', '--deletion-pause-ms', '60000', '--deletion-lease-ms', '200', '--deletion-poll-ms', '100'] });
        servers.push(first);
        for (let n = 0; n < ITEMS; n++)
            assert.equal((await call(first.url, 'PutInventory', putBody(n))).status, 200);
        const started = await call(first.url, 'DeleteInventory', { TypeName: 'Custom:Stuck' });
        assert.equal(started.status, 200, JSON.stringify(started));
        const deletionId = started.json.DeletionId;
        const describe = async (url) => (await call(url, 'DescribeInventoryDeletions', { DeletionId: deletionId })).json.InventoryDeletions[0];
        await until('the first batch', async () => ((await describe(first.url)).DeletionSummary.RemainingCount === ITEMS - 1 ? true : undefined));
        await first.kill();
        // 2. Restarted on files that cannot grow: its write-ahead log (WAL) already reaches past the limit.
        // The limit leaves room for the WAL index (32 KiB, -shm) to be read and rebuilt at start.
        const limitKiB = 48;
        assert.ok(statSync(join(dataDir, 'inventory.sqlite-wal')).size > limitKiB * 1024, 'the test needs a write-ahead log longer than the limit');
        const full = await startServerProcess({ dataDir, fileSizeLimitKiB: limitKiB, args: ['--deletion-lease-ms', '200', '--deletion-poll-ms', '100'] });
        servers.push(full);
        await new Promise((resolve) => setTimeout(resolve, 1000)); // the lease of the dead server has expired; the worker has tried
        const health = await fetch(`${full.url}/health`, { signal: AbortSignal.timeout(2000) });
        assert.equal(health.status, 200);
        const stuck = await describe(full.url);
        assert.equal(stuck.LastStatus, 'InProgress');
        assert.equal(stuck.DeletionSummary.RemainingCount, ITEMS - 1);
        const refused = await call(full.url, 'PutInventory', putBody(1000));
        assert.equal(refused.status, 500, JSON.stringify(refused));
        assert.equal(refused.json.__type, 'InternalServerError');
        // Logged as an outage of the storage, naming SQLite's reason, without a stack trace.
        assert.match(full.output(), /"message":"database unavailable".*"operation":"PutInventory".*SQLite could not use the database file: .*\((SQLITE_FULL|SQLITE_IOERR\w*)\)/);
        assert.doesNotMatch(full.output(), /unexpected error|\n\s+at /);
        assert.equal((await call(full.url, 'ListInventoryEntries', { InstanceId: instanceId(ITEMS - 1), TypeName: 'Custom:Stuck' })).status, 200);
        // The claim could not be written, so the worker never started on the job (it used to spin on it).
        assert.match(full.output(), /could not claim a deletion/);
        assert.doesNotMatch(full.output(), /working deletion/);
        assert.equal(full.child.exitCode, null);
        await full.stop();
        // 3. Room again: the deletion finishes, every item counted once.
        const roomy = await startServerProcess({ dataDir, args: ['--deletion-lease-ms', '200', '--deletion-poll-ms', '100'] });
        servers.push(roomy);
        const done = await until('the deletion to complete', async () => {
            const deletion = await describe(roomy.url);
            return deletion.LastStatus === 'Complete' ? deletion : undefined;
        });
        assert.deepEqual(done.DeletionSummary, { TotalCount: ITEMS, RemainingCount: 0, SummaryItems: [{ Version: '1.0', Count: ITEMS, RemainingCount: 0 }] });
        const left = await call(roomy.url, 'GetInventory', { Filters: [{ Key: 'Custom:Stuck.Name', Values: ['item-'], Type: 'BeginWith' }] });
        assert.deepEqual(left.json.Entities, []);
        assert.equal((await call(roomy.url, 'PutInventory', putBody(1000))).status, 200);
        await roomy.stop();
    });
});
//# sourceMappingURL=sqlite-full-disk.test.js.map