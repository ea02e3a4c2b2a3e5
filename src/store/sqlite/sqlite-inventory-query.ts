/**
 * GetInventory on SQLite: conditions and aggregations compiled to SQL over the JSON
 * documents (json_each / json_extract), so filtering and counting run inside SQLite and
 * only one page of instances ever reaches JavaScript. Also the other read that grows with the
 * data: the count of a type's items by schema version that DeleteInventory starts from.
 *
 * Values are bound as named parameters, except the LIMIT, written in (see sqlite-limits.ts);
 * the SQL text depends only on the shape of the query (operators, number of values) and
 * the page size, so compiled statements are cached by text.
 *
 * The queries need only a connection: the store runs them on its own connection, or on a
 * query thread's (sqlite-query-threads.ts) when they may scan the fleet.
 */
import type Database from 'better-sqlite3'
import { cutPage, PAGE_CONTENT_BUDGET_CHARS, PageContentBudget } from '../page-budget.js'
import { toPageInstance, toVersionCounts, type InstanceRow } from '../rows.js'
import type { AggregationKey, AggregationRow, AttributeCondition, InstanceQuery, InventoryPage, StoredDocument, VersionCountSnapshot } from '../store.js'
import { contentNeedles } from '../content-needles.js'
import { compareInventoryValues } from '../value-order.js'
import { visibleItemJoin } from '../visible-item-sql.js'
import { limitText } from './sqlite-limits.js'

/** The SQL functions the queries call, registered on every connection that runs them. */
export function registerInventoryFunctions(db: Database.Database): void {
  db.function('inv_compare', { deterministic: true }, (value: unknown, other: unknown) =>
    value === null || other === null ? null : compareInventoryValues(String(value), String(other)))
  // Given the instance so that SQLite calls it once per instance row (a term of no column would be evaluated once).
  db.function('inv_yield_point', { deterministic: false }, (instanceId: unknown) => (void instanceId, 1))
}

/**
 * A term the fleet queries evaluate once per instance they scan: a call into JavaScript, which
 * fails once the thread running the query is being terminated (sqlite-query-threads.ts stops a
 * query past its time limit so). SQLite's own work between two such calls is one instance's
 * items; without them a terminated thread's query ran on to its end. better-sqlite3 offers no
 * sqlite3_interrupt or progress handler to do it otherwise.
 */
const YIELD_POINT = 'inv_yield_point(inst.instance_id)'

/** instance_id, type_name, schema_version, capture_time, content_hash, content, context, seq */
type PageItemRow = [string, string, string, string, string | null, string, string | null, number]

/** Collects named parameters while SQL text is built. */
class Params {
  readonly values: Record<string, unknown> = {}
  private count = 0

  add(value: unknown): string {
    const name = `p${this.count++}`
    this.values[name] = value
    return `@${name}`
  }
}

/** A JSON path naming one member, whatever characters the attribute name has. */
function memberPath(attribute: string): string {
  return `$."${attribute.replace(/["\\]/g, (c) => `\\${c}`)}"`
}

/** The SQL value of an attribute of the instance record (`inst`). */
function instanceValue(attribute: string, params: Params): string {
  if (attribute === 'InstanceId') return 'inst.instance_id'
  if (attribute === 'InstanceStatus') return 'inst.status'
  return `json_extract(inst.details, ${params.add(memberPath(attribute))})`
}

