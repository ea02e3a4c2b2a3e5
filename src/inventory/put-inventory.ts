/**
 * PutInventory: adds or replaces, on one instance, one item per inventory type.
 *
 * Two phases. `preparePutInventory` applies the rules that need nothing stored (AWS type
 * catalogue, Context, sizes) and serialises each item's Content once; it is pure, so the
 * protocol layer may run it on a decoding thread together with parsing and validation,
 * and only the prepared items (Content as JSON text) come back. `planPut` runs inside the store's
 * transaction with the stored type records and decides schema changes: the first item
 * of a custom type defines its schema; the same version must keep within it; a higher
 * version replaces it; a disabled type needs a version above the disabled one.
 */
import {
  CustomSchemaCountLimitExceededException,
  InvalidInstanceId,
  InvalidInventoryItemContextException,
  InvalidItemContentException,
  InvalidTypeNameException,
  ItemContentMismatchException,
  ItemSizeLimitExceededException,
  SubTypeCountLimitExceededException,
  TotalSizeLimitExceededException,
  UnsupportedInventoryItemContextException,
  UnsupportedInventorySchemaVersionException,
} from '../protocol/errors.js'
import type { InventoryAttribute, NewItem, PutContext, PutPlan, TypeRecord } from '../store/store.js'
import { awsType, INSTANCE_INFORMATION, isCustomType } from './aws-types.js'
import type { Caller, Deps, InventoryLimits } from './deps.js'
import { compareSchemaVersions } from './schema-version.js'
import type { InventoryItem, PutInventoryRequest, PutInventoryResult } from './shapes.js'

export const TERMINATED = 'Terminated'

export interface PreparedPutInventory {
  instanceId: string
  items: CheckedItem[]
}

export function preparePutInventory(input: PutInventoryRequest, limits: InventoryLimits): PreparedPutInventory {
  return { instanceId: input.InstanceId, items: checkItems(input.Items, limits) }
}

export async function putInventory(prepared: PreparedPutInventory, caller: Caller, deps: Deps): Promise<PutInventoryResult> {
  const { instanceId, items } = prepared
  await deps.store.putInventory(
    caller.partition,
    instanceId,
    [...new Set([...items.map((i) => i.typeName), INSTANCE_INFORMATION])],
    (ctx) => planPut(instanceId, items, ctx, deps.limits),
    deps.clock.now().getTime(),
  )
  return {}
}

interface CheckedItem extends NewItem {
  attributeNames: string[]
  subTypes: string[]
  /** The reported details, for AWS:InstanceInformation only (its first entry). */
  information?: Record<string, string>
}

function checkItems(items: InventoryItem[], limits: InventoryLimits): CheckedItem[] {
  const seen = new Set<string>()
  let totalSize = 0
  const checked = items.map((item) => {
    if (seen.has(item.TypeName)) {
      throw new InvalidItemContentException(`The request has more than one item of type ${item.TypeName}; send one item per type.`, item.TypeName)
    }
    seen.add(item.TypeName)
    const result = checkItem(item, limits)
    totalSize += result.size
    return result
  })
  if (totalSize > limits.maxTotalSizeBytes) {
    throw new TotalSizeLimitExceededException(`The items of this request total ${totalSize} bytes, above the limit of ${limits.maxTotalSizeBytes} bytes per request.`)
  }
  return checked
}

/**
 * The distinct attribute names of the entries, in first-seen order. Entries mostly name the
 * same attributes in the same order, so each name is first compared with the one found at its
 * position before (a parsed key is an internalised string: the comparison is by reference);
 * only a name that differs is looked up among those seen.
 */
function attributeNamesOf(content: Record<string, string>[]): string[] {
  const names: string[] = []
  const seen = new Set<string>()
  for (const entry of content) {
    let position = 0
    for (const name in entry) {
      if (names[position] !== name && !seen.has(name)) {
        seen.add(name)
        names.push(name)
      }
      position++
    }
  }
  return names
}

