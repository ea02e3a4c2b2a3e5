/**
 * Fuzz cases generated from the service model: for each operation a valid seed request,
 * then mutations of every member the input shape reaches (wrong JSON types, lengths and
 * ranges at and beyond their limits, pattern-breaking and hostile strings, enums outside
 * their set, missing required and unknown members, empty and oversized lists and maps),
 * plus malformed bodies and headers. Everything is drawn from a seeded generator, so a
 * finding is reproduced by its seed.
 */
import model from '../model/ssm-inventory-model.json' with { type: 'json' };
const shapes = model.shapes;
const operations = model.operations;
/** mulberry32: small, seedable, good enough to spread cases. */
export function rng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const pick = (random, list) => list[Math.floor(random() * list.length)];
/** Errors any operation may answer besides its own (protocol level). */
export const PROTOCOL_ERRORS = [
    'ValidationException', 'SerializationException', 'UnknownOperationException', 'UnsupportedMediaTypeException',
    'RequestEntityTooLargeException', 'RequestTimeoutException',
];
export function allowedErrors(operation) {
    return new Set([...PROTOCOL_ERRORS, ...(operations[operation]?.errors.map((e) => e.shape) ?? [])]);
}
export const OPERATIONS = Object.keys(operations);
/** Valid requests to start from; `ctx` names things that exist in the fuzz partition. */
export function seeds(ctx) {
    const capture = '2026-01-01T00:00:00Z';
    return {
        PutInventory: [
            { InstanceId: ctx.instanceId, Items: [{ TypeName: ctx.typeName, SchemaVersion: '1.0', CaptureTime: capture, Content: [{ Name: 'a', Version: '1' }] }] },
            { InstanceId: ctx.instanceId, Items: [{ TypeName: 'AWS:ComplianceItem', SchemaVersion: '1.0', CaptureTime: capture, ContentHash: 'h', Context: { ExecutionId: 'e', ExecutionType: 'Command' }, Content: [{ ComplianceType: 'Patch', Id: '1', Status: 'COMPLIANT', Severity: 'HIGH' }] }] },
        ],
        GetInventory: [
            { Filters: [{ Key: `${ctx.typeName}.Name`, Values: ['a', 'b'], Type: 'Equal' }], ResultAttributes: [{ TypeName: 'AWS:InstanceInformation' }], MaxResults: 5, NextToken: ctx.token },
            { Aggregators: [{ Expression: `${ctx.typeName}.Name`, Aggregators: [{ Expression: `${ctx.typeName}.Version` }] }] },
            { Aggregators: [{ Groups: [{ Name: 'g', Filters: [{ Key: 'AWS:InstanceInformation.PlatformType', Values: ['Linux'], Type: 'BeginWith' }] }] }] },
        ],
        GetInventorySchema: [{ TypeName: ctx.typeName, MaxResults: 50, Aggregator: false, SubType: true, NextToken: ctx.token }],
        ListInventoryEntries: [{ InstanceId: ctx.instanceId, TypeName: ctx.typeName, Filters: [{ Key: 'Version', Values: ['0'], Type: 'GreaterThan' }], MaxResults: 10, NextToken: ctx.token }],
        DeleteInventory: [{ TypeName: ctx.typeName, SchemaDeleteOption: 'DisableSchema', DryRun: true, ClientToken: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }],
        DescribeInventoryDeletions: [{ DeletionId: ctx.deletionId, MaxResults: 10, NextToken: ctx.token }],
    };
}
/** Every member the seed reaches (list and map positions: the first element). */
function sites(value, shapeName, path, required, out) {
    const shape = shapes[shapeName];
    out.push({ path, shape, required });
    if (shape.type === 'structure' && value && typeof value === 'object') {
        for (const [name, ref] of Object.entries(shape.members ?? {})) {
            sites(value[name], ref.shape, [...path, name], shape.required?.includes(name) ?? false, out);
        }
    }
    else if (shape.type === 'list' && Array.isArray(value) && value.length > 0) {
        sites(value[0], shape.member.shape, [...path, 0], false, out);
    }
    else if (shape.type === 'map' && value && typeof value === 'object') {
        const key = Object.keys(value)[0];
        if (key !== undefined)
            sites(value[key], shape.value.shape, [...path, key], false, out);
    }
}
const HOSTILE_STRINGS = [
    '', ' ', '\u0000', '\u0007\u001b[31m', '\ud800', '\udfff\ud800', '😀'.repeat(40), 'ǅ̶̡̛͓͇ͅ'.repeat(20), '../../etc/passwd', "'; DROP TABLE items; --",
    '%s%n%x', '${jndi:ldap://x}', '<script>alert(1)</script>', 'a'.repeat(100_000), '\u202e\u2066', 'NaN', '-0', '1e309', 'null', '[]', '{}',
    'Custom:', 'AWS:', 'Custom:' + 'x'.repeat(200), 'i-', 'i-zzzzzzzz', 'mi-' + '0'.repeat(17), '00000000-0000-0000-0000-00000000000G',
    // Valid where a pattern allows them, so they reach the store (PostgreSQL text cannot hold U+0000).
    'Custom:Fuzz\u0000', 'Custom:Fuzz\u0001', 'a\u0000b', '\u0001\u0000', '\\u0000',
];
function badValues(random, shape) {
    const wrongTypes = [42, -1, 1.5, true, null, 'text', [], {}, [1, 'a'], { nested: { deeper: [] } }];
    const values = [pick(random, wrongTypes), pick(random, wrongTypes)];
    switch (shape.type) {
        case 'string': {
            const min = shape.min ?? 0;
            const max = shape.max ?? 2048;
            values.push('a'.repeat(Math.max(0, min - 1)), 'a'.repeat(min), 'a'.repeat(Math.min(max, 300_000)), 'a'.repeat(Math.min(max + 1, 300_001)));
            values.push(pick(random, HOSTILE_STRINGS), pick(random, HOSTILE_STRINGS));
            if (shape.enum)
                values.push('NotInTheEnum', shape.enum[0].toLowerCase(), ` ${shape.enum[0]}`);
            break;
        }
        case 'integer':
        case 'long':
            values.push((shape.min ?? 0) - 1, (shape.max ?? 100) + 1, shape.min ?? 0, shape.max ?? 100, 2 ** 53, -(2 ** 31) - 1, 0.5, '10');
            break;
        case 'boolean':
            values.push('true', 0, 1);
            break;
        case 'list': {
            const max = Math.min(shape.max ?? 100, 10_000);
            values.push([], Array.from({ length: max + 1 }, () => ({})), Array.from({ length: Math.min(max + 1, 60) }, () => 'x'), [null], [[[]]]);
            break;
        }
        case 'map': {
            const max = shape.max ?? 50;
            values.push({}, Object.fromEntries(Array.from({ length: max + 1 }, (_, i) => [`k${i}`, 'v'])), { ['k'.repeat(65)]: 'v' }, { '': 'v' }, { k: 'v'.repeat(5000) }, { k: 1 }, { 'k\u0000': 'v\u0000' }, { Name: '\u0001' });
            break;
        }
        case 'structure':
            values.push({ Unknown: 1 }, []);
            break;
    }
    return values;
}
function setAt(target, path, value, remove = false) {
    const copy = structuredClone(target);
    let node = copy;
    for (const step of path.slice(0, -1))
        node = node[step];
    const last = path[path.length - 1];
    if (remove)
        delete node[last];
    else
        node[last] = value;
    return copy;
}
function deeplyNested(depth) {
    return `{"Items":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}
/** One case: mostly model-driven member mutations, some malformed bodies and headers. */
export function generateCase(random, seedRequests) {
    const operation = pick(random, OPERATIONS);
    const seed = pick(random, seedRequests[operation]);
    const shapeName = operations[operation].input.shape;
    const roll = random();
    if (roll < 0.7) {
        const all = [];
        sites(seed, shapeName, [], true, all);
        const site = pick(random, all.filter((s) => s.path.length > 0));
        const mutation = random();
        if (mutation < 0.15 && site.required) {
            return { operation, description: `remove required ${site.path.join('.')}`, body: JSON.stringify(setAt(seed, site.path, undefined, true)) };
        }
        if (mutation < 0.25) {
            return { operation, description: `unknown member beside ${site.path.join('.')}`, body: JSON.stringify(setAt(seed, [...site.path.slice(0, -1), 'Bogus\u0000Member'], 'x')) };
        }
        const value = pick(random, badValues(random, site.shape));
        return { operation, description: `${site.path.join('.')} = ${JSON.stringify(value)?.slice(0, 80)}`, body: JSON.stringify(setAt(seed, site.path, value)) };
    }
    const valid = JSON.stringify(seed);
    const body = pick(random, [
        () => ({ description: 'truncated body', body: valid.slice(0, Math.floor(random() * valid.length)) }),
        () => ({ description: 'invalid UTF-8', body: Buffer.concat([Buffer.from(valid.slice(0, 10)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(valid.slice(10))]) }),
        () => ({ description: 'deeply nested JSON', body: deeplyNested(5_000 + Math.floor(random() * 50_000)) }),
        () => ({ description: 'JSON that is not an object', body: pick(random, ['null', '[]', '"x"', '42', 'true', '[{}]']) }),
        () => ({ description: 'garbage', body: Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256))) }),
        () => ({ description: 'duplicate keys', body: valid.replace(/^\{/, '{"MaxResults":1,"MaxResults":"x",') }),
        () => ({ description: 'BOM before JSON', body: `\ufeff${valid}` }),
        () => ({ description: 'empty body', body: '' }),
    ])();
    const header = random();
    if (header < 0.15)
        return { operation, ...body, description: `${body.description}, wrong content type`, contentType: pick(random, ['text/plain', 'application/xml', '', 'application/x-amz-json-1.1; charset=latin1']) };
    if (header < 0.3)
        return { operation, ...body, description: `${body.description}, bad target`, target: pick(random, ['', 'AmazonSSM.', 'AmazonSSM.Nope', 'amazonssm.GetInventory', 'AmazonSSM.GetInventory.Extra', 'Other.GetInventory', 'AmazonSSM.__proto__', 'AmazonSSM.constructor']) };
    return { operation, ...body };
}
//# sourceMappingURL=cases.js.map