function predicate(value: string, condition: AttributeCondition, params: Params): string {
  const list = () => condition.values.map((v) => params.add(v)).join(', ')
  switch (condition.operator) {
    case 'Exists':
      return `${value} IS NOT NULL`
    case 'Equal':
      return `${value} IN (${list()})`
    case 'NotEqual':
      return `(${value} IS NULL OR ${value} NOT IN (${list()}))`
    case 'BeginWith':
      // As bytes: SQLite's length() of text stops at the first U+0000; UTF-8 byte prefixes are character prefixes.
      // Every value starts with '' (and substr() of an empty BLOB is NULL, not an empty BLOB).
      return `(${condition.values.map((prefix) => {
        const bytes = Buffer.from(prefix, 'utf8')
        return bytes.length === 0 ? `${value} IS NOT NULL` : `substr(CAST(${value} AS BLOB), 1, ${params.add(bytes.length)}) = ${params.add(bytes)}`
      }).join(' OR ')})`
    case 'LessThan':
      return `inv_compare(${value}, ${params.add(condition.values[0])}) < 0`
    case 'GreaterThan':
      return `inv_compare(${value}, ${params.add(condition.values[0])}) > 0`
  }
}

/**
 * Whether a type's entries must be read by exact key. SQLite's JSON paths compare member
 * names only up to a U+0000 (`$."K"` finds a member "K\u0000x"), so for a type whose
 * attribute names contain one, members are looked up through json_each, which compares whole keys.
 */
type ExactKeys = (typeName: string) => boolean

/** The SQL value of an attribute of the entry `entry` (a json_each row). */
function entryValue(entry: string, typeName: string, attribute: string, params: Params, exactKeys: ExactKeys): string {
  return exactKeys(typeName)
    ? `(SELECT member.value FROM json_each(${entry}.value) member WHERE member.key = ${params.add(attribute)})`
    : `json_extract(${entry}.value, ${params.add(memberPath(attribute))})`
}

function conditionSql(condition: AttributeCondition, params: Params, exactKeys: ExactKeys): string {
  if (condition.source === 'instance') return predicate(instanceValue(condition.attribute, params), condition, params)
  const value = entryValue('ce', condition.typeName, condition.attribute, params, exactKeys)
  // Documents without any of the texts are passed over before they are parsed (content-needles.ts).
  const needles = contentNeedles(condition)
  const containsNeedle = needles ? `AND (${needles.map((needle) => `instr(ci.content, ${params.add(needle)}) > 0`).join(' OR ')})` : ''
  return `EXISTS (SELECT 1 FROM items ci ${visibleItemJoin('ci', 'ct')}, json_each(ci.content) ce
    WHERE ci.account = inst.account AND ci.region = inst.region AND ci.instance_id = inst.instance_id
      AND ci.type_name = ${params.add(condition.typeName)} ${containsNeedle} AND ${predicate(value, condition, params)})`
}

function conditionsSql(conditions: AttributeCondition[], params: Params, exactKeys: ExactKeys): string {
  return conditions.length === 0 ? '1' : conditions.map((c) => `(${conditionSql(c, params, exactKeys)})`).join(' AND ')
}


/** A type's items after `lower` and up to `upper`, by schema version (DeleteInventory's DeletionSummary). */
export const COUNT_BY_VERSION_SQL = `
  SELECT schema_version AS version, COUNT(*) AS n FROM items
  WHERE account = ? AND region = ? AND type_name = ? AND seq > ? AND seq <= ? GROUP BY schema_version ORDER BY schema_version`

export class SqliteInventoryQueries {
  private readonly cache = new Map<string, Database.Statement>()
  private readonly nulInAttributeNames: Database.Statement
  private readonly listActiveTypeSeqs: Database.Statement
  private readonly listPageItems: Database.Statement
  /** The same, of one type (ResultAttributes): the other items are passed over in the index, never read. */
  private readonly listPageItemsOfType: Database.Statement
  private readonly currentSeq: Database.Statement
  private readonly hiddenSeq: Database.Statement
  private readonly countByVersion: Database.Statement
  /** Runs reads in one deferred transaction: all of them see the same snapshot. */
  private readonly inSnapshot: <T>(read: () => T) => T

