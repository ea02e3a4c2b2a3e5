/**
 * Evaluation of inventory filters (ListInventoryEntries; GetInventory uses the same rules).
 *
 * - Equal: the value is one of Values; NotEqual: it is none of them (an absent attribute
 *   is not equal to anything); BeginWith: it starts with one of them; Exists: the
 *   attribute is present (Values are ignored).
 * - LessThan / GreaterThan take exactly one value. They compare numerically when both
 *   sides are numbers (custom attributes are strings, and "9" < "10" is what users mean),
 *   otherwise as strings.
 */
import { InvalidFilter } from '../protocol/errors.js';
import { compareInventoryValues as compare } from '../store/value-order.js';
export function checkFilterValues(filter, toError = (m) => new InvalidFilter(m)) {
    const operator = filter.Type ?? 'Equal';
    if ((operator === 'LessThan' || operator === 'GreaterThan') && filter.Values.length !== 1) {
        throw toError(`The filter on '${filter.Key}' with operator ${operator} needs exactly one value; got ${filter.Values.length}.`);
    }
}
export function matchesFilter(value, filter) {
    const operator = filter.Type ?? 'Equal';
    if (operator === 'Exists')
        return value !== undefined;
    if (value === undefined)
        return operator === 'NotEqual';
    switch (operator) {
        case 'Equal':
            return filter.Values.includes(value);
        case 'NotEqual':
            return !filter.Values.includes(value);
        case 'BeginWith':
            return filter.Values.some((prefix) => value.startsWith(prefix));
        case 'LessThan':
            return compare(value, filter.Values[0]) < 0;
        case 'GreaterThan':
            return compare(value, filter.Values[0]) > 0;
    }
}
//# sourceMappingURL=filters.js.map