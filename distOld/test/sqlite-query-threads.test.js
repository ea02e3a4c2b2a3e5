/**
 * The SQLite store's query threads (sqlite-query-threads.ts) on a real database file: what a
 * query returns or throws, and what happens when a thread stops. What the server gains from
 * them is tested in fleet-reports.test.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteQueryThreads } from '../src/store/sqlite/sqlite-query-threads.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { instanceId } from './support/clients.js';
import { removeDir, tempDataDir } from './support/server-process.js';
const CAPTURE = '2026-11-01T10:00:00Z';
const P = { account: '123456789012', region: 'us-east-1' };
describe('SQLite query threads', () => {
    const dir = tempDataDir();
    after(() => removeDir(dir));
    const path = join(dir, 'inventory.sqlite');
    async function fileWithOneInstance() {
        const store = openSqliteStore({ path, queryThreads: 0 });
        await store.putInventory(P, instanceId(1), ['Custom:T'], () => ({
            instance: { status: 'Active', details: {} },
            types: [{ typeName: 'Custom:T', version: '1.0', attributes: [{ Name: 'Name', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
            subTypes: [],
            items: [{ instanceId: instanceId(1), typeName: 'Custom:T', schemaVersion: '1.0', captureTime: CAPTURE, contentJson: '[{"Name":"a"}]', entryCount: 1 }],
        }), 1);
        await store.close();
    }
    it('pass SQLite errors on with their codes, as the store classifies them', async () => {
        await fileWithOneInstance();
        const threads = new SqliteQueryThreads(path, 1);
        after(() => threads.close());
        const rows = await threads.run('aggregate', P.account, P.region, { conditions: [] }, [{ source: 'item', typeName: 'Custom:T', attribute: 'Name' }]);
        assert.deepEqual(rows, [{ values: ['a'], instances: 1 }]);
        // A condition no query is built for makes SQL that SQLite refuses.
        const bogus = { source: 'instance', typeName: 'AWS:InstanceInformation', attribute: 'InstanceId', operator: 'Bogus', values: [] };
        const error = await threads.run('countGroup', P.account, P.region, { conditions: [] }, [bogus]).then(() => undefined, (e) => e);
        assert.ok(error instanceof Database.SqliteError, String(error));
        assert.equal(error.code, 'SQLITE_ERROR');
        assert.match(error.stack ?? '', /sqlite-inventory-query/);
    });
    it('fail the queries of a thread that stops, and start a new thread for the next', async () => {
        await fileWithOneInstance();
        const threads = new SqliteQueryThreads(path, 1);
        after(() => threads.close());
        const query = () => threads.run('inventoryPage', P.account, P.region, { conditions: [] }, '', 50);
        const pending = query();
        const [thread] = threads.threads;
        // The thread has not even started: the query cannot have been answered.
        await thread.worker.terminate();
        await assert.rejects(pending, /a SQLite query thread stopped \(exit code \d+\)/);
        const page = await query();
        assert.deepEqual(page.instances.map((i) => i.instanceId), [instanceId(1)]);
        assert.notEqual(threads.threads[0].worker, thread.worker);
    });
    it('fail every query after close', async () => {
        await fileWithOneInstance();
        const threads = new SqliteQueryThreads(path, 2);
        await threads.run('inventoryPage', P.account, P.region, { conditions: [] }, '', 50);
        await threads.close();
        await assert.rejects(threads.run('inventoryPage', P.account, P.region, { conditions: [] }, '', 50), /the store is closed/);
    });
});
//# sourceMappingURL=sqlite-query-threads.test.js.map