  constructor(private readonly db: Database.Database) {
    // Attribute names are stored as JSON text: a U+0000 in one is the escape \u0000 there.
    this.nulInAttributeNames = db.prepare(`SELECT 1 FROM types WHERE account = ? AND region = ? AND type_name = ? AND instr(attributes, '\\u0000') > 0`).pluck()
    this.listActiveTypeSeqs = db.prepare(`SELECT type_name, hidden_seq FROM types WHERE account = ? AND region = ? AND state = 'active'`).raw(true)
    const pageItems = (ofType: string) => db.prepare(`
      SELECT instance_id, type_name, schema_version, capture_time, content_hash, content, context, seq FROM items
      WHERE account = ? AND region = ? AND instance_id IN (SELECT value FROM json_each(?)) ${ofType} ORDER BY instance_id, type_name`).raw(true)
    this.listPageItems = pageItems('')
    this.listPageItemsOfType = pageItems('AND type_name = ?')
    this.currentSeq = db.prepare(`SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seq'`).pluck()
    this.hiddenSeq = db.prepare(`SELECT hidden_seq FROM types WHERE account = ? AND region = ? AND type_name = ?`).pluck()
    this.countByVersion = db.prepare(COUNT_BY_VERSION_SQL)
    this.inSnapshot = db.transaction((read: () => unknown) => read()) as <T>(read: () => T) => T
  }

  /**
   * The items of a type by schema version that a deletion starting now would count (those
   * after the type's hidden_seq), with the snapshot they were counted in (see
   * SqliteStore.startDeletion). It visits every item of the type in the index (~0.5-1 µs each here).
   */
  countVersions(account: string, region: string, typeName: string): VersionCountSnapshot {
    return this.inSnapshot(() => {
      const seq = this.currentSeq.get() as number
      const lower = (this.hiddenSeq.get(account, region, typeName) as number | undefined) ?? 0
      return { seq, lower, versions: toVersionCounts(this.countByVersion.all(account, region, typeName, lower, seq) as { version: string; n: number }[]) }
    })
  }

  /**
   * One page of GetInventory: up to `limit` instances after `after` that satisfy the query,
   * with their visible items (of `typeName` only, if given).
   */
  inventoryPage(account: string, region: string, query: InstanceQuery, after: string, limit: number, typeName?: string, contentBudgetChars = PAGE_CONTENT_BUDGET_CHARS): InventoryPage {
    return this.inSnapshot(() => {
      const rows = this.queryInstances(account, region, query, after, limit + 1)
      const instances = rows.slice(0, limit).map(toPageInstance)
      const next = rows.length > limit ? instances[instances.length - 1].instanceId : undefined
      if (instances.length === 0) return { instances, documents: [], next }
      // Visibility is checked here against the partition's few active types rather than
      // by joining every item row to its type (measured: a third of the query's time).
      const visibleAfter = new Map(this.listActiveTypeSeqs.all(account, region) as [string, number][])
      const documents: StoredDocument[] = []
      const budget = new PageContentBudget(contentBudgetChars)
      let firstLeftOut: string | undefined
      const ids = JSON.stringify(instances.map((i) => i.instanceId))
      // Row by row, so that the rows past the budget are never read.
      const items = typeName === undefined ? this.listPageItems.iterate(account, region, ids) : this.listPageItemsOfType.iterate(account, region, ids, typeName)
      for (const row of items as IterableIterator<PageItemRow>) {
        const [instanceId, itemType, schemaVersion, captureTime, contentHash, contentJson, context, seq] = row
        if (!budget.admits(instanceId)) {
          firstLeftOut = instanceId
          break
        }
        const hiddenUpTo = visibleAfter.get(itemType)
        if (hiddenUpTo === undefined || seq <= hiddenUpTo) continue
        documents.push({ instanceId, typeName: itemType, schemaVersion, captureTime, contentHash: contentHash ?? undefined, contentJson, context: context ? JSON.parse(context) : undefined })
        budget.add(instanceId, contentJson.length)
      }
      return { ...cutPage(instances, next, firstLeftOut), documents }
    })
  }