function checkItem(item: InventoryItem, limits: InventoryLimits): CheckedItem & { size: number } {
  const content = item.Content ?? []
  const attributeNames = attributeNamesOf(content)
  checkTypeAndAttributes(item, attributeNames, limits)
  checkContext(item)
  // Serialized once: measured here, stored as is.
  const contentJson = JSON.stringify(content)
  const size = Buffer.byteLength(contentJson) + (item.Context ? Buffer.byteLength(JSON.stringify(item.Context)) : 0)
  if (size > limits.maxItemSizeBytes) {
    throw new ItemSizeLimitExceededException(`The item of type ${item.TypeName} is ${size} bytes, above the limit of ${limits.maxItemSizeBytes} bytes per item.`, item.TypeName)
  }
  const subTypeAttribute = awsType(item.TypeName)?.subTypeAttribute
  const subTypes = subTypeAttribute ? [...new Set(content.map((e) => e[subTypeAttribute]).filter((v): v is string => v !== undefined && v !== ''))] : []
  return {
    instanceId: '',
    typeName: item.TypeName,
    schemaVersion: item.SchemaVersion,
    captureTime: item.CaptureTime,
    contentHash: item.ContentHash,
    contentJson,
    information: item.TypeName === INSTANCE_INFORMATION ? content[0] ?? {} : undefined,
    context: item.Context && Object.keys(item.Context).length > 0 ? item.Context : undefined,
    entryCount: content.length,
    attributeNames,
    subTypes,
    size,
  }
}

function checkTypeAndAttributes(item: InventoryItem, attributeNames: string[], limits: InventoryLimits): void {
  if (isCustomType(item.TypeName)) {
    if (item.TypeName.length === 'Custom:'.length) throw new InvalidTypeNameException(`The type name '${item.TypeName}' has no name after the Custom: prefix.`)
    if (attributeNames.length > limits.maxAttributesPerType) {
      throw new InvalidItemContentException(
        `The content of ${item.TypeName} has ${attributeNames.length} distinct attributes; a custom type may have at most ${limits.maxAttributesPerType}.`,
        item.TypeName,
      )
    }
    return
  }
  const definition = awsType(item.TypeName)
  if (!definition) throw new InvalidTypeNameException(`The type name '${item.TypeName}' is not an inventory type defined by AWS; custom types start with Custom:.`)
  if (item.SchemaVersion !== definition.version) {
    throw new UnsupportedInventorySchemaVersionException(
      `Schema version ${item.SchemaVersion} of ${item.TypeName} is not supported; the supported version is ${definition.version}. GetInventorySchema lists the versions of every type.`,
    )
  }
  const known = new Set(definition.attributes.map((a) => a.Name))
  const unknown = attributeNames.filter((name) => !known.has(name))
  if (unknown.length > 0) {
    throw new InvalidItemContentException(`The content of ${item.TypeName} has attributes that its schema does not define: ${unknown.join(', ')}.`, item.TypeName)
  }
}

function checkContext(item: InventoryItem): void {
  const keys = Object.keys(item.Context ?? {})
  const allowed = awsType(item.TypeName)?.contextKeys
  if (!allowed) {
    if (keys.length > 0) {
      throw new UnsupportedInventoryItemContextException(`Context is not supported for ${item.TypeName}; only AWS:ComplianceItem takes a Context.`, item.TypeName)
    }
    return
  }
  const permitted = new Set([...allowed.required, ...allowed.optional])
  const unknown = keys.filter((k) => !permitted.has(k))
  const missing = allowed.required.filter((k) => !keys.includes(k) || item.Context![k] === '')
  if (unknown.length > 0 || missing.length > 0) {
    const problems = [unknown.length > 0 ? `unknown keys ${unknown.join(', ')}` : '', missing.length > 0 ? `missing keys ${missing.join(', ')}` : '']
    throw new InvalidInventoryItemContextException(
      `The Context of ${item.TypeName} is not valid (${problems.filter(Boolean).join('; ')}); it takes ${[...permitted].join(', ')}.`,
    )
  }
}

