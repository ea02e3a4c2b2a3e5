/**
 * The rows both SQL stores keep (same tables, same column names) and their mapping to the
 * records of store.ts. Dialect details stay in store/sqlite and store/postgres.
 */
import type { DeletionRecord, InstanceRecord, InventoryAttribute, PageInstance, TypeRecord, VersionCount } from './store.js'

export interface TypeRow {
  type_name: string
  version: string
  attributes: string
  state: TypeRecord['state']
  disabled_version: string | null
  hidden_seq: number
}

export interface InstanceRow {
  instance_id: string
  status: string
  details: string
  first_seen: number
  last_seen: number
}

export interface DeletionRow {
  deletion_id: string
  account: string
  region: string
  type_name: string
  option: string | null
  params_digest: string
  status: DeletionRecord['status']
  start_time: number
  last_update: number
  ordinal: number
  lower_seq: number
  cutoff_seq: number
  total_count: number
  remaining_count: number
  versions: string
  entries_deleted: number
  lease_owner: string | null
  lease_expires: number | null
}

/** Parsed attribute lists by their JSON text: every put reads its types' records. */
const attributeLists = new Map<string, InventoryAttribute[]>()

function parseAttributes(json: string): InventoryAttribute[] {
  let attributes = attributeLists.get(json)
  if (!attributes) {
    attributes = JSON.parse(json) as InventoryAttribute[]
    Object.freeze(attributes)
    if (attributeLists.size >= 1000) attributeLists.clear()
    attributeLists.set(json, attributes)
  }
  return attributes
}

export function toType(row: TypeRow): TypeRecord {
  return {
    typeName: row.type_name,
    version: row.version,
    attributes: parseAttributes(row.attributes),
    state: row.state,
    disabledVersion: row.disabled_version ?? undefined,
    hiddenUpToSeq: row.hidden_seq,
  }
}

export function toInstance(row: InstanceRow): InstanceRecord {
  return { instanceId: row.instance_id, status: row.status, details: JSON.parse(row.details), firstSeen: row.first_seen, lastSeen: row.last_seen }
}

/** A page's instance: the details are left as the text they are stored as (see PageInstance). */
export function toPageInstance(row: InstanceRow): PageInstance {
  return { instanceId: row.instance_id, status: row.status, detailsJson: row.details, lastSeen: row.last_seen }
}

export function toDeletion(row: DeletionRow): DeletionRecord {
  return {
    deletionId: row.deletion_id,
    typeName: row.type_name,
    option: (row.option ?? undefined) as DeletionRecord['option'],
    status: row.status,
    startTime: row.start_time,
    lastUpdateTime: row.last_update,
    totalCount: row.total_count,
    remainingCount: row.remaining_count,
    versions: JSON.parse(row.versions),
    entriesDeleted: row.entries_deleted,
  }
}

/** Counts of a type's items by schema version (DeleteInventory's DeletionSummary), none deleted yet. */
export function toVersionCounts(rows: { version: string; n: number }[]): VersionCount[] {
  return rows.map((r) => ({ Version: r.version, Count: r.n, RemainingCount: r.n }))
}