  /** For one query: each type is looked up once, however many conditions and keys name it. */
  private exactKeys(account: string, region: string): ExactKeys {
    const known = new Map<string, boolean>()
    return (typeName) => {
      let exact = known.get(typeName)
      if (exact === undefined) known.set(typeName, (exact = this.nulInAttributeNames.get(account, region, typeName) !== undefined))
      return exact
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.cache.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      if (this.cache.size >= 200) this.cache.delete(this.cache.keys().next().value!)
      this.cache.set(sql, statement)
    }
    return statement
  }

  private queryInstances(account: string, region: string, query: InstanceQuery, after: string, limit: number): InstanceRow[] {
    const params = new Params()
    const exactKeys = this.exactKeys(account, region)
    const sql = `SELECT inst.instance_id, inst.status, inst.details, inst.first_seen, inst.last_seen FROM instances inst
      WHERE inst.account = ${params.add(account)} AND inst.region = ${params.add(region)} AND inst.instance_id > ${params.add(after)} AND ${YIELD_POINT}
        AND ${conditionsSql(query.conditions, params, exactKeys)}
      ORDER BY inst.instance_id LIMIT ${limitText(limit)}`
    return this.statement(sql).all(params.values) as InstanceRow[]
  }

  aggregate(account: string, region: string, query: InstanceQuery, keys: AggregationKey[], limit?: number): AggregationRow[] {
    const params = new Params()
    const exactKeys = this.exactKeys(account, region)
    const aliases = new Map<string, number>()
    const joins: string[] = []
    const columns = keys.map((key, index) => {
      if (key.source === 'instance') return `${instanceValue(key.attribute, params)} AS v${index}`
      let alias = aliases.get(key.typeName)
      if (alias === undefined) {
        alias = aliases.size
        aliases.set(key.typeName, alias)
        joins.push(`JOIN items a${alias} ON a${alias}.account = inst.account AND a${alias}.region = inst.region
            AND a${alias}.instance_id = inst.instance_id AND a${alias}.type_name = ${params.add(key.typeName)}
          ${visibleItemJoin(`a${alias}`, `at${alias}`)}
          JOIN json_each(a${alias}.content) ae${alias}`)
      }
      return `${entryValue(`ae${alias}`, key.typeName, key.attribute, params, exactKeys)} AS v${index}`
    })
    const names = keys.map((_, index) => `v${index}`)
    const sql = `SELECT ${names.join(', ')}, COUNT(DISTINCT id) AS n FROM (
        SELECT inst.instance_id AS id, ${columns.join(', ')} FROM instances inst ${joins.join(' ')}
        WHERE inst.account = ${params.add(account)} AND inst.region = ${params.add(region)} AND ${YIELD_POINT} AND ${conditionsSql(query.conditions, params, exactKeys)}
      ) WHERE ${names.map((n) => `${n} IS NOT NULL`).join(' AND ')}
      GROUP BY ${names.join(', ')} ORDER BY ${names.join(', ')}${limit === undefined ? '' : ` LIMIT ${limitText(limit)}`}`
    const rows = this.statement(sql).raw(true).all(params.values) as unknown[][]
    return rows.map((row) => ({ values: row.slice(0, keys.length).map(String), instances: Number(row[keys.length]) }))
  }

  countGroup(account: string, region: string, query: InstanceQuery, group: AttributeCondition[]): { total: number; matching: number } {
    const params = new Params()
    const exactKeys = this.exactKeys(account, region)
    const sql = `SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN ${conditionsSql(group, params, exactKeys)} THEN 1 ELSE 0 END), 0) AS matching
      FROM instances inst WHERE inst.account = ${params.add(account)} AND inst.region = ${params.add(region)} AND ${YIELD_POINT} AND ${conditionsSql(query.conditions, params, exactKeys)}`
    return this.statement(sql).get(params.values) as { total: number; matching: number }
  }
}
