/** Data survives restarts; a deletion interrupted by kill -9 resumes and completes with exact counts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeleteInventoryCommand, DescribeInventoryDeletionsCommand, GetInventorySchemaCommand, ListInventoryEntriesCommand, PutInventoryCommand, } from '@aws-sdk/client-ssm';
import { instanceId, sdkClient } from './support/clients.js';
import { removeDir, startServerProcess, tempDataDir } from './support/server-process.js';
const CAPTURE = '2026-11-01T10:00:00Z';
async function putMany(ssm, typeName, count, version) {
    const content = Array.from({ length: 20 }, (_, i) => ({ Name: `pkg-${i}`, Version: String(i) }));
    for (let start = 1; start <= count; start += 50) {
        await Promise.all(Array.from({ length: Math.min(50, count - start + 1) }, (_, k) => version(start + k) === ''
            ? undefined
            : ssm.send(new PutInventoryCommand({ InstanceId: instanceId(start + k), Items: [{ TypeName: typeName, SchemaVersion: version(start + k), CaptureTime: CAPTURE, Content: content }] }))));
    }
}
describe('restarts and crashes', () => {
    it('keeps data across a graceful restart, and SIGTERM exits cleanly', async () => {
        const dataDir = tempDataDir();
        let server = await startServerProcess({ dataDir });
        let ssm = sdkClient(server.url);
        await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: [{ TypeName: 'Custom:Kept', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ A: 'survives' }] }] }));
        ssm.destroy();
        assert.equal(await server.stop(), 0, 'exit code after SIGTERM');
        assert.match(server.output(), /ssm-inventory stopped/);
        server = await startServerProcess({ dataDir });
        ssm = sdkClient(server.url);
        const entries = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Kept' }));
        assert.deepEqual(entries.Entries, [{ A: 'survives' }]);
        assert.equal((await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Kept' }))).Schemas.length, 1);
        ssm.destroy();
        await server.stop();
        removeDir(dataDir);
    });
    it('finishes in-flight requests on SIGTERM', async () => {
        const server = await startServerProcess();
        const ssm = sdkClient(server.url);
        const content = Array.from({ length: 500 }, (_, i) => ({ Name: `pkg-${i}` }));
        const puts = Array.from({ length: 20 }, (_, i) => ssm.send(new PutInventoryCommand({ InstanceId: instanceId(i + 1), Items: [{ TypeName: 'Custom:Inflight', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content }] })).then(() => 'ok', (e) => e.name));
        await new Promise((r) => setTimeout(r, 5));
        const exit = server.stop();
        const outcomes = await Promise.all(puts);
        assert.equal(await exit, 0);
        // Every put either completed or was refused before it started; none was cut off halfway.
        for (const outcome of outcomes)
            assert.ok(['ok', 'ServiceUnavailable'].includes(outcome) || /ECONNREFUSED|socket|ECONNRESET/.test(outcome) || outcome === 'TimeoutError' || outcome === 'Error', outcome);
        ssm.destroy();
        removeDir(server.dataDir);
    });
    it('resumes a deletion after kill -9 and completes it with exact counts', async () => {
        const dataDir = tempDataDir();
        // Small, paced batches make the deletion take several seconds, so the kill lands mid-way.
        const args = ['--deletion-batch-size', '10', '--deletion-pause-ms', '15', '--deletion-lease-ms', '1000', '--deletion-poll-ms', '100'];
        let server = await startServerProcess({ dataDir, args });
        let ssm = sdkClient(server.url);
        // Version 1.0 everywhere, then 2.0 on every third instance: a schema version only rises.
        await putMany(ssm, 'Custom:Crash', 1500, () => '1.0');
        await putMany(ssm, 'Custom:Crash', 1500, (id) => (id % 3 === 0 ? '2.0' : ''));
        const started = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Crash', SchemaDeleteOption: 'DeleteSchema' }));
        const expected = [{ Version: '1.0', Count: 1000, RemainingCount: 1000 }, { Version: '2.0', Count: 500, RemainingCount: 500 }];
        assert.deepEqual(started.DeletionSummary.SummaryItems, expected);
        for (let kill = 0; kill < 3; kill++) {
            // Wait until the worker has made some progress, then kill the process without warning.
            let remaining = 1500;
            const target = 1500 - (kill + 1) * 300;
            while (remaining > target) {
                const status = (await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: started.DeletionId }))).InventoryDeletions[0];
                remaining = status.DeletionSummary.RemainingCount;
                assert.equal(status.LastStatus, 'InProgress', 'killed before it finished');
                await new Promise((r) => setTimeout(r, 20));
            }
            ssm.destroy();
            await server.kill();
            server = await startServerProcess({ dataDir, args });
            ssm = sdkClient(server.url);
            const after = (await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: started.DeletionId }))).InventoryDeletions[0];
            const summary = after.DeletionSummary;
            assert.equal(summary.TotalCount, 1500);
            assert.equal(summary.RemainingCount, summary.SummaryItems.reduce((s, v) => s + v.RemainingCount, 0));
        }
        const deadline = Date.now() + 60_000;
        for (;;) {
            const status = (await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: started.DeletionId }))).InventoryDeletions[0];
            if (status.LastStatus === 'Complete') {
                assert.deepEqual(status.DeletionSummary, { TotalCount: 1500, RemainingCount: 0, SummaryItems: expected.map((v) => ({ ...v, RemainingCount: 0 })) });
                break;
            }
            assert.ok(Date.now() < deadline, 'the resumed deletion did not complete');
            await new Promise((r) => setTimeout(r, 100));
        }
        // Every item is gone, and the schema with it.
        assert.deepEqual((await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Crash' }))).Schemas, []);
        await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: [{ TypeName: 'Custom:Crash', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Probe: 'x' }] }] }));
        for (const id of [2, 3, 750, 1500]) {
            assert.deepEqual((await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(id), TypeName: 'Custom:Crash' }))).Entries, [], `instance ${id}`);
        }
        ssm.destroy();
        await server.stop();
        removeDir(dataDir);
    });
});
//# sourceMappingURL=restart-and-crash.test.js.map