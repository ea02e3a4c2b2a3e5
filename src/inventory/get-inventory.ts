/**
 * GetInventory: one entity per instance that has reported inventory, ordered by instance
 * id and paged (MaxResults 1-50), or, with Aggregators, one entity of counts.
 *
 * - Filters (AND) select instances: an instance matches a filter on `Type.Attribute` when
 *   an entry of its visible item of that type satisfies it (AWS:InstanceInformation reads
 *   the instance record). Unknown type → InvalidTypeNameException; a malformed key, an
 *   unknown attribute or a value list the operator cannot take → InvalidFilter.
 * - Each entity's Data holds AWS:InstanceInformation (built from the instance record) and
 *   every visible item of the instance. ResultAttributes narrows Data to the one type it
 *   names; like the real service it accepts only AWS:InstanceInformation and AWS:PatchSummary.
 * - The NextToken carries the last instance id of the page: paging stays stable while
 *   other instances are written, and every instance present throughout is returned once.
 */
import { InvalidFilter, InvalidNextToken, InvalidResultAttributeException, InvalidTypeNameException } from '../protocol/errors.js'
import { RawJson } from '../protocol/raw-json.js'
import type { InstanceQuery, PageInstance, StoredDocument } from '../store/store.js'
import { awsType, INSTANCE_INFORMATION } from './aws-types.js'
import type { Caller, Deps } from './deps.js'
import { aggregateInventory } from './inventory-aggregation.js'
import { instanceInformationJson } from './instance-information.js'
import { KeyResolver, resolveConditions } from './inventory-keys.js'
import { decodeNextToken, encodeNextToken, type TokenScope } from './next-token.js'
import { DEFAULT_PAGE_SIZE } from './paging.js'
import type { GetInventoryRequest, GetInventoryResult, InventoryResultEntity, InventoryResultItem } from './shapes.js'

/**
 * Patch Manager's summary per instance. This server keeps no patch data (PutInventory refuses
 * the type), so asked for it, each entity's Data is empty: what an instance with no patch
 * summary has.
 */
const PATCH_SUMMARY = 'AWS:PatchSummary'
/** What ResultAttributes accepts, in the order AWS's refusal lists them. */
const RESULT_TYPES = [INSTANCE_INFORMATION, PATCH_SUMMARY]

export async function getInventory(input: GetInventoryRequest, caller: Caller, deps: Deps): Promise<GetInventoryResult> {
  const { store } = deps
  const p = caller.partition
  const resolver = new KeyResolver(store, p)
  const resultType = checkResultAttributes(input.ResultAttributes)
  const query: InstanceQuery = {
    conditions: await resolveConditions(input.Filters ?? [], resolver, (error) =>
      error.problem === 'type' ? new InvalidTypeNameException(error.message) : new InvalidFilter(error.message)),
  }
  const scope: TokenScope = {
    secret: store.secret,
    operation: 'GetInventory',
    partition: p,
    query: [input.Filters ?? null, input.Aggregators ?? null, input.ResultAttributes ?? null],
  }
  const after = input.NextToken === undefined ? undefined : decodeNextToken<unknown>(scope, input.NextToken)
  if (after !== undefined && typeof after !== 'string') throw new InvalidNextToken('The specified token is not valid.')

  if (input.Aggregators) return { Entities: [await aggregateInventory(input.Aggregators, query, resolver, store, p)] }

  const page = await store.queryInventoryPage(p, query, after, input.MaxResults ?? DEFAULT_PAGE_SIZE, resultType, caller.pageContentChars)
  const byInstance = new Map<string, StoredDocument[]>()
  for (const item of page.documents) {
    const list = byInstance.get(item.instanceId)
    if (list) list.push(item)
    else byInstance.set(item.instanceId, [item])
  }
  const result: GetInventoryResult = {
    Entities: page.instances.map((instance) => (resultType === PATCH_SUMMARY ? { Id: instance.instanceId, Data: {} } : toEntity(instance, byInstance.get(instance.instanceId) ?? []))),
  }
  if (page.next !== undefined) result.NextToken = encodeNextToken(scope, page.next)
  return result
}

function checkResultAttributes(attributes: GetInventoryRequest['ResultAttributes']): string | undefined {
  const typeName = attributes?.[0]?.TypeName
  if (typeName !== undefined && !RESULT_TYPES.includes(typeName)) {
    throw new InvalidResultAttributeException(
      `Result type name ${typeName} is not supported. Supported type names are: ${RESULT_TYPES.join(', ')}. Default result type name is ${INSTANCE_INFORMATION}.`,
    )
  }
  return typeName
}

function toEntity(instance: PageInstance, items: StoredDocument[]): InventoryResultEntity {
  const data: Record<string, InventoryResultItem> = {}
  const information = items.find((i) => i.typeName === INSTANCE_INFORMATION)
  data[INSTANCE_INFORMATION] = {
    TypeName: INSTANCE_INFORMATION,
    SchemaVersion: awsType(INSTANCE_INFORMATION)!.version,
    CaptureTime: information?.captureTime ?? captureTimeOf(instance.lastSeen),
    ContentHash: information?.contentHash,
    Content: new RawJson(`[${instanceInformationJson(instance)}]`),
  }
  for (const item of items) {
    if (item.typeName === INSTANCE_INFORMATION) continue
    data[item.typeName] = {
      TypeName: item.typeName,
      SchemaVersion: item.schemaVersion,
      CaptureTime: item.captureTime,
      ContentHash: item.contentHash,
      // Spliced into the response as stored: no parse and re-serialisation per page.
      Content: new RawJson(item.contentJson),
    }
  }
  return { Id: instance.instanceId, Data: data }
}

/** The CaptureTime format of the model (seconds, UTC, `Z`). */
function captureTimeOf(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
