/**
 * The schema a type has as reads see it: an `AWS:` type from the catalogue, a `Custom:` type
 * from the store while it is active. Disabled, deleted and unknown types have none.
 */
import type { InventoryAttribute, Partition, Store } from '../store/store.js'
import { awsType, isCustomType } from './aws-types.js'

export interface VisibleSchema {
  version: string
  attributes: InventoryAttribute[]
}

export async function visibleSchema(store: Store, p: Partition, typeName: string): Promise<VisibleSchema | undefined> {
  if (!isCustomType(typeName)) {
    const definition = awsType(typeName)
    return definition && { version: definition.version, attributes: definition.attributes }
  }
  const type = await store.getType(p, typeName)
  return type?.state === 'active' ? { version: type.version, attributes: type.attributes } : undefined
}
