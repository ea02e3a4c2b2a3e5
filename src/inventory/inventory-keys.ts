/**
 * GetInventory names attributes as `TypeName.Attribute` (filter keys, aggregator
 * expressions, group filters). This resolves such a key against the schemas visible in
 * the caller's partition: the AWS catalogue and the active custom types.
 *
 * Type names may themselves contain dots (`Custom:my.app.Version`), so every split is
 * tried from the left and the first that names a known type wins. AWS:InstanceInformation
 * is answered from the instance record; every other type from its stored item.
 */
import type { AggregationKey, AttributeCondition, Partition, Store } from '../store/store.js'
import { INSTANCE_INFORMATION } from './aws-types.js'
import { checkFilterValues, type InventoryFilter } from './filters.js'
import { visibleSchema, type VisibleSchema } from './visible-schema.js'

export type KeyProblem = 'format' | 'type' | 'attribute' | 'values'

export class KeyError extends Error {
  constructor(readonly problem: KeyProblem, message: string) {
    super(message)
  }
}

export interface ResolvedKey extends AggregationKey {
  /** The schema version of the type (for aggregation results). */
  version: string
}

/** Resolves keys of one request; type lookups are cached for the request. */
export class KeyResolver {
  private readonly schemas = new Map<string, Promise<VisibleSchema | undefined>>()

  constructor(private readonly store: Store, private readonly partition: Partition) {}

  private schema(typeName: string): Promise<VisibleSchema | undefined> {
    let lookup = this.schemas.get(typeName)
    if (!lookup) {
      lookup = visibleSchema(this.store, this.partition, typeName)
      this.schemas.set(typeName, lookup)
    }
    return lookup
  }

  async resolve(key: string): Promise<ResolvedKey> {
    if (!/^(AWS|Custom):/.test(key) || !key.includes('.')) {
      throw new KeyError('format', `'${key}' is not of the form TypeName.Attribute (for example AWS:InstanceInformation.PlatformType).`)
    }
    for (let dot = key.indexOf('.'); dot >= 0; dot = key.indexOf('.', dot + 1)) {
      const typeName = key.slice(0, dot)
      const schema = await this.schema(typeName)
      if (!schema) continue
      const attribute = key.slice(dot + 1)
      const names = schema.attributes.map((a) => a.Name)
      if (!names.includes(attribute)) {
        throw new KeyError('attribute', `'${attribute}' is not an attribute of ${typeName}; its attributes are ${names.join(', ')}.`)
      }
      return { source: typeName === INSTANCE_INFORMATION ? 'instance' : 'item', typeName, attribute, version: schema.version }
    }
    const typeName = key.slice(0, key.lastIndexOf('.'))
    throw new KeyError('type', `The inventory type ${typeName} does not exist in this account and region.`)
  }
}

/**
 * Resolves the keys of filters and checks their values. `toError` turns a problem into
 * the error of the caller's context (InvalidFilter, InvalidInventoryGroupException, ...).
 */
export async function resolveConditions(filters: InventoryFilter[], resolver: KeyResolver, toError: (error: KeyError) => Error): Promise<AttributeCondition[]> {
  const conditions: AttributeCondition[] = []
  for (const filter of filters) {
    try {
      const key = await resolver.resolve(filter.Key)
      checkFilterValues(filter, (message) => new KeyError('values', message))
      conditions.push({ source: key.source, typeName: key.typeName, attribute: key.attribute, operator: filter.Type ?? 'Equal', values: filter.Values })
    } catch (error) {
      throw error instanceof KeyError ? toError(error) : error
    }
  }
  return conditions
}
