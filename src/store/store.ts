/**
 * The storage contract. Operations in src/inventory and the deletion worker in
 * src/deletions talk only to this interface; store/sqlite (and later store/postgres)
 * implement it and pass one conformance suite (test/store-conformance.ts).
 *
 * Rules that must hold atomically with a write (schema versions, the custom type limit,
 * idempotency tokens) are decided by pure callbacks that the store calls inside its own
 * transaction with the rows it has read (and locked). The domain logic stays in
 * src/inventory; the store guarantees that nobody else changed those rows meanwhile.
 *
 * Visibility: every item carries the sequence number of the put that wrote it. A type
 * remembers `hiddenUpToSeq`; items of that type with seq <= hiddenUpToSeq were deleted
 * by a DeleteInventory and are invisible to every read while the worker removes them.
 */

export interface Partition {
  account: string
  region: string
}

export type InventoryEntry = Record<string, string>

export interface InventoryAttribute {
  Name: string
  DataType: 'string' | 'number'
}

export type TypeState = 'active' | 'disabled' | 'deleted'

export interface TypeRecord {
  typeName: string
  version: string
  attributes: InventoryAttribute[]
  state: TypeState
  /** The version given to DisableSchema; PutInventory must go higher to enable the type again. */
  disabledVersion?: string
  hiddenUpToSeq: number
}

export interface InstanceRecord {
  instanceId: string
  status: string
  /** Details of AWS:InstanceInformation, if any were reported. */
  details: Record<string, string>
  firstSeen: number
  lastSeen: number
}

export interface StoredItem {
  instanceId: string
  typeName: string
  schemaVersion: string
  captureTime: string
  contentHash?: string
  content: InventoryEntry[]
  context?: Record<string, string>
}

/** A stored item with its Content as the JSON text the store keeps (for responses that embed it as is). */
export interface StoredDocument extends Omit<StoredItem, 'content'> {
  contentJson: string
}

/** An item to write: Content arrives serialized (PutInventory measures it that way). */
export interface NewItem extends Omit<StoredItem, 'content'> {
  contentJson: string
  entryCount: number
}

/**
 * What the store reads, inside its transaction, for a PutInventory decision. The functions
 * read on demand (most puts need neither the custom type count nor sub-types); a store
 * that cannot read synchronously may fetch everything beforehand, in the same transaction.
 */
export interface PutContext {
  instance: InstanceRecord | undefined
  /** The records of the types named in the request (undefined: never seen). */
  types: Map<string, TypeRecord | undefined>
  /** Custom types that exist (active or disabled) in the partition. */
  customTypeCount(): number
  /** Known sub-types of a type named in the request. */
  subTypes(typeName: string): Set<string>
  /** ContentHash of the instance's visible stored item of a type named in the request, if any. */
  storedHash(typeName: string): string | undefined
}

export interface PutPlan {
  /** Type records to create or replace. */
  types: TypeRecord[]
  /** Items to write (items whose ContentHash is unchanged are left out). */
  items: NewItem[]
  subTypes: { typeName: string; subType: string }[]
  instance: { status: string; details?: Record<string, string> }
}

export type DeletionStatus = 'InProgress' | 'Complete'
export type SchemaDeleteOption = 'DisableSchema' | 'DeleteSchema'

export interface VersionCount {
  Version: string
  Count: number
  RemainingCount: number
}

/**
 * The items of a type a deletion would count, counted in a snapshot before the deletion's
 * transaction (so that the count does not hold the partition's writes), and that snapshot.
 */
export interface VersionCountSnapshot {
  /** The sequence number every write in the snapshot had reached (items up to it are counted). */
  seq: number
  /** The type's hidden_seq then: items up to it belong to an earlier deletion (0: none). */
  lower: number
  versions: VersionCount[]
}

export interface DeletionRecord {
  deletionId: string
  typeName: string
  option?: SchemaDeleteOption
  status: DeletionStatus
  startTime: number
  lastUpdateTime: number
  totalCount: number
  remainingCount: number
  versions: VersionCount[]
  /** Content entries removed so far (for metrics and progress displays). */
  entriesDeleted: number
}

