/** How a deletion record reads to clients: summary counts, status message, epoch-second times. */
import type { DeletionRecord, VersionCount } from '../store/store.js'
import type { InventoryDeletionStatusItem, InventoryDeletionSummary } from './shapes.js'

export function toSummary(versions: VersionCount[]): InventoryDeletionSummary {
  const SummaryItems = versions.map((v) => ({ Version: v.Version, Count: v.Count, RemainingCount: v.RemainingCount }))
  return {
    TotalCount: SummaryItems.reduce((sum, v) => sum + v.Count, 0),
    RemainingCount: SummaryItems.reduce((sum, v) => sum + v.RemainingCount, 0),
    SummaryItems,
  }
}

/** AWS's words, as the user guide ("Deleting custom inventory") and the CLI's examples show them; the counts are in DeletionSummary. */
export function statusMessage(deletion: DeletionRecord): string {
  return deletion.status === 'Complete' ? 'Deletion is successful' : 'The Delete is in progress'
}

export function toStatusItem(deletion: DeletionRecord): InventoryDeletionStatusItem {
  return {
    DeletionId: deletion.deletionId,
    TypeName: deletion.typeName,
    DeletionStartTime: deletion.startTime / 1000,
    LastStatus: deletion.status,
    LastStatusMessage: statusMessage(deletion),
    DeletionSummary: toSummary(deletion.versions),
    LastStatusUpdateTime: deletion.lastUpdateTime / 1000,
  }
}
