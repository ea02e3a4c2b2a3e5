/**
 * ListInventoryEntries: the Content entries of one type on one instance, filtered by
 * attribute and paged (MaxResults 1-50).
 *
 * An instance that never reported inventory is InvalidInstanceId. A type that does not
 * exist (unknown AWS type, custom type never put, disabled or deleted) is
 * InvalidTypeNameException. A filter on an attribute the type's schema does not have is
 * InvalidFilter. An instance without an item of an existing type has no entries.
 */
import { InvalidFilter, InvalidInstanceId, InvalidNextToken, InvalidTypeNameException } from '../protocol/errors.js';
import { awsType, INSTANCE_INFORMATION, isCustomType } from './aws-types.js';
import { checkFilterValues, matchesFilter } from './filters.js';
import { instanceInformationEntry } from './instance-information.js';
import { decodeNextToken, encodeNextToken } from './next-token.js';
import { DEFAULT_PAGE_SIZE } from './paging.js';
import { visibleSchema } from './visible-schema.js';
export async function listInventoryEntries(input, caller, deps) {
    const { store } = deps;
    const p = caller.partition;
    const attributes = await schemaAttributes(store, p, input.TypeName);
    const filters = input.Filters ?? [];
    checkFilters(filters, attributes, input.TypeName);
    const scope = {
        secret: store.secret,
        operation: 'ListInventoryEntries',
        partition: p,
        query: [input.InstanceId, input.TypeName, filters],
    };
    const offset = input.NextToken ? decodeNextToken(scope, input.NextToken) : 0;
    if (!Number.isSafeInteger(offset) || offset < 0)
        throw new InvalidNextToken('The specified token is not valid.');
    const instance = await store.getInstance(p, input.InstanceId);
    if (!instance)
        throw new InvalidInstanceId(`Instance ${input.InstanceId} has not reported any inventory in this account and region.`);
    const result = { TypeName: input.TypeName, InstanceId: input.InstanceId, Entries: [] };
    let entries;
    if (input.TypeName === INSTANCE_INFORMATION) {
        const stored = await store.getItem(p, input.InstanceId, input.TypeName);
        result.SchemaVersion = awsType(INSTANCE_INFORMATION).version;
        result.CaptureTime = stored?.captureTime;
        entries = [instanceInformationEntry(instance)];
    }
    else {
        const item = await store.getItem(p, input.InstanceId, input.TypeName);
        if (!item)
            return result;
        result.SchemaVersion = item.schemaVersion;
        result.CaptureTime = item.captureTime;
        entries = item.content;
    }
    const matching = filters.length === 0 ? entries : entries.filter((entry) => filters.every((f) => matchesFilter(Object.hasOwn(entry, f.Key) ? entry[f.Key] : undefined, f)));
    const limit = input.MaxResults ?? DEFAULT_PAGE_SIZE;
    result.Entries = matching.slice(offset, offset + limit);
    if (offset + limit < matching.length)
        result.NextToken = encodeNextToken(scope, offset + limit);
    return result;
}
async function schemaAttributes(store, p, typeName) {
    const schema = await visibleSchema(store, p, typeName);
    if (!schema) {
        throw new InvalidTypeNameException(isCustomType(typeName)
            ? `The inventory type ${typeName} does not exist in this account and region.`
            : `The type name '${typeName}' is not an inventory type defined by AWS.`);
    }
    return new Set(schema.attributes.map((a) => a.Name));
}
function checkFilters(filters, attributes, typeName) {
    for (const filter of filters) {
        if (!attributes.has(filter.Key)) {
            throw new InvalidFilter(`The filter key '${filter.Key}' is not an attribute of ${typeName}; its attributes are ${[...attributes].join(', ')}.`);
        }
        checkFilterValues(filter);
    }
}
//# sourceMappingURL=list-inventory-entries.js.map