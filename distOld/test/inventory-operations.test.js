/** PutInventory, GetInventorySchema and ListInventoryEntries through the AWS SDK for JavaScript v3. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetInventorySchemaCommand, ListInventoryEntriesCommand, PutInventoryCommand, } from '@aws-sdk/client-ssm';
import { rejects } from './support/assertions.js';
import { instanceId, sdkClient } from './support/clients.js';
import { removeDir, startServerProcess } from './support/server-process.js';
const CAPTURE = '2026-11-01T10:00:00Z';
function item(typeName, content, version = '1.0', extra = {}) {
    return { TypeName: typeName, SchemaVersion: version, CaptureTime: CAPTURE, Content: content, ...extra };
}
describe('inventory operations through the SDK v3', () => {
    let server;
    let ssm;
    before(async () => {
        server = await startServerProcess({ args: ['--max-custom-types', '8', '--max-item-bytes', '20000', '--max-request-items-bytes', '40000', '--max-sub-types', '3'] });
        ssm = sdkClient(server.url);
    });
    after(async () => {
        ssm.destroy();
        await server.stop();
        removeDir(server.dataDir);
    });
    const put = (id, ...items) => ssm.send(new PutInventoryCommand({ InstanceId: instanceId(id), Items: items }));
    describe('PutInventory', () => {
        it('stores one item per type per instance and replaces it on the next put', async () => {
            await put(1, item('Custom:Rack', [{ Location: 'R1', Zone: 'A' }]), item('AWS:Network', [{ Name: 'eth0', IPV4: '10.0.0.1' }]));
            await put(1, item('Custom:Rack', [{ Location: 'R2' }, { Location: 'R3', Zone: 'B' }]));
            const entries = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Rack' }));
            assert.deepEqual(entries.Entries, [{ Location: 'R2' }, { Location: 'R3', Zone: 'B' }]);
            assert.equal(entries.SchemaVersion, '1.0');
            assert.equal(entries.CaptureTime, CAPTURE);
            const network = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'AWS:Network' }));
            assert.deepEqual(network.Entries, [{ Name: 'eth0', IPV4: '10.0.0.1' }]);
        });
        it('keeps the stored item when ContentHash is unchanged', async () => {
            await put(2, item('Custom:Hashed', [{ V: 'one' }], '1.0', { ContentHash: 'h1', CaptureTime: '2026-01-01T00:00:00Z' }));
            await put(2, item('Custom:Hashed', [{ V: 'two' }], '1.0', { ContentHash: 'h1', CaptureTime: '2026-02-01T00:00:00Z' }));
            let entries = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(2), TypeName: 'Custom:Hashed' }));
            assert.deepEqual(entries.Entries, [{ V: 'one' }]);
            assert.equal(entries.CaptureTime, '2026-01-01T00:00:00Z');
            await put(2, item('Custom:Hashed', [{ V: 'three' }], '1.0', { ContentHash: 'h2' }));
            entries = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(2), TypeName: 'Custom:Hashed' }));
            assert.deepEqual(entries.Entries, [{ V: 'three' }]);
        });
        it('defines a custom schema from the first item and replaces it on a higher version', async () => {
            await put(3, item('Custom:Evolving', [{ A: '1', B: '2' }]));
            let schema = await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Evolving' }));
            assert.deepEqual(schema.Schemas, [{ TypeName: 'Custom:Evolving', Version: '1.0', Attributes: [{ Name: 'A', DataType: 'string' }, { Name: 'B', DataType: 'string' }] }]);
            await put(4, item('Custom:Evolving', [{ A: '1', C: '3' }], '1.10'));
            schema = await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Evolving' }));
            assert.equal(schema.Schemas[0].Version, '1.10');
            assert.deepEqual(schema.Schemas[0].Attributes.map((a) => a.Name), ['A', 'C']);
            // 1.9 is lower than 1.10: versions compare numerically.
            await rejects(put(3, item('Custom:Evolving', [{ A: '1' }], '1.9')), 'UnsupportedInventorySchemaVersionException', /lower than its current version 1\.10/);
        });
        it('refuses attributes outside the schema of the same version: ItemContentMismatchException', async () => {
            const error = await rejects(put(5, item('Custom:Evolving', [{ A: '1', D: 'new' }], '1.10')), 'ItemContentMismatchException', /D/);
            assert.equal(error.TypeName, 'Custom:Evolving');
            await put(5, item('Custom:Evolving', [{ C: 'subset is fine' }], '1.10'));
        });
        it('refuses unknown AWS types and names without a type after the prefix: InvalidTypeNameException', async () => {
            await rejects(put(1, item('AWS:Nonsense', [{ A: '1' }])), 'InvalidTypeNameException', /AWS:Nonsense/);
            await rejects(put(1, item('Custom:', [{ A: '1' }])), 'InvalidTypeNameException');
        });
        it('checks AWS types against their catalogue schema and version', async () => {
            await rejects(put(1, item('AWS:Application', [{ Name: 'x' }], '9.9')), 'UnsupportedInventorySchemaVersionException', /supported version is 1\.1/);
            const error = await rejects(put(1, item('AWS:Application', [{ Name: 'x', Colour: 'red' }], '1.1')), 'InvalidItemContentException', /Colour/);
            assert.equal(error.TypeName, 'AWS:Application');
        });
        it('refuses two items of one type in one request: InvalidItemContentException', async () => {
            await rejects(put(1, item('Custom:Rack', [{ Location: 'a' }]), item('Custom:Rack', [{ Location: 'b' }])), 'InvalidItemContentException', /more than one item/);
        });
        it('refuses a new custom type without content, since content defines its schema', async () => {
            await rejects(put(1, item('Custom:Empty', [])), 'InvalidItemContentException', /must have content/);
        });
        it('enforces the item and request size limits', async () => {
            const entries = (n, key) => Array.from({ length: n }, (_, i) => ({ [key]: `${i}`.padEnd(4000, 'x') }));
            const error = await rejects(put(1, item('Custom:Rack', entries(6, 'Location'))), 'ItemSizeLimitExceededException', /above the limit of 20000 bytes/);
            assert.equal(error.TypeName, 'Custom:Rack');
            const items = [item('Custom:Rack', entries(4, 'Location')), item('AWS:Network', entries(4, 'Name')), item('AWS:Tag', entries(4, 'Key'))];
            await rejects(put(1, ...items), 'TotalSizeLimitExceededException', /above the limit of 40000 bytes per request/);
            // Each item alone is within the limits.
            await put(1, items[0]);
        });
        it('counts custom types against the account limit: CustomSchemaCountLimitExceededException', async () => {
            // Custom:Rack, Custom:Hashed, Custom:Evolving exist; the limit is 8.
            await put(6, item('Custom:L1', [{ A: '1' }]), item('Custom:L2', [{ A: '1' }]), item('Custom:L3', [{ A: '1' }]), item('Custom:L4', [{ A: '1' }]));
            await rejects(put(6, item('Custom:L5', [{ A: '1' }]), item('Custom:L6', [{ A: '1' }])), 'CustomSchemaCountLimitExceededException', /limit of 8 custom inventory types/);
            // A rejected put writes nothing: L5, the first of the two, was not created either.
            const schema = await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:L5' }));
            assert.deepEqual(schema.Schemas, []);
        });
        it('rejects a whole request when one item fails: nothing of it is stored', async () => {
            await rejects(put(7, item('Custom:Rack', [{ Location: 'kept?' }]), item('AWS:Nonsense', [{ A: '1' }])), 'InvalidTypeNameException');
            await rejects(ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(7), TypeName: 'Custom:Rack' })), 'InvalidInstanceId');
        });
        it('takes Context only for AWS:ComplianceItem, with its keys', async () => {
            const error = await rejects(put(1, item('Custom:Rack', [{ Location: 'a' }], '1.0', { Context: { ExecutionId: 'x' } })), 'UnsupportedInventoryItemContextException', /only AWS:ComplianceItem/);
            assert.equal(error.TypeName, 'Custom:Rack');
            const compliance = (context, type = 'Patch') => item('AWS:ComplianceItem', [{ ComplianceType: type, Id: 'c1', Status: 'COMPLIANT' }], '1.0', { Context: context });
            await rejects(put(8, compliance({ ExecutionId: 'e1' })), 'InvalidInventoryItemContextException', /missing keys ExecutionType/);
            await rejects(put(8, compliance({ ExecutionId: 'e1', ExecutionType: 'Command', Colour: 'red' })), 'InvalidInventoryItemContextException', /unknown keys Colour/);
            await put(8, compliance({ ExecutionId: 'e1', ExecutionType: 'Command' }));
            await put(8, compliance({ ExecutionId: 'e2', ExecutionType: 'Command' }, 'Association'));
            await put(9, compliance({ ExecutionId: 'e3', ExecutionType: 'Command' }, 'Custom:Audit'));
            await rejects(put(9, compliance({ ExecutionId: 'e4', ExecutionType: 'Command' }, 'Custom:Fourth')), 'SubTypeCountLimitExceededException', /limit of 3/);
            const subTypes = await ssm.send(new GetInventorySchemaCommand({ SubType: true }));
            assert.deepEqual(subTypes.Schemas.map((s) => s.DisplayName), ['Association', 'Custom:Audit', 'Patch']);
        });
        it('records AWS:InstanceInformation details and refuses puts to a terminated instance: InvalidInstanceId', async () => {
            await put(10, item('AWS:InstanceInformation', [{ InstanceId: instanceId(10), PlatformType: 'Linux', PlatformName: 'Debian', InstanceStatus: 'Terminated' }]));
            const info = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(10), TypeName: 'AWS:InstanceInformation' }));
            assert.deepEqual(info.Entries, [{ PlatformType: 'Linux', PlatformName: 'Debian', InstanceId: instanceId(10), InstanceStatus: 'Terminated' }]);
            await rejects(put(10, item('Custom:Rack', [{ Location: 'x' }])), 'InvalidInstanceId', /terminated/);
        });
    });
    describe('GetInventorySchema', () => {
        it('lists AWS types that have data and active custom types, ordered by name', async () => {
            const schemas = (await ssm.send(new GetInventorySchemaCommand({}))).Schemas;
            const names = schemas.map((s) => s.TypeName);
            assert.deepEqual(names, [...names].sort());
            for (const expected of ['AWS:ComplianceItem', 'AWS:InstanceInformation', 'AWS:Network', 'Custom:Evolving', 'Custom:Rack'])
                assert.ok(names.includes(expected), expected);
            assert.ok(!names.includes('AWS:Application'), 'AWS types without data are not listed');
            const network = schemas.find((s) => s.TypeName === 'AWS:Network');
            assert.equal(network.Version, '1.0');
            assert.equal(network.DisplayName, 'Network');
        });
        it('describes a known AWS type by name even without data, and refuses names that are no type', async () => {
            const application = await ssm.send(new GetInventorySchemaCommand({ TypeName: 'AWS:Application' }));
            assert.equal(application.Schemas[0].Version, '1.1');
            await rejects(ssm.send(new GetInventorySchemaCommand({ TypeName: 'AWS:Nope' })), 'InvalidTypeNameException');
            await rejects(ssm.send(new GetInventorySchemaCommand({ TypeName: 'Rack' })), 'InvalidTypeNameException', /start with AWS: or Custom:/);
            assert.deepEqual((await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Never' }))).Schemas, []);
        });
        it('returns the aggregatable attributes with Aggregator', async () => {
            const result = await ssm.send(new GetInventorySchemaCommand({ Aggregator: true }));
            assert.deepEqual(result.Schemas.map((s) => [s.TypeName, s.Attributes.map((a) => a.Name)]), [['AWS:InstanceInformation', ['PlatformName', 'PlatformType', 'PlatformVersion']]]);
        });
        it('refuses a NextToken from another query or a forged one: InvalidNextToken', async () => {
            await rejects(ssm.send(new GetInventorySchemaCommand({ NextToken: 'forged' })), 'InvalidNextToken');
            await rejects(ssm.send(new GetInventorySchemaCommand({ NextToken: 'eyJvIjoiR2V0SW52ZW50b3J5U2NoZW1hIn0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })), 'InvalidNextToken');
        });
    });
    describe('ListInventoryEntries', () => {
        before(async () => {
            const content = Array.from({ length: 120 }, (_, i) => ({ Name: `pkg-${String(i).padStart(3, '0')}`, Size: String(i * 10), ...(i % 2 ? { Arch: 'arm64' } : {}) }));
            await put(20, item('Custom:Packages', content));
        });
        it('pages with MaxResults and NextToken, returning every entry once', async () => {
            const seen = [];
            let token;
            let pages = 0;
            do {
                const page = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'Custom:Packages', MaxResults: 50, NextToken: token }));
                seen.push(...page.Entries.map((e) => e.Name));
                token = page.NextToken;
                pages++;
            } while (token);
            assert.equal(pages, 3);
            assert.equal(seen.length, 120);
            assert.equal(new Set(seen).size, 120);
        });
        it('filters entries with every operator', async () => {
            const list = async (Filters) => (await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'Custom:Packages', Filters, MaxResults: 50 }))).Entries.map((e) => e.Name);
            assert.deepEqual(await list([{ Key: 'Name', Values: ['pkg-001', 'pkg-007'], Type: 'Equal' }]), ['pkg-001', 'pkg-007']);
            assert.deepEqual(await list([{ Key: 'Name', Values: ['pkg-11'], Type: 'BeginWith' }]), Array.from({ length: 10 }, (_, i) => `pkg-11${i}`));
            assert.deepEqual(await list([{ Key: 'Size', Values: ['30'], Type: 'LessThan' }]), ['pkg-000', 'pkg-001', 'pkg-002']);
            assert.deepEqual(await list([{ Key: 'Size', Values: ['1170'], Type: 'GreaterThan' }]), ['pkg-118', 'pkg-119']);
            assert.equal((await list([{ Key: 'Arch', Values: ['x'], Type: 'Exists' }])).length, 50);
            assert.deepEqual(await list([{ Key: 'Arch', Values: ['arm64'], Type: 'NotEqual' }, { Key: 'Size', Values: ['50'], Type: 'LessThan' }]), ['pkg-000', 'pkg-002', 'pkg-004']);
        });
        it('refuses filters on unknown attributes or with the wrong number of values: InvalidFilter', async () => {
            await rejects(ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'Custom:Packages', Filters: [{ Key: 'Colour', Values: ['x'] }] })), 'InvalidFilter', /Colour/);
            await rejects(ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'Custom:Packages', Filters: [{ Key: 'Size', Values: ['1', '2'], Type: 'LessThan' }] })), 'InvalidFilter', /exactly one value/);
        });
        it('answers unknown instances, unknown types and foreign tokens with their errors', async () => {
            await rejects(ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(999), TypeName: 'Custom:Packages' })), 'InvalidInstanceId');
            await rejects(ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'Custom:Unknown' })), 'InvalidTypeNameException');
            await rejects(ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'AWS:Unknown' })), 'InvalidTypeNameException');
            const first = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'Custom:Packages', MaxResults: 10 }));
            // The same token with another filter, another instance, or truncated is refused.
            await rejects(ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'Custom:Packages', NextToken: first.NextToken, Filters: [{ Key: 'Name', Values: ['x'] }] })), 'InvalidNextToken');
            await rejects(ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Rack', NextToken: first.NextToken })), 'InvalidNextToken');
            await rejects(ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'Custom:Packages', NextToken: first.NextToken.slice(0, -3) })), 'InvalidNextToken');
        });
        it('answers an existing type the instance does not have with no entries', async () => {
            const result = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(20), TypeName: 'Custom:Rack' }));
            assert.deepEqual(result.Entries, []);
            assert.equal(result.InstanceId, instanceId(20));
        });
    });
    it('has logged no unexpected error', () => {
        assert.doesNotMatch(server.output(), /unexpected error/);
    });
});
//# sourceMappingURL=inventory-operations.test.js.map