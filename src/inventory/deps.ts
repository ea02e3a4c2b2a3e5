/** What every operation is given: no module-level state, so tests control the store and the clock. */
import type { Partition, Store } from '../store/store.js'

export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** Quotas applied by PutInventory; the defaults and their sources are listed in the README. */
export interface InventoryLimits {
  /** Custom types (active or disabled) per account and region. */
  maxCustomTypes: number
  /** Attributes of one custom type's schema. */
  maxAttributesPerType: number
  /** Serialized size of one item's Content and Context, in bytes. */
  maxItemSizeBytes: number
  /** Serialized size of all items of one PutInventory call, in bytes. */
  maxTotalSizeBytes: number
  /** Distinct sub-types (ComplianceType values) per type. */
  maxSubTypesPerType: number
}

export const defaultLimits: InventoryLimits = {
  maxCustomTypes: 20,
  maxAttributesPerType: 50,
  maxItemSizeBytes: 200 * 1024,
  maxTotalSizeBytes: 1024 * 1024,
  maxSubTypesPerType: 100,
}

export interface Deps {
  store: Store
  clock: Clock
  limits: InventoryLimits
  /** Wakes the deletion worker when a deletion starts. */
  onDeletionStarted(): void
}

/** Who is calling: the partition their data lives in. */
export interface Caller {
  partition: Partition
  /**
   * The content budget of a GetInventory page, in characters, given by the server from what it
   * holds of other answers (protocol/answer-budget.ts); the store's default when absent.
   */
  pageContentChars?: number
}
