import { INSTANCE_INFORMATION } from './aws-types.js';
import { checkFilterValues } from './filters.js';
import { visibleSchema } from './visible-schema.js';
export class KeyError extends Error {
    problem;
    constructor(problem, message) {
        super(message);
        this.problem = problem;
    }
}
/** Resolves keys of one request; type lookups are cached for the request. */
export class KeyResolver {
    store;
    partition;
    schemas = new Map();
    constructor(store, partition) {
        this.store = store;
        this.partition = partition;
    }
    schema(typeName) {
        let lookup = this.schemas.get(typeName);
        if (!lookup) {
            lookup = visibleSchema(this.store, this.partition, typeName);
            this.schemas.set(typeName, lookup);
        }
        return lookup;
    }
    async resolve(key) {
        if (!/^(AWS|Custom):/.test(key) || !key.includes('.')) {
            throw new KeyError('format', `'${key}' is not of the form TypeName.Attribute (for example AWS:InstanceInformation.PlatformType).`);
        }
        for (let dot = key.indexOf('.'); dot >= 0; dot = key.indexOf('.', dot + 1)) {
            const typeName = key.slice(0, dot);
            const schema = await this.schema(typeName);
            if (!schema)
                continue;
            const attribute = key.slice(dot + 1);
            const names = schema.attributes.map((a) => a.Name);
            if (!names.includes(attribute)) {
                throw new KeyError('attribute', `'${attribute}' is not an attribute of ${typeName}; its attributes are ${names.join(', ')}.`);
            }
            return { source: typeName === INSTANCE_INFORMATION ? 'instance' : 'item', typeName, attribute, version: schema.version };
        }
        const typeName = key.slice(0, key.lastIndexOf('.'));
        throw new KeyError('type', `The inventory type ${typeName} does not exist in this account and region.`);
    }
}
/**
 * Resolves the keys of filters and checks their values. `toError` turns a problem into
 * the error of the caller's context (InvalidFilter, InvalidInventoryGroupException, ...).
 */
export async function resolveConditions(filters, resolver, toError) {
    const conditions = [];
    for (const filter of filters) {
        try {
            const key = await resolver.resolve(filter.Key);
            checkFilterValues(filter, (message) => new KeyError('values', message));
            conditions.push({ source: key.source, typeName: key.typeName, attribute: key.attribute, operator: filter.Type ?? 'Equal', values: filter.Values });
        }
        catch (error) {
            throw error instanceof KeyError ? toError(error) : error;
        }
    }
    return conditions;
}
//# sourceMappingURL=inventory-keys.js.map