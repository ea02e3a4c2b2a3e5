/**
 * Request and result shapes of the six operations, named as in the service model.
 * Inputs reach the operations only after protocol/validate.ts has checked them against
 * the model, so these types describe validated values.
 */
import type { InventoryAttribute, InventoryEntry } from '../store/store.js'
import type { RawJson } from '../protocol/raw-json.js'
import type { InventoryFilter } from './filters.js'

export interface InventoryItem {
  TypeName: string
  SchemaVersion: string
  CaptureTime: string
  ContentHash?: string
  Content?: InventoryEntry[]
  Context?: Record<string, string>
}

export interface PutInventoryRequest {
  InstanceId: string
  Items: InventoryItem[]
}

export interface PutInventoryResult {
  Message?: string
}

export interface GetInventorySchemaRequest {
  TypeName?: string
  NextToken?: string
  MaxResults?: number
  Aggregator?: boolean
  SubType?: boolean
}

export interface InventoryItemSchema {
  TypeName: string
  Version?: string
  Attributes: InventoryAttribute[]
  DisplayName?: string
}

export interface GetInventorySchemaResult {
  Schemas: InventoryItemSchema[]
  NextToken?: string
}

export interface ListInventoryEntriesRequest {
  InstanceId: string
  TypeName: string
  Filters?: InventoryFilter[]
  NextToken?: string
  MaxResults?: number
}

export interface ListInventoryEntriesResult {
  TypeName: string
  InstanceId: string
  SchemaVersion?: string
  CaptureTime?: string
  Entries: InventoryEntry[]
  NextToken?: string
}

export interface DeleteInventoryRequest {
  TypeName: string
  SchemaDeleteOption?: 'DisableSchema' | 'DeleteSchema'
  DryRun?: boolean
  ClientToken?: string
}

export interface InventoryDeletionSummaryItem {
  Version: string
  Count: number
  RemainingCount: number
}

export interface InventoryDeletionSummary {
  TotalCount: number
  RemainingCount: number
  SummaryItems: InventoryDeletionSummaryItem[]
}

export interface DeleteInventoryResult {
  DeletionId?: string
  TypeName: string
  DeletionSummary: InventoryDeletionSummary
}

export interface DescribeInventoryDeletionsRequest {
  DeletionId?: string
  NextToken?: string
  MaxResults?: number
}

export interface InventoryDeletionStatusItem {
  DeletionId: string
  TypeName: string
  /** Epoch seconds. */
  DeletionStartTime: number
  LastStatus: 'InProgress' | 'Complete'
  LastStatusMessage: string
  DeletionSummary: InventoryDeletionSummary
  LastStatusUpdateTime: number
}

export interface DescribeInventoryDeletionsResult {
  InventoryDeletions: InventoryDeletionStatusItem[]
  NextToken?: string
}

export interface InventoryGroup {
  Name: string
  Filters: InventoryFilter[]
}

export interface InventoryAggregator {
  Expression?: string
  Aggregators?: InventoryAggregator[]
  Groups?: InventoryGroup[]
}

export interface GetInventoryRequest {
  Filters?: InventoryFilter[]
  Aggregators?: InventoryAggregator[]
  ResultAttributes?: { TypeName: string }[]
  NextToken?: string
  MaxResults?: number
}

export interface InventoryResultItem {
  TypeName: string
  SchemaVersion?: string
  CaptureTime?: string
  ContentHash?: string
  /** Entries, or their stored JSON text (spliced into the response as is). */
  Content: InventoryEntry[] | RawJson
}

export interface InventoryResultEntity {
  Id?: string
  Data: Record<string, InventoryResultItem>
}

export interface GetInventoryResult {
  Entities: InventoryResultEntity[]
  NextToken?: string
}
