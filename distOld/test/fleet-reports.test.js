/**
 * Reports (GetInventory with filters, aggregators or groups) scan the fleet. While they run,
 * the server goes on answering everything else: on SQLite they run on a query thread, on
 * PostgreSQL they take at most half the connection pool. And a report sees every put answered
 * before it was asked. Runs on both stores.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { GetInventoryCommand, GetInventorySchemaCommand, PutInventoryCommand } from '@aws-sdk/client-ssm';
import { instanceId, sdkClient } from './support/clients.js';
import { removeDir, startServerProcess } from './support/server-process.js';
const CAPTURE = '2026-11-01T10:00:00Z';
describe('fleet reports', () => {
    it('leave the server answering other calls, puts included, while they scan the whole fleet', async () => {
        // Two connections on PostgreSQL: reports may hold one of them.
        const server = await startServerProcess({ args: ['--database-pool-size', '2'] });
        after(() => server.kill());
        after(() => removeDir(server.dataDir));
        const client = sdkClient(server.url);
        after(() => client.destroy());
        // 1,500 instances x 300 entries: each nested aggregation reads 450,000 entries.
        const instances = 1500;
        let next = 1;
        await Promise.all(Array.from({ length: 8 }, async () => {
            while (next <= instances) {
                const n = next++;
                const content = Array.from({ length: 300 }, (_, i) => ({ Name: `app-${(n + i) % 50}`, Version: `${i % 3}.0` }));
                await client.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [{ TypeName: 'Custom:Software', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content }] }));
            }
        }));
        let reportsDone = 0;
        const reports = Array.from({ length: 4 }, () => client.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'Custom:Software.Name', Aggregators: [{ Expression: 'Custom:Software.Version' }] }] }))
            .finally(() => reportsDone++));
        // Let the server begin the reports (their requests are small), then call it meanwhile.
        await delay(30);
        let answeredMeanwhile = 0;
        for (let i = 0; reportsDone === 0; i++) {
            if (i % 2 === 0)
                await client.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Software' }));
            else
                await client.send(new PutInventoryCommand({ InstanceId: instanceId(instances + i), Items: [{ TypeName: 'Custom:Other', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Name: 'x' }] }] }));
            if (reportsDone === 0)
                answeredMeanwhile++;
        }
        // Before: on SQLite the report held the event loop, on PostgreSQL the reports held every
        // connection, and no call was answered until the first report was (0 here).
        assert.ok(answeredMeanwhile >= 3, `only ${answeredMeanwhile} calls were answered before the first report`);
        for (const result of await Promise.all(reports)) {
            // Every instance has every (Name, Version) combination: 300 entries cover the 150 twice.
            const rows = result.Entities[0].Data['Custom:Software'].Content;
            assert.equal(rows.length, 50 * 3);
            assert.deepEqual(rows[0], { Name: 'app-0', Version: '0.0', Count: String(instances) });
            assert.ok(rows.every((row) => row.Count === String(instances)));
        }
    });
    it('see every put answered before they were asked: filtered pages, aggregations and groups', async () => {
        const server = await startServerProcess();
        after(() => server.kill());
        after(() => removeDir(server.dataDir));
        const client = sdkClient(server.url);
        after(() => client.destroy());
        for (let n = 1; n <= 25; n++) {
            const marker = `marker-${n}`;
            await client.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [{ TypeName: 'Custom:Marked', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Marker: marker }] }] }));
            const [page, aggregation, group] = await Promise.all([
                client.send(new GetInventoryCommand({ Filters: [{ Key: 'Custom:Marked.Marker', Values: [marker], Type: 'Equal' }] })),
                client.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'Custom:Marked.Marker' }] })),
                client.send(new GetInventoryCommand({ Aggregators: [{ Groups: [{ Name: 'Latest', Filters: [{ Key: 'Custom:Marked.Marker', Values: [marker], Type: 'Equal' }] }] }] })),
            ]);
            assert.deepEqual(page.Entities.map((e) => e.Id), [instanceId(n)]);
            assert.equal(aggregation.Entities[0].Data['Custom:Marked'].Content.length, n);
            assert.deepEqual(group.Entities[0].Data.Latest.Content, [{ matchingCount: '1', notMatchingCount: String(n - 1) }]);
        }
    });
});
//# sourceMappingURL=fleet-reports.test.js.map