export interface DeletionRequest {
  deletionId: string
  typeName: string
  option?: SchemaDeleteOption
  clientToken?: string
  /** A digest of the parameters the token was first used with. */
  paramsDigest: string
  now: number
}

/** What startDeletion read, inside its transaction, for the decision. */
export interface DeletionContext {
  type: TypeRecord | undefined
  /** An earlier deletion with the same ClientToken in this partition. */
  sameToken: { deletion: DeletionRecord; paramsDigest: string } | undefined
}

export interface DeletionDecision {
  /** Return the earlier deletion instead of starting one. */
  replay?: DeletionRecord
  /** New state of the type once this deletion starts (undefined: unchanged). */
  typeState?: TypeState
  disabledVersion?: string
}

export type FilterOperator = 'Equal' | 'NotEqual' | 'BeginWith' | 'LessThan' | 'GreaterThan' | 'Exists'

/**
 * One condition of a GetInventory query, already checked against the schemas by
 * src/inventory. `instance` conditions read the instance record (InstanceId, InstanceStatus
 * and the reported details); `item` conditions read the entries of the instance's visible
 * item of `typeName`, and hold when at least one entry satisfies them.
 *
 * Operators: Equal (one of values), NotEqual (none of values; an entry without the
 * attribute qualifies), BeginWith (starts with one of values), LessThan / GreaterThan
 * (values[0], in the order of value-order.ts), Exists (the attribute is present).
 */
export interface AttributeCondition {
  source: 'instance' | 'item'
  typeName: string
  attribute: string
  operator: FilterOperator
  values: string[]
}

/** The instances a GetInventory query covers: all conditions hold (AND). */
export interface InstanceQuery {
  conditions: AttributeCondition[]
}

/** One attribute of a GetInventory aggregation: a value of the instance record or of an entry. */
export interface AggregationKey {
  source: 'instance' | 'item'
  typeName: string
  attribute: string
}

export interface AggregationRow {
  /** The values of the keys, in the order given. */
  values: string[]
  /** Distinct instances with that combination. */
  instances: number
}

/**
 * An instance as a GetInventory page shows it: its details as the JSON text they are stored
 * as, which the page writes out with InstanceId and InstanceStatus added, unparsed.
 */
export interface PageInstance {
  instanceId: string
  status: string
  /** Details of AWS:InstanceInformation: a JSON object of strings, as JSON.stringify wrote it. */
  detailsJson: string
  lastSeen: number
}

export interface InventoryPage {
  instances: PageInstance[]
  documents: StoredDocument[]
  /** The last instance id of the page when more follow. */
  next: string | undefined
}

export interface Page<T, C> {
  items: T[]
  /** Where the next page starts; undefined on the last page. */
  next: C | undefined
}

export interface DeletionCursor {
  startTime: number
  ordinal: number
}

export interface BatchResult {
  /** False when this node no longer holds the lease: it must stop working the job. */
  leaseHeld: boolean
  itemsDeleted: number
  entriesDeleted: number
  complete: boolean
}

export interface Store {
  /** A random secret created with the database, shared by every node; signs NextTokens. */
  readonly secret: string

  putInventory(p: Partition, instanceId: string, typeNames: string[], decide: (ctx: PutContext) => PutPlan, now: number): Promise<void>

  getInstance(p: Partition, instanceId: string): Promise<InstanceRecord | undefined>
  getType(p: Partition, typeName: string): Promise<TypeRecord | undefined>
  /** Types in the partition ordered by name, after `afterTypeName`, that are not deleted. */
  listTypes(p: Partition, afterTypeName: string | undefined, limit: number): Promise<Page<TypeRecord, string>>
  listSubTypes(p: Partition, typeName: string): Promise<string[]>
  /** The visible item of one type on one instance. */
  getItem(p: Partition, instanceId: string, typeName: string): Promise<StoredItem | undefined>

