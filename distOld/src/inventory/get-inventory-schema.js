/**
 * GetInventorySchema: the schemas of the AWS types that have data in the partition and of
 * every active custom type, ordered by type name.
 *
 * - TypeName: that type only. A known AWS type is described even before it has data; an
 *   unknown `AWS:` name or a name with neither prefix is InvalidTypeNameException; a
 *   custom type that does not exist (or is disabled) gives an empty list.
 * - Aggregator: only the types GetInventory can aggregate on, with those attributes.
 * - SubType: the sub-type schemas (one per ComplianceType of AWS:ComplianceItem).
 */
import { InvalidTypeNameException } from '../protocol/errors.js';
import { awsType, isCustomType } from './aws-types.js';
import { decodeNextToken, encodeNextToken } from './next-token.js';
import { DEFAULT_PAGE_SIZE, pageAfter } from './paging.js';
export async function getInventorySchema(input, caller, deps) {
    const typeName = input.TypeName || undefined;
    if (typeName !== undefined && !typeName.startsWith('AWS:') && !isCustomType(typeName)) {
        throw new InvalidTypeNameException(`The type name '${typeName}' is not valid; inventory type names start with AWS: or Custom:.`);
    }
    if (typeName?.startsWith('AWS:') && !awsType(typeName)) {
        throw new InvalidTypeNameException(`The type name '${typeName}' is not an inventory type defined by AWS.`);
    }
    const scope = {
        secret: deps.store.secret,
        operation: 'GetInventorySchema',
        partition: caller.partition,
        query: [typeName, !!input.Aggregator, !!input.SubType],
    };
    const after = input.NextToken ? decodeNextToken(scope, input.NextToken) : undefined;
    const schemas = await collectSchemas(deps.store, caller.partition, typeName, input);
    const page = pageAfter(schemas, schemaKey, after, input.MaxResults ?? DEFAULT_PAGE_SIZE);
    return { Schemas: page.items, NextToken: page.next === undefined ? undefined : encodeNextToken(scope, page.next) };
}
function schemaKey(schema) {
    return `${schema.TypeName}\u0000${schema.DisplayName ?? ''}`;
}
async function collectSchemas(store, p, typeName, input) {
    const types = typeName ? await oneType(store, p, typeName) : await allActiveTypes(store, p);
    if (input.Aggregator)
        return types.flatMap(aggregatorSchema);
    if (input.SubType)
        return (await Promise.all(types.map((t) => subTypeSchemas(store, p, t)))).flat();
    return types.map(toSchema);
}
async function oneType(store, p, typeName) {
    const stored = await store.getType(p, typeName);
    if (stored?.state === 'active')
        return [stored];
    const definition = awsType(typeName);
    return definition ? [{ typeName, version: definition.version, attributes: definition.attributes, state: 'active', hiddenUpToSeq: 0 }] : [];
}
async function allActiveTypes(store, p) {
    const all = [];
    let after;
    do {
        const page = await store.listTypes(p, after, 500);
        all.push(...page.items);
        after = page.next;
    } while (after !== undefined);
    return all;
}
function toSchema(type) {
    const definition = awsType(type.typeName);
    return { TypeName: type.typeName, Version: type.version, Attributes: type.attributes, DisplayName: definition?.displayName };
}
function aggregatorSchema(type) {
    const definition = awsType(type.typeName);
    if (!definition?.aggregatable)
        return [];
    const names = new Set(definition.aggregatable);
    return [{ ...toSchema(type), Attributes: type.attributes.filter((a) => names.has(a.Name)) }];
}
async function subTypeSchemas(store, p, type) {
    if (!awsType(type.typeName)?.subTypeAttribute)
        return [];
    const subTypes = await store.listSubTypes(p, type.typeName);
    return subTypes.map((subType) => ({ ...toSchema(type), DisplayName: subType }));
}
//# sourceMappingURL=get-inventory-schema.js.map