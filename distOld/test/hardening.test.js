/**
 * Bounded runs of the fuzz and crash harnesses (fuzz/): `npm run fuzz` runs them longer
 * with a random seed. Fixed seeds here, so a failure is reproduced by the same run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeleteInventoryCommand, DescribeInventoryDeletionsCommand, GetInventoryCommand, GetInventorySchemaCommand, ListInventoryEntriesCommand, PutInventoryCommand, } from '@aws-sdk/client-ssm';
import { runCrashHarness } from '../fuzz/crash.js';
import { runFuzz } from '../fuzz/harness.js';
import { instanceId, rawCall, sdkClient } from './support/clients.js';
import { removeDir, startServerProcess, tempDataDir } from './support/server-process.js';
describe('hardening', () => {
    it('answers 2,000 generated hostile requests with 4xx of the right family, keeps its data and stays up', async () => {
        const maxBodyBytes = 1024 * 1024;
        const requestTimeoutMs = 1500;
        const server = await startServerProcess({ args: ['--max-body-bytes', String(maxBodyBytes), '--request-timeout-ms', String(requestTimeoutMs)] });
        try {
            const report = await runFuzz({ url: server.url, count: 2000, seed: 20261122, maxBodyBytes, requestTimeoutMs });
            assert.deepEqual(report.findings, []);
            assert.ok(report.rejected > 1000, `most generated requests are refused (${report.rejected})`);
            assert.ok(report.accepted > 100, `and some are valid (${report.accepted})`);
            assert.doesNotMatch(server.output(), /unexpected error/);
        }
        finally {
            await server.stop();
            removeDir(server.dataDir);
        }
    });
    it('loses no acknowledged put, shows no half put and finishes every deletion exactly across 20 kill -9', async () => {
        const dataDir = tempDataDir();
        try {
            const report = await runCrashHarness({ dataDir, rounds: 20, seed: 20261122 });
            assert.deepEqual(report.findings, []);
            assert.equal(report.killPoints, 20);
            assert.ok(report.acknowledgedPuts > 100, `puts were acknowledged between kills (${report.acknowledgedPuts})`);
            assert.ok(report.deletionsResumed >= 2, `kills landed in the middle of deletions (${report.deletionsResumed} of ${report.deletionsKilled})`);
        }
        finally {
            removeDir(dataDir);
        }
    });
    it('takes U+0000 and U+0001 wherever a string may hold them, and finds them again (SQLite and PostgreSQL alike)', async () => {
        const server = await startServerProcess();
        const ssm = sdkClient(server.url);
        const type = 'Custom:Odd\u0000Type\u0001';
        const capture = '2026-11-01T10:00:00Z';
        try {
            for (const [n, value] of [[1, 'a\u0000b'], [2, 'a\u0001'], [3, 'a']]) {
                await ssm.send(new PutInventoryCommand({
                    InstanceId: instanceId(n),
                    Items: [
                        { TypeName: type, SchemaVersion: '1.0', CaptureTime: capture, ContentHash: 'hash\u0000', Content: [{ 'Key\u0000': value, Plain: 'p\u0001' }] },
                        { TypeName: 'AWS:InstanceInformation', SchemaVersion: '1.0', CaptureTime: capture, Content: [{ AgentType: `agent${value}`, InstanceStatus: 'Active' }] },
                        { TypeName: 'AWS:ComplianceItem', SchemaVersion: '1.0', CaptureTime: capture, Context: { ExecutionId: 'e\u0000', ExecutionType: 'Command' },
                            Content: [{ ComplianceType: `Kind\u0000${n}`, Id: 'c1', Status: 'COMPLIANT' }] },
                    ],
                }));
            }
            const ids = async (Key, Values, Type = 'Equal') => ((await ssm.send(new GetInventoryCommand({ Filters: [{ Key, Values, Type }] }))).Entities ?? []).map((e) => e.Id);
            assert.deepEqual(await ids(`${type}.Key\u0000`, ['a\u0000b']), [instanceId(1)]);
            assert.deepEqual(await ids(`${type}.Key\u0000`, ['a\u0000', 'a\u0001'], 'BeginWith'), [instanceId(1), instanceId(2)]);
            assert.deepEqual(await ids(`${type}.Key\u0000`, ['a'], 'GreaterThan'), [instanceId(1), instanceId(2)]);
            assert.deepEqual(await ids('AWS:InstanceInformation.AgentType', ['agenta\u0000'], 'BeginWith'), [instanceId(1)]);
            assert.deepEqual(await ids('AWS:InstanceInformation.InstanceId', ['\u0000']), []);
            const page = await ssm.send(new GetInventoryCommand({ Filters: [{ Key: `${type}.Plain`, Values: ['p\u0001'] }] }));
            assert.deepEqual(page.Entities?.[0]?.Data?.[type]?.Content, [{ 'Key\u0000': 'a\u0000b', Plain: 'p\u0001' }]);
            assert.equal(page.Entities?.[0]?.Data?.[type]?.ContentHash, 'hash\u0000');
            const aggregated = await ssm.send(new GetInventoryCommand({ Aggregators: [{ Expression: `${type}.Key\u0000` }] }));
            assert.deepEqual(aggregated.Entities?.[0]?.Data?.[type]?.Content?.map((c) => c['Key\u0000']), ['a', 'a\u0000b', 'a\u0001']);
            const entries = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(2), TypeName: type }));
            assert.deepEqual(entries.Entries, [{ 'Key\u0000': 'a\u0001', Plain: 'p\u0001' }]);
            const schemas = (await ssm.send(new GetInventorySchemaCommand({ TypeName: type }))).Schemas ?? [];
            assert.deepEqual(schemas.map((s) => [s.TypeName, s.Attributes?.map((a) => a.Name)]), [[type, ['Key\u0000', 'Plain']]]);
            const kinds = (await ssm.send(new GetInventorySchemaCommand({ TypeName: 'AWS:ComplianceItem', SubType: true }))).Schemas?.map((s) => s.DisplayName);
            assert.deepEqual(kinds, ['Kind\u00001', 'Kind\u00002', 'Kind\u00003']);
            const { DeletionId } = await ssm.send(new DeleteInventoryCommand({ TypeName: type, SchemaDeleteOption: 'DeleteSchema' }));
            let deletion;
            for (let tries = 0; tries < 200; tries++) {
                deletion = (await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId }))).InventoryDeletions?.[0];
                if (deletion?.LastStatus === 'Complete')
                    break;
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            assert.equal(deletion?.TypeName, type);
            assert.equal(deletion?.LastStatus, 'Complete');
            assert.deepEqual(deletion?.DeletionSummary, { TotalCount: 3, RemainingCount: 0, SummaryItems: [{ Version: '1.0', Count: 3, RemainingCount: 0 }] });
            assert.deepEqual((await ssm.send(new GetInventorySchemaCommand({ TypeName: type }))).Schemas, []);
            assert.doesNotMatch(server.output(), /unexpected error/);
        }
        finally {
            ssm.destroy();
            await server.stop();
            removeDir(server.dataDir);
        }
    });
    it('keeps strings well-formed: a lone surrogate becomes U+FFFD wherever it is sent, and is found as such', async () => {
        const server = await startServerProcess();
        const ssm = sdkClient(server.url);
        const capture = '2026-11-01T10:00:00Z';
        try {
            // The SDK writes lone surrogates as JSON escapes (\ud800), as boto3 does.
            await ssm.send(new PutInventoryCommand({
                InstanceId: instanceId(1),
                Items: [{ TypeName: 'Custom:Broken\ud800', SchemaVersion: '1.0', CaptureTime: capture, Content: [{ 'Key\udc00': 'a\ud800b', Plain: 'p' }] }],
            }));
            const type = 'Custom:Broken\ufffd';
            assert.deepEqual((await ssm.send(new GetInventorySchemaCommand({ TypeName: type }))).Schemas?.map((s) => [s.TypeName, s.Attributes?.map((a) => a.Name)]), [[type, ['Key\ufffd', 'Plain']]]);
            assert.deepEqual((await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Broken\ud800' }))).Entries, [{ 'Key\ufffd': 'a\ufffdb', Plain: 'p' }]);
            for (const value of ['a\ud800b', 'a\ufffdb']) {
                const page = await ssm.send(new GetInventoryCommand({ Filters: [{ Key: `${type}.Key\udc00`, Values: [value] }] }));
                assert.deepEqual(page.Entities?.map((e) => e.Id), [instanceId(1)]);
            }
            const aggregated = await ssm.send(new GetInventoryCommand({ Aggregators: [{ Expression: `${type}.Key\ufffd` }] }));
            assert.deepEqual(aggregated.Entities?.[0]?.Data?.[type]?.Content, [{ 'Key\ufffd': 'a\ufffdb', Count: '1' }]);
            assert.doesNotMatch(server.output(), /unexpected error/);
        }
        finally {
            ssm.destroy();
            await server.stop();
            removeDir(server.dataDir);
        }
    });
    it('keeps attribute and group names such as __proto__, constructor and toString as plain names', async () => {
        const server = await startServerProcess();
        const call = async (operation, body) => {
            const answer = await rawCall(server.url, `AmazonSSM.${operation}`, body);
            assert.equal(answer.status, 200, answer.text);
            return answer.json;
        };
        try {
            // Written by hand: JSON.stringify of an object literal would not carry a __proto__ key.
            await call('PutInventory', `{"InstanceId":"${instanceId(1)}","Items":[{"TypeName":"Custom:Proto","SchemaVersion":"1.0","CaptureTime":"2026-11-01T10:00:00Z",`
                + `"Content":[{"__proto__":"x","toString":"t"},{"__proto__":"y","other":"o"}]}]}`);
            const exists = await call('ListInventoryEntries', { InstanceId: instanceId(1), TypeName: 'Custom:Proto', Filters: [{ Key: 'toString', Values: ['any'], Type: 'Exists' }] });
            assert.equal(exists.Entries.length, 1, 'only the entry that has toString');
            assert.ok(Object.hasOwn(exists.Entries[0], '__proto__') && exists.Entries[0].__proto__ === 'x');
            const aggregated = await call('GetInventory', { Aggregators: [{ Expression: 'Custom:Proto.__proto__' }] });
            const rows = aggregated.Entities[0].Data['Custom:Proto'].Content;
            assert.deepEqual(rows.map((row) => [Object.hasOwn(row, '__proto__') ? row.__proto__ : 'missing', row.Count]), [['x', '1'], ['y', '1']]);
            const grouped = await call('GetInventory', { Aggregators: [{ Groups: [{ Name: '__proto__', Filters: [{ Key: 'Custom:Proto.other', Values: ['o'] }] }] }] });
            const data = grouped.Entities[0].Data;
            assert.ok(Object.hasOwn(data, '__proto__'), JSON.stringify(grouped));
            assert.deepEqual(data.__proto__.Content, [{ matchingCount: '1', notMatchingCount: '0' }]);
        }
        finally {
            await server.stop();
            removeDir(server.dataDir);
        }
    });
});
//# sourceMappingURL=hardening.test.js.map