  /**
   * One page of a GetInventory query, read from one snapshot: the instances matching the
   * query ordered by id after `afterInstanceId`, and their visible items (of `typeName`
   * only, if given) ordered by instance then type. The page ends early after the instance
   * during which its items' content reached `contentBudgetChars` (page-budget.ts; at least
   * one instance, whatever its size); `next` then follows that instance.
   */
  queryInventoryPage(p: Partition, query: InstanceQuery, afterInstanceId: string | undefined, limit: number, typeName?: string, contentBudgetChars?: number): Promise<InventoryPage>
  /**
   * Distinct-instance counts per combination of the keys' values over the instances of the
   * query. Keys of the same item type read the same entry; an instance contributes once
   * per combination. Combinations where a key has no value are left out. Ordered by values;
   * with `limit`, the first `limit` combinations only.
   */
  aggregate(p: Partition, query: InstanceQuery, keys: AggregationKey[], limit?: number): Promise<AggregationRow[]>
  /** How many instances of the query there are, and how many of them also match `group`. */
  countGroup(p: Partition, query: InstanceQuery, group: AttributeCondition[]): Promise<{ total: number; matching: number }>

  /** Per-version counts of the visible items of a type: what a deletion would remove. */
  countItemsByVersion(p: Partition, typeName: string): Promise<VersionCount[]>
  startDeletion(p: Partition, request: DeletionRequest, decide: (ctx: DeletionContext) => DeletionDecision): Promise<DeletionRecord>
  getDeletion(p: Partition, deletionId: string): Promise<DeletionRecord | undefined>
  listDeletions(p: Partition, after: DeletionCursor | undefined, limit: number): Promise<Page<DeletionRecord, DeletionCursor>>

  /** Claims an InProgress deletion whose lease is free or expired (or already ours). */
  claimDeletion(owner: string, now: number, leaseMs: number): Promise<string | undefined>
  /** Deletes up to `batchSize` items of the deletion in one transaction with its counts; renews the lease. */
  runDeletionBatch(deletionId: string, owner: string, batchSize: number, now: number, leaseMs: number): Promise<BatchResult>
  releaseDeletion(deletionId: string, owner: string): Promise<void>
  /** Forgets Complete deletions last updated before `before`. Returns how many. */
  purgeDeletions(before: number): Promise<number>

  /** Deletions not yet Complete, all partitions (for metrics). */
  countDeletionsInProgress(): Promise<number>
  /** Bytes the stored data takes (for metrics). */
  sizeBytes(): Promise<number>
  /**
   * Resolves when the database answers (for GET /ready): a trivial query, or on PostgreSQL an
   * answer to any statement within the last second; rejects otherwise.
   */
  ping(): Promise<void>
  /** PostgreSQL only: the node's connection pool (for metrics). */
  connectionPool?(): ConnectionPoolStats
  /** SQLite only: the WAL's size and what the checkpointer's RESTARTs came to (for metrics); undefined in memory, which has no WAL. */
  writeAheadLog?(): WriteAheadLogStats | undefined

  close(): Promise<void>
}

/**
 * A call that failed because the database did not answer in time, its connection could not be
 * opened or broke (PostgreSQL), or its file could not be locked, read or written (SQLite: a full
 * disk, an I/O error): an outage, not a fault of this program. The caller gets InternalServerError
 * as for any failure; the log says what happened without a stack trace. A PostgreSQL write that
 * failed this way may or may not have been committed (a COMMIT can be lost on its way back).
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
  constructor(
    message: string,
    /** Whether the database did not answer in time, or its lock was not granted in time (rather than the connection or file failing). */
    readonly timedOut: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/**
 * Why a store refuses to open data whose schema is newer than this build knows (a node of an
 * older version started after a newer one migrated the database): its queries could misread it.
 */
export function newerSchemaMessage(where: string, applied: number, known: number): string {
  return `${where} was written by a newer ssm-inventory (schema version ${applied}; this version knows up to ${known}): run that version or a later one`
}

export interface WriteAheadLogStats {
  /** The WAL file's size now. */
  bytes: number
  /** RESTART checkpoints since the store opened: done (the WAL started over), kept from it by a writer or reader still there, and holds of new reports given up for a report that ran too long. */
  restarted: number
  busy: number
  holdsGivenUp: number
}

export interface ConnectionPoolStats {
  /** Connections open, and of those the idle ones. */
  open: number
  idle: number
  /** Calls waiting for a free connection. */
  waiting: number
  /** Connections that broke since the start (the database ended them, or the network did). */
  broken: number
}
