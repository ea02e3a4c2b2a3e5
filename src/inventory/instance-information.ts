/**
 * AWS:InstanceInformation is kept by the service, not by the data: every instance that has
 * reported inventory has one entry built from its record, with its current InstanceStatus
 * and the details last reported for that type.
 */
import type { InstanceRecord, InventoryEntry } from '../store/store.js'

export function instanceInformationEntry(instance: InstanceRecord): InventoryEntry {
  return { ...instance.details, InstanceId: instance.instanceId, InstanceStatus: instance.status }
}
