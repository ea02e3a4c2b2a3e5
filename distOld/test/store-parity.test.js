/**
 * One server on SQLite and one on PostgreSQL get the same generated workload (puts, filters
 * with every operator, small pages, aggregations and groups, ListInventoryEntries, schemas,
 * deletions with every option), with values chosen to be awkward: U+0000, empty strings,
 * surrogate pairs, LIKE wildcards, quotes, numbers that are and are not numbers. Every answer must be the same on both, byte for byte once the few
 * fields that legitimately differ (ids, times, NextTokens, messages) are set aside.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropSchema, freshSchemaName, schemaUrl } from './support/postgres.js';
import { removeDir, startServerProcess } from './support/server-process.js';
const VALUES = ['', 'a', 'ab', 'b', 'A', '10', '9', '-1', '1.5', '1e3', ' a', 'a ', '\u00e9', '\u{1F600}', '\ufffd', 'a\u0000', '\u0001', '%', '_', "'", '"', '\\', 'null', '2.0', '02'];
const ATTRIBUTES = ['Name', 'Version', 'Size', 'Note', '%x', 'a_b'];
const TYPES = ['Custom:A', 'Custom:B', 'Custom:a', 'Custom:A_', 'Custom:%'];
const INSTANCES = Array.from({ length: 8 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
const OPERATORS = ['Equal', 'NotEqual', 'BeginWith', 'LessThan', 'GreaterThan', 'Exists'];
const CAPTURE = '2026-11-01T10:00:00Z';
async function call(url, operation, body) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${operation}` }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) };
}
/** The answer without what may differ between two servers: generated ids, clocks, token bytes, wording. */
function comparable(answer) {
    return JSON.stringify(answer, (key, value) => {
        if (key === 'message')
            return undefined;
        if (['DeletionId', 'DeletionStartTime', 'LastStatusUpdateTime', 'NextToken'].includes(key))
            return 'set aside';
        // AWS:InstanceInformation without an item of its own carries the time of the last put.
        if (key === 'CaptureTime' && value !== CAPTURE)
            return 'set aside';
        return value;
    });
}
describe('SQLite and PostgreSQL give the same answers', () => {
    it('to 800 generated calls with awkward values', async () => {
        const schema = freshSchemaName();
        const [sqlite, postgres] = await Promise.all([startServerProcess({ args: [] }), startServerProcess({ args: ['--database-url', schemaUrl(schema)] })]);
        let state = 20261130;
        const next = () => {
            state ^= state << 13;
            state ^= state >>> 17;
            state ^= state << 5;
            return state >>> 0;
        };
        const pick = (xs) => xs[next() % xs.length];
        const seeded = new Set();
        const tally = new Map();
        const differences = [];
        const both = async (operation, body) => {
            const [a, b] = await Promise.all([call(sqlite.url, operation, body), call(postgres.url, operation, body)]);
            const key = `${operation} ${a.status}${a.json.__type ? ` ${a.json.__type}` : ''}${Array.isArray(a.json.Entities) && a.json.Entities.length > 0 ? ' entities' : ''}`;
            tally.set(key, (tally.get(key) ?? 0) + 1);
            assert.ok(a.status < 500 && b.status < 500, `${operation} ${JSON.stringify(body)}: ${a.status} / ${b.status}`);
            if (comparable(a) !== comparable(b))
                differences.push(`${operation} ${JSON.stringify(body)}\n  sqlite:     ${comparable(a)}\n  postgresql: ${comparable(b)}`);
        };
        try {
            for (let step = 0; step < 800; step++) {
                const roll = next() % 100;
                if (roll < 45) {
                    const type = pick(TYPES);
                    const entries = Array.from({ length: 1 + (next() % 3) }, () => Object.fromEntries(Array.from({ length: 1 + (next() % 3) }, () => [pick(ATTRIBUTES), pick(VALUES)])));
                    // The first item of a type defines its schema: give it every attribute.
                    if (!seeded.has(type))
                        entries.push(Object.fromEntries(ATTRIBUTES.map((name) => [name, pick(VALUES)])));
                    seeded.add(type);
                    const items = [{ TypeName: type, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: entries }];
                    if (next() % 4 === 0) {
                        items.push({ TypeName: 'AWS:InstanceInformation', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ AgentType: pick(VALUES), PlatformType: pick(['Linux', 'Windows']), InstanceStatus: pick(['Active', 'Stopped']) }] });
                    }
                    await both('PutInventory', { InstanceId: pick(INSTANCES), Items: items });
                }
                else if (roll < 75) {
                    const filters = Array.from({ length: 1 + (next() % 2) }, () => {
                        const type = pick(OPERATORS);
                        const key = next() % 5 === 0 ? pick(['AWS:InstanceInformation.AgentType', 'AWS:InstanceInformation.InstanceStatus', 'AWS:InstanceInformation.InstanceId']) : `${pick(TYPES)}.${pick(ATTRIBUTES)}`;
                        return { Key: key, Values: type === 'LessThan' || type === 'GreaterThan' ? [pick(VALUES)] : [pick(VALUES), pick(VALUES)], Type: type };
                    });
                    await both('GetInventory', { Filters: filters, MaxResults: 50 });
                }
                else if (roll < 85) {
                    await both('GetInventory', { Aggregators: [{ Expression: `${pick(TYPES)}.${pick(ATTRIBUTES)}` }] });
                }
                else if (roll < 92) {
                    const type = pick(OPERATORS);
                    await both('ListInventoryEntries', { InstanceId: pick(INSTANCES), TypeName: pick(TYPES), Filters: [{ Key: pick(ATTRIBUTES), Values: [pick(VALUES)], Type: type }] });
                }
                else if (roll < 93) {
                    // Small pages (the NextTokens themselves are set aside: they are signed per database).
                    await both('GetInventory', { MaxResults: 1 + (next() % 3), Filters: [{ Key: `${pick(TYPES)}.${pick(ATTRIBUTES)}`, Values: [pick(VALUES)], Type: 'NotEqual' }] });
                }
                else if (roll < 94) {
                    await both('GetInventory', { Aggregators: [{ Expression: 'AWS:InstanceInformation.PlatformType', Aggregators: [{ Expression: `${pick(TYPES)}.${pick(ATTRIBUTES)}` }] }] });
                }
                else if (roll < 95) {
                    await both('GetInventory', { Aggregators: [{ Groups: [
                                    { Name: 'picked', Filters: [{ Key: `${pick(TYPES)}.${pick(ATTRIBUTES)}`, Values: [pick(VALUES)], Type: pick(OPERATORS) }] },
                                    { Name: 'present', Filters: [{ Key: `${pick(TYPES)}.${pick(ATTRIBUTES)}`, Values: ['any'], Type: 'Exists' }] },
                                ] }] });
                }
                else if (roll < 96) {
                    await both(pick(['GetInventorySchema', 'DescribeInventoryDeletions']), pick([{}, { Aggregator: true }, { SubType: true }, { TypeName: pick(TYPES) }]));
                }
                else if (roll < 98) {
                    await both('ListInventoryEntries', { InstanceId: pick(INSTANCES), TypeName: pick(TYPES) });
                }
                else {
                    const type = pick(TYPES);
                    seeded.delete(type);
                    await both('DeleteInventory', { TypeName: type, SchemaDeleteOption: pick(['DeleteSchema', 'DisableSchema']), DryRun: next() % 5 === 0 });
                    // Let both workers finish before anything reads the type again.
                    await new Promise((resolve) => setTimeout(resolve, 300));
                }
            }
            assert.deepEqual(differences.slice(0, 5), []);
            // The workload must reach the stores, not stop at validation.
            assert.ok((tally.get('PutInventory 200') ?? 0) > 250, JSON.stringify([...tally]));
            assert.ok((tally.get('GetInventory 200 entities') ?? 0) > 100, JSON.stringify([...tally]));
            assert.ok((tally.get('ListInventoryEntries 200') ?? 0) > 30, JSON.stringify([...tally]));
        }
        finally {
            await Promise.all([sqlite.stop(), postgres.stop()]);
            removeDir(sqlite.dataDir);
            removeDir(postgres.dataDir);
            await dropSchema(schema);
        }
    });
});
//# sourceMappingURL=store-parity.test.js.map