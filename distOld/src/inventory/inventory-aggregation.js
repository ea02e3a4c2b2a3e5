/**
 * GetInventory Aggregators: counts over the instances the request's Filters select,
 * returned as one entity without an Id.
 *
 * - An aggregator with an Expression (`Type.Attribute`) counts, per distinct value, the
 *   instances that have it: Data[Type].Content = [{Attribute: value, Count: "n"}, ...].
 *   Nested Aggregators refine each value by further attributes: every path from the top
 *   expression to a leaf is counted per combination of values, with attributes of the same
 *   type read from the same entry. Attributes of another type than the top expression's
 *   are named `Type.Attribute` in the rows.
 * - An aggregator with Groups counts, per group, the instances matching all its filters
 *   and those not matching: Data[GroupName].Content = [{matchingCount, notMatchingCount}].
 * - An aggregator needs exactly one of Expression and Groups; Groups take no nested
 *   aggregators; nesting is at most MAX_DEPTH deep and one request counts at most
 *   MAX_PATHS paths and MAX_COMBINATIONS combinations of values. Anything else is
 *   InvalidAggregatorException (InvalidInventoryGroupException for the groups' names and filters).
 */
import { InvalidAggregatorException, InvalidInventoryGroupException } from '../protocol/errors.js';
import { KeyError, resolveConditions } from './inventory-keys.js';
export const MAX_DEPTH = 5;
export const MAX_PATHS = 50;
/**
 * Combinations of values one request counts at most, over all its paths. Aggregating on an
 * attribute whose values are all distinct (file names, serial numbers) across a fleet has no
 * other bound: 1,000,000 values took the server to 1.2 GB; 10 times that would end it.
 */
export const MAX_COMBINATIONS = 100_000;
export async function aggregateInventory(aggregators, query, resolver, store, p) {
    const plans = [];
    let pathCount = 0;
    for (const aggregator of aggregators) {
        const plan = await planAggregator(aggregator, resolver);
        if (plan.kind === 'paths')
            pathCount += plan.paths.length;
        if (pathCount > MAX_PATHS)
            throw new InvalidAggregatorException(`The aggregators describe more than ${MAX_PATHS} combinations of attributes; ask for fewer.`);
        plans.push(plan);
    }
    // Group and attribute names are the caller's ("__proto__" included): null-prototype objects keep them as keys.
    const data = Object.create(null);
    let combinationsLeft = MAX_COMBINATIONS;
    for (const plan of plans) {
        if (plan.kind === 'groups') {
            for (const group of plan.groups) {
                const { total, matching } = await store.countGroup(p, query, group.conditions);
                data[group.name] = { TypeName: group.name, Content: [{ matchingCount: String(matching), notMatchingCount: String(total - matching) }] };
            }
            continue;
        }
        // Aggregators on the same type share its Content; each row names its attributes.
        const target = contentOf(data, plan.top);
        for (const path of plan.paths) {
            const rows = await store.aggregate(p, query, path, combinationsLeft + 1);
            if (rows.length > combinationsLeft) {
                throw new InvalidAggregatorException(`The aggregators count more than ${MAX_COMBINATIONS} combinations of values; narrow them with Filters, or aggregate on attributes with fewer distinct values.`);
            }
            combinationsLeft -= rows.length;
            for (const row of rows) {
                const entry = Object.create(null);
                path.forEach((key, index) => {
                    entry[key.typeName === plan.top.typeName ? key.attribute : `${key.typeName}.${key.attribute}`] = row.values[index];
                });
                entry.Count = String(row.instances);
                target.push(entry);
            }
        }
    }
    return { Data: data };
}
function contentOf(data, top) {
    const existing = data[top.typeName]?.Content;
    if (Array.isArray(existing))
        return existing;
    const rows = [];
    data[top.typeName] = { TypeName: top.typeName, SchemaVersion: top.version, Content: rows };
    return rows;
}
async function planAggregator(aggregator, resolver) {
    if (aggregator.Groups !== undefined) {
        if (aggregator.Expression !== undefined)
            throw new InvalidAggregatorException('An aggregator takes either an Expression or Groups, not both.');
        if (aggregator.Aggregators !== undefined)
            throw new InvalidAggregatorException('An aggregator with Groups cannot have nested Aggregators.');
        return { kind: 'groups', groups: await planGroups(aggregator.Groups, resolver) };
    }
    if (aggregator.Expression === undefined)
        throw new InvalidAggregatorException('An aggregator needs an Expression (TypeName.Attribute) or Groups.');
    const top = await resolveExpression(aggregator.Expression, resolver);
    const paths = await expandPaths([top], aggregator.Aggregators, resolver, 1);
    return { kind: 'paths', top, paths };
}
/** Every path from `prefix` down to a leaf of the nested aggregators. */
async function expandPaths(prefix, nested, resolver, depth) {
    if (nested === undefined)
        return [prefix];
    if (depth >= MAX_DEPTH)
        throw new InvalidAggregatorException(`Aggregators can be nested at most ${MAX_DEPTH} levels deep.`);
    const paths = [];
    for (const aggregator of nested) {
        if (aggregator.Groups !== undefined)
            throw new InvalidAggregatorException('A nested aggregator cannot have Groups; put Groups in a top-level aggregator.');
        if (aggregator.Expression === undefined)
            throw new InvalidAggregatorException('A nested aggregator needs an Expression (TypeName.Attribute).');
        const key = await resolveExpression(aggregator.Expression, resolver);
        if (prefix.some((k) => k.typeName === key.typeName && k.attribute === key.attribute)) {
            throw new InvalidAggregatorException(`The expression ${aggregator.Expression} is already used by an enclosing aggregator.`);
        }
        paths.push(...(await expandPaths([...prefix, key], aggregator.Aggregators, resolver, depth + 1)));
        if (paths.length > MAX_PATHS)
            throw new InvalidAggregatorException(`The aggregators describe more than ${MAX_PATHS} combinations of attributes; ask for fewer.`);
    }
    return paths;
}
async function resolveExpression(expression, resolver) {
    try {
        return await resolver.resolve(expression);
    }
    catch (error) {
        if (error instanceof KeyError)
            throw new InvalidAggregatorException(`The aggregator expression is not valid: ${error.message}`);
        throw error;
    }
}
async function planGroups(groups, resolver) {
    const names = new Set();
    const planned = [];
    for (const group of groups) {
        if (names.has(group.Name))
            throw new InvalidInventoryGroupException(`The group name ${group.Name} is used more than once; group names must be unique.`);
        names.add(group.Name);
        const conditions = await resolveConditions(group.Filters, resolver, (error) => new InvalidInventoryGroupException(`The filter of group ${group.Name} is not valid: ${error.message}`));
        planned.push({ name: group.Name, conditions });
    }
    return planned;
}
//# sourceMappingURL=inventory-aggregation.js.map