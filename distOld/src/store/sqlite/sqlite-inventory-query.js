import { cutPage, PAGE_CONTENT_BUDGET_CHARS, PageContentBudget } from '../page-budget.js';
import { toInstance } from '../rows.js';
import { compareInventoryValues } from '../value-order.js';
import { visibleItemJoin } from '../visible-item-sql.js';
/** The SQL functions the queries call, registered on every connection that runs them. */
export function registerInventoryFunctions(db) {
    db.function('inv_compare', { deterministic: true }, (value, other) => value === null || other === null ? null : compareInventoryValues(String(value), String(other)));
}
/** Collects named parameters while SQL text is built. */
class Params {
    values = {};
    count = 0;
    add(value) {
        const name = `p${this.count++}`;
        this.values[name] = value;
        return `@${name}`;
    }
}
/** A JSON path naming one member, whatever characters the attribute name has. */
function memberPath(attribute) {
    return `$."${attribute.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
/** The SQL value of an attribute of the instance record (`inst`). */
function instanceValue(attribute, params) {
    if (attribute === 'InstanceId')
        return 'inst.instance_id';
    if (attribute === 'InstanceStatus')
        return 'inst.status';
    return `json_extract(inst.details, ${params.add(memberPath(attribute))})`;
}
function predicate(value, condition, params) {
    const list = () => condition.values.map((v) => params.add(v)).join(', ');
    switch (condition.operator) {
        case 'Exists':
            return `${value} IS NOT NULL`;
        case 'Equal':
            return `${value} IN (${list()})`;
        case 'NotEqual':
            return `(${value} IS NULL OR ${value} NOT IN (${list()}))`;
        case 'BeginWith':
            // As bytes: SQLite's length() of text stops at the first U+0000; UTF-8 byte prefixes are character prefixes.
            // Every value starts with '' (and substr() of an empty BLOB is NULL, not an empty BLOB).
            return `(${condition.values.map((prefix) => {
                const bytes = Buffer.from(prefix, 'utf8');
                return bytes.length === 0 ? `${value} IS NOT NULL` : `substr(CAST(${value} AS BLOB), 1, ${params.add(bytes.length)}) = ${params.add(bytes)}`;
            }).join(' OR ')})`;
        case 'LessThan':
            return `inv_compare(${value}, ${params.add(condition.values[0])}) < 0`;
        case 'GreaterThan':
            return `inv_compare(${value}, ${params.add(condition.values[0])}) > 0`;
    }
}
/** The SQL value of an attribute of the entry `entry` (a json_each row). */
function entryValue(entry, typeName, attribute, params, exactKeys) {
    return exactKeys(typeName)
        ? `(SELECT member.value FROM json_each(${entry}.value) member WHERE member.key = ${params.add(attribute)})`
        : `json_extract(${entry}.value, ${params.add(memberPath(attribute))})`;
}
function conditionSql(condition, params, exactKeys) {
    if (condition.source === 'instance')
        return predicate(instanceValue(condition.attribute, params), condition, params);
    const value = entryValue('ce', condition.typeName, condition.attribute, params, exactKeys);
    return `EXISTS (SELECT 1 FROM items ci ${visibleItemJoin('ci', 'ct')}, json_each(ci.content) ce
    WHERE ci.account = inst.account AND ci.region = inst.region AND ci.instance_id = inst.instance_id
      AND ci.type_name = ${params.add(condition.typeName)} AND ${predicate(value, condition, params)})`;
}
function conditionsSql(conditions, params, exactKeys) {
    return conditions.length === 0 ? '1' : conditions.map((c) => `(${conditionSql(c, params, exactKeys)})`).join(' AND ');
}
export class SqliteInventoryQueries {
    db;
    cache = new Map();
    nulInAttributeNames;
    listActiveTypeSeqs;
    listPageItems;
    /** Reads a page in one deferred transaction: all its reads see the same snapshot. */
    inSnapshot;
    constructor(db) {
        this.db = db;
        // Attribute names are stored as JSON text: a U+0000 in one is the escape \u0000 there.
        this.nulInAttributeNames = db.prepare(`SELECT 1 FROM types WHERE account = ? AND region = ? AND type_name = ? AND instr(attributes, '\\u0000') > 0`).pluck();
        this.listActiveTypeSeqs = db.prepare(`SELECT type_name, hidden_seq FROM types WHERE account = ? AND region = ? AND state = 'active'`).raw(true);
        this.listPageItems = db.prepare(`
      SELECT instance_id, type_name, schema_version, capture_time, content_hash, content, context, seq FROM items
      WHERE account = ? AND region = ? AND instance_id IN (SELECT value FROM json_each(?)) ORDER BY instance_id, type_name`).raw(true);
        this.inSnapshot = db.transaction((read) => read());
    }
    /**
     * One page of GetInventory: up to `limit` instances after `after` that satisfy the query,
     * with their visible items (of `typeName` only, if given).
     */
    inventoryPage(account, region, query, after, limit, typeName, contentBudgetChars = PAGE_CONTENT_BUDGET_CHARS) {
        return this.inSnapshot(() => {
            const rows = this.queryInstances(account, region, query, after, limit + 1);
            const instances = rows.slice(0, limit).map(toInstance);
            const next = rows.length > limit ? instances[instances.length - 1].instanceId : undefined;
            if (instances.length === 0)
                return { instances, documents: [], next };
            // Visibility is checked here against the partition's few active types rather than
            // by joining every item row to its type (measured: a third of the query's time).
            const visibleAfter = new Map(this.listActiveTypeSeqs.all(account, region));
            const documents = [];
            const budget = new PageContentBudget(contentBudgetChars);
            let firstLeftOut;
            const ids = JSON.stringify(instances.map((i) => i.instanceId));
            // Row by row, so that the rows past the budget are never read.
            for (const row of this.listPageItems.iterate(account, region, ids)) {
                const [instanceId, itemType, schemaVersion, captureTime, contentHash, contentJson, context, seq] = row;
                if (!budget.admits(instanceId)) {
                    firstLeftOut = instanceId;
                    break;
                }
                const hiddenUpTo = visibleAfter.get(itemType);
                if (hiddenUpTo === undefined || seq <= hiddenUpTo || (typeName !== undefined && itemType !== typeName))
                    continue;
                documents.push({ instanceId, typeName: itemType, schemaVersion, captureTime, contentHash: contentHash ?? undefined, contentJson, context: context ? JSON.parse(context) : undefined });
                budget.add(instanceId, contentJson.length);
            }
            return { ...cutPage(instances, next, firstLeftOut), documents };
        });
    }
    /** For one query: each type is looked up once, however many conditions and keys name it. */
    exactKeys(account, region) {
        const known = new Map();
        return (typeName) => {
            let exact = known.get(typeName);
            if (exact === undefined)
                known.set(typeName, (exact = this.nulInAttributeNames.get(account, region, typeName) !== undefined));
            return exact;
        };
    }
    statement(sql) {
        let statement = this.cache.get(sql);
        if (!statement) {
            statement = this.db.prepare(sql);
            if (this.cache.size >= 200)
                this.cache.delete(this.cache.keys().next().value);
            this.cache.set(sql, statement);
        }
        return statement;
    }
    queryInstances(account, region, query, after, limit) {
        const params = new Params();
        const exactKeys = this.exactKeys(account, region);
        const sql = `SELECT inst.instance_id, inst.status, inst.details, inst.first_seen, inst.last_seen FROM instances inst
      WHERE inst.account = ${params.add(account)} AND inst.region = ${params.add(region)} AND inst.instance_id > ${params.add(after)}
        AND ${conditionsSql(query.conditions, params, exactKeys)}
      ORDER BY inst.instance_id LIMIT ${params.add(limit)}`;
        return this.statement(sql).all(params.values);
    }
    aggregate(account, region, query, keys, limit) {
        const params = new Params();
        const exactKeys = this.exactKeys(account, region);
        const aliases = new Map();
        const joins = [];
        const columns = keys.map((key, index) => {
            if (key.source === 'instance')
                return `${instanceValue(key.attribute, params)} AS v${index}`;
            let alias = aliases.get(key.typeName);
            if (alias === undefined) {
                alias = aliases.size;
                aliases.set(key.typeName, alias);
                joins.push(`JOIN items a${alias} ON a${alias}.account = inst.account AND a${alias}.region = inst.region
            AND a${alias}.instance_id = inst.instance_id AND a${alias}.type_name = ${params.add(key.typeName)}
          ${visibleItemJoin(`a${alias}`, `at${alias}`)}
          JOIN json_each(a${alias}.content) ae${alias}`);
            }
            return `${entryValue(`ae${alias}`, key.typeName, key.attribute, params, exactKeys)} AS v${index}`;
        });
        const names = keys.map((_, index) => `v${index}`);
        const sql = `SELECT ${names.join(', ')}, COUNT(DISTINCT id) AS n FROM (
        SELECT inst.instance_id AS id, ${columns.join(', ')} FROM instances inst ${joins.join(' ')}
        WHERE inst.account = ${params.add(account)} AND inst.region = ${params.add(region)} AND ${conditionsSql(query.conditions, params, exactKeys)}
      ) WHERE ${names.map((n) => `${n} IS NOT NULL`).join(' AND ')}
      GROUP BY ${names.join(', ')} ORDER BY ${names.join(', ')}${limit === undefined ? '' : ` LIMIT ${params.add(limit)}`}`;
        const rows = this.statement(sql).raw(true).all(params.values);
        return rows.map((row) => ({ values: row.slice(0, keys.length).map(String), instances: Number(row[keys.length]) }));
    }
    countGroup(account, region, query, group) {
        const params = new Params();
        const exactKeys = this.exactKeys(account, region);
        const sql = `SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN ${conditionsSql(group, params, exactKeys)} THEN 1 ELSE 0 END), 0) AS matching
      FROM instances inst WHERE inst.account = ${params.add(account)} AND inst.region = ${params.add(region)} AND ${conditionsSql(query.conditions, params, exactKeys)}`;
        return this.statement(sql).get(params.values);
    }
}
//# sourceMappingURL=sqlite-inventory-query.js.map