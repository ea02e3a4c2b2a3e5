import { awsType, isCustomType } from './aws-types.js';
export async function visibleSchema(store, p, typeName) {
    if (!isCustomType(typeName)) {
        const definition = awsType(typeName);
        return definition && { version: definition.version, attributes: definition.attributes };
    }
    const type = await store.getType(p, typeName);
    return type?.state === 'active' ? { version: type.version, attributes: type.attributes } : undefined;
}
//# sourceMappingURL=visible-schema.js.map