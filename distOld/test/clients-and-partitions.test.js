/** boto3 and the AWS CLI against the core operations, and isolation between accounts and regions. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteInventoryCommand, GetInventorySchemaCommand, ListInventoryEntriesCommand, PutInventoryCommand } from '@aws-sdk/client-ssm';
import { awsCli, boto3, instanceId, rawCall, sdkClient } from './support/clients.js';
import { removeDir, startServerProcess } from './support/server-process.js';
const CAPTURE = '2026-11-01T10:00:00Z';
describe('boto3 and the AWS CLI', () => {
    let server;
    before(async () => {
        server = await startServerProcess({ args: ['--max-custom-types', '200'] });
    });
    after(async () => {
        await server.stop();
        removeDir(server.dataDir);
    });
    it('puts through boto3 and pages GetInventorySchema with its paginator', async () => {
        const calls = Array.from({ length: 120 }, (_, i) => ({
            op: 'PutInventory',
            params: { InstanceId: instanceId(1), Items: [{ TypeName: `Custom:Type${String(i).padStart(3, '0')}`, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Name: 'x' }] }] },
        }));
        const results = await boto3(server.url, [
            ...calls,
            { op: 'GetInventorySchema', params: { PaginationConfig: { PageSize: 50 } }, paginate: true },
            { op: 'GetInventorySchema', params: { MaxResults: 10 } },
            { op: 'PutInventory', params: { InstanceId: instanceId(1), Items: [{ TypeName: 'AWS:Bogus', SchemaVersion: '1.0', CaptureTime: CAPTURE }] } },
        ]);
        assert.ok(results.slice(0, 120).every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)));
        const paged = results[120];
        assert.ok(paged.ok);
        const pages = paged.result;
        assert.equal(pages.length, 3);
        const names = pages.flatMap((p) => p.Schemas.map((s) => s.TypeName));
        assert.equal(names.length, 121, '120 custom types and AWS:InstanceInformation');
        assert.equal(new Set(names).size, 121);
        // botocore checks the model's minimum itself and never sends the call.
        const tooSmall = results[121];
        assert.ok(!tooSmall.ok && tooSmall.code === 'ParamValidationError');
        const bogus = results[122];
        assert.ok(!bogus.ok && bogus.code === 'InvalidTypeNameException' && bogus.status === 400);
    });
    it('puts, lists and describes through the AWS CLI', async () => {
        const items = JSON.stringify([{ TypeName: 'Custom:FromCli', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Name: 'a', Rack: '1' }, { Name: 'b', Rack: '2' }] }]);
        const put = await awsCli(server.url, ['put-inventory', '--instance-id', instanceId(2), '--items', items]);
        assert.equal(put.code, 0, put.stderr);
        const listed = await awsCli(server.url, ['list-inventory-entries', '--instance-id', instanceId(2), '--type-name', 'Custom:FromCli', '--filters', 'Key=Rack,Values=2,Type=Equal']);
        assert.equal(listed.code, 0, listed.stderr);
        assert.deepEqual(listed.json.Entries, [{ Name: 'b', Rack: '2' }]);
        const schema = await awsCli(server.url, ['get-inventory-schema', '--type-name', 'Custom:FromCli']);
        assert.deepEqual(schema.json.Schemas[0].Attributes.map((a) => a.Name), ['Name', 'Rack']);
        const all = await awsCli(server.url, ['get-inventory-schema', '--max-items', '1000']);
        assert.equal(all.code, 0, all.stderr);
        assert.ok(all.json.Schemas.length >= 122, 'the CLI follows NextToken to the end');
        const bad = await awsCli(server.url, ['list-inventory-entries', '--instance-id', instanceId(3), '--type-name', 'Custom:FromCli']);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /InvalidInstanceId/);
    });
});
describe('accounts and regions cannot see each other', () => {
    let server;
    before(async () => {
        server = await startServerProcess();
    });
    after(async () => {
        await server.stop();
        removeDir(server.dataDir);
    });
    it('keeps instances, types, entries, tokens and deletions in their own partition', async () => {
        const mine = sdkClient(server.url, { accessKeyId: '111111111111', region: 'us-west-2' });
        const otherAccount = sdkClient(server.url, { accessKeyId: '222222222222', region: 'us-west-2' });
        const otherRegion = sdkClient(server.url, { accessKeyId: '111111111111', region: 'eu-central-1' });
        const content = Array.from({ length: 60 }, (_, i) => ({ Name: `n${i}` }));
        await mine.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: [{ TypeName: 'Custom:Private', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content }] }));
        for (const client of [otherAccount, otherRegion]) {
            assert.deepEqual((await client.send(new GetInventorySchemaCommand({}))).Schemas, []);
            await assert.rejects(client.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Private' })), { name: 'InvalidTypeNameException' });
            await assert.rejects(client.send(new DeleteInventoryCommand({ TypeName: 'Custom:Private' })), { name: 'InvalidTypeNameException' });
        }
        const page = await mine.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Private', MaxResults: 10 }));
        // The other account has the same type and instance, but not the token's partition.
        await otherAccount.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: [{ TypeName: 'Custom:Private', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content }] }));
        await assert.rejects(otherAccount.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Private', MaxResults: 10, NextToken: page.NextToken })), { name: 'InvalidNextToken' });
        // Unsigned requests and non-numeric keys land in the default partition.
        const unsigned = await rawCall(server.url, 'AmazonSSM.GetInventorySchema', {});
        assert.deepEqual(unsigned.json.Schemas, []);
        for (const client of [mine, otherAccount, otherRegion])
            client.destroy();
    });
});
//# sourceMappingURL=clients-and-partitions.test.js.map