/** Runs inside the store's transaction: decides type records and which items to write. */
function planPut(instanceId: string, items: CheckedItem[], ctx: PutContext, limits: InventoryLimits): PutPlan {
  if (ctx.instance?.status === TERMINATED) {
    throw new InvalidInstanceId(`Instance ${instanceId} is terminated; inventory of a terminated instance is kept but cannot be changed.`)
  }
  const plan: PutPlan = { types: [], items: [], subTypes: [], instance: { status: ctx.instance?.status ?? 'Active', details: ctx.instance?.details } }
  let customTypes: number | undefined
  for (const item of items) {
    const stored = ctx.types.get(item.typeName)
    const next = isCustomType(item.typeName) ? planCustomType(item, stored) : planAwsType(item.typeName, stored)
    if (next) {
      const creates = isCustomType(item.typeName) && (!stored || stored.state === 'deleted')
      if (creates && (customTypes = (customTypes ?? ctx.customTypeCount()) + 1) > limits.maxCustomTypes) {
        throw new CustomSchemaCountLimitExceededException(
          `Creating ${item.typeName} would exceed the limit of ${limits.maxCustomTypes} custom inventory types; delete a custom type (DeleteInventory with DeleteSchema) and try again.`,
        )
      }
      plan.types.push(next)
    }
    if (item.subTypes.length > 0) plan.subTypes.push(...planSubTypes(item, ctx.subTypes(item.typeName), limits))
    if (item.contentHash !== undefined && item.contentHash === ctx.storedHash(item.typeName)) continue
    plan.items.push({ ...item, instanceId })
    if (item.typeName === INSTANCE_INFORMATION) plan.instance = instanceFromInformation(item, plan.instance.status)
  }
  // Every instance that reported anything has AWS:InstanceInformation, so the type exists.
  const information = planAwsType(INSTANCE_INFORMATION, ctx.types.get(INSTANCE_INFORMATION))
  if (information && !plan.types.some((t) => t.typeName === INSTANCE_INFORMATION)) plan.types.push(information)
  return plan
}

/** The type record to write for a custom item, or undefined to keep the stored one. */
function planCustomType(item: CheckedItem, stored: TypeRecord | undefined): TypeRecord | undefined {
  const fresh = (hiddenUpToSeq: number): TypeRecord => {
    if (item.attributeNames.length === 0) {
      throw new InvalidItemContentException(`The first item of ${item.typeName} (version ${item.schemaVersion}) must have content: its attributes define the schema.`, item.typeName)
    }
    return { typeName: item.typeName, version: item.schemaVersion, attributes: stringAttributes(item.attributeNames), state: 'active', hiddenUpToSeq }
  }
  if (!stored || stored.state === 'deleted') return fresh(stored?.hiddenUpToSeq ?? 0)
  if (stored.state === 'disabled') {
    if (compareSchemaVersions(item.schemaVersion, stored.disabledVersion ?? stored.version) <= 0) {
      throw new UnsupportedInventorySchemaVersionException(
        `${item.typeName} was disabled at schema version ${stored.disabledVersion ?? stored.version}; put a higher SchemaVersion to enable it again.`,
      )
    }
    return { ...fresh(stored.hiddenUpToSeq), disabledVersion: stored.disabledVersion }
  }
  const order = compareSchemaVersions(item.schemaVersion, stored.version)
  if (order < 0) {
    throw new UnsupportedInventorySchemaVersionException(
      `Schema version ${item.schemaVersion} of ${item.typeName} is lower than its current version ${stored.version}; put version ${stored.version} or higher.`,
    )
  }
  if (order > 0) return { ...fresh(stored.hiddenUpToSeq), disabledVersion: stored.disabledVersion }
  const known = new Set(stored.attributes.map((a) => a.Name))
  const extra = item.attributeNames.filter((name) => !known.has(name))
  if (extra.length > 0) {
    throw new ItemContentMismatchException(
      `The content of ${item.typeName} has attributes that schema version ${stored.version} does not define: ${extra.join(', ')}. Put a higher SchemaVersion to change the attributes of a custom type.`,
      item.typeName,
    )
  }
  return undefined
}

function planAwsType(typeName: string, stored: TypeRecord | undefined): TypeRecord | undefined {
  if (stored && stored.state === 'active') return undefined
  const definition = awsType(typeName)!
  return { typeName, version: definition.version, attributes: definition.attributes, state: 'active', hiddenUpToSeq: stored?.hiddenUpToSeq ?? 0 }
}

function planSubTypes(item: CheckedItem, known: Set<string>, limits: InventoryLimits) {
  const added = item.subTypes.filter((s) => !known.has(s))
  if (known.size + added.length > limits.maxSubTypesPerType) {
    throw new SubTypeCountLimitExceededException(
      `${item.typeName} would have ${known.size + added.length} sub-types, above the limit of ${limits.maxSubTypesPerType}.`,
    )
  }
  return added.map((subType) => ({ typeName: item.typeName, subType }))
}

function instanceFromInformation(item: CheckedItem, status: string): PutPlan['instance'] {
  const details = { ...item.information }
  const reported = details.InstanceStatus
  delete details.InstanceStatus
  delete details.InstanceId
  return { status: reported || status, details }
}

function stringAttributes(names: string[]): InventoryAttribute[] {
  return names.map((Name) => ({ Name, DataType: 'string' }))
}
