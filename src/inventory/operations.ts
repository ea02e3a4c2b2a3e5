/** The operations this service implements, by their AWS name. The protocol layer dispatches on it. */
import { InvalidOptionException } from '../protocol/errors.js'
import type { EnumErrorOverrides } from '../protocol/validate.js'
import { deleteInventory } from './delete-inventory.js'
import type { Caller, Deps, InventoryLimits } from './deps.js'
import { describeInventoryDeletions } from './describe-inventory-deletions.js'
import { getInventory } from './get-inventory.js'
import { getInventorySchema } from './get-inventory-schema.js'
import { listInventoryEntries } from './list-inventory-entries.js'
import { preparePutInventory, putInventory } from './put-inventory.js'

export interface Operation {
  // Inputs are validated against the model's input shape before the handler runs.
  handler(input: any, caller: Caller, deps: Deps): Promise<object>
  /**
   * Pure work on the validated input that needs nothing stored (checks, serialisation).
   * It may run on a decoding thread, so it gets only the limits and returns plain data;
   * the handler then receives its result instead of the input.
   */
  prepare?(input: any, limits: InventoryLimits): unknown
  /** Whether the operation changes data (read-only credentials may not call it). */
  writes: boolean
  /** Its answers may be large pages, whose content the server bounds by what it holds of others (Caller.pageContentChars). */
  largeAnswers?: boolean
  /** Errors the real service gives instead of ValidationException for an enum member. */
  enumErrors?: EnumErrorOverrides
}

export const operations: Record<string, Operation> = {
  PutInventory: { handler: putInventory, prepare: preparePutInventory, writes: true },
  GetInventory: { handler: getInventory, writes: false, largeAnswers: true },
  GetInventorySchema: { handler: getInventorySchema, writes: false },
  ListInventoryEntries: { handler: listInventoryEntries, writes: false },
  DeleteInventory: {
    handler: deleteInventory,
    writes: true,
    enumErrors: {
      'DeleteInventoryRequest.SchemaDeleteOption': (value) =>
        new InvalidOptionException(`The SchemaDeleteOption '${value}' is not valid; use DisableSchema or DeleteSchema, or leave it out to delete only the data.`),
    },
  },
  DescribeInventoryDeletions: { handler: describeInventoryDeletions, writes: false },
}
