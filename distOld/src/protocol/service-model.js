/**
 * The SSM service model (a subset of AWS's public model for API version 2014-11-06),
 * shipped in model/ and loaded once. Validation and the operation table read it; no
 * constraint is copied by hand into an operation.
 */
import model from '../../model/ssm-inventory-model.json' with { type: 'json' };
const service = model;
export const targetPrefix = service.metadata.targetPrefix;
export function shape(name) {
    const found = service.shapes[name];
    if (!found)
        throw new Error(`shape ${name} is not in the service model`);
    return found;
}
export function operation(name) {
    return Object.prototype.hasOwnProperty.call(service.operations, name) ? service.operations[name] : undefined;
}
export function operationNames() {
    return Object.keys(service.operations);
}
//# sourceMappingURL=service-model.js.map