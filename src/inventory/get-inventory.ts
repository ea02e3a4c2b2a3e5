/** GetInventory: not implemented yet (see the GetInventory query engine issue). */
import { NotImplementedException } from '../protocol/errors.js'
import type { Caller, Deps } from './deps.js'

export async function getInventory(_input: unknown, _caller: Caller, _deps: Deps): Promise<object> {
  throw new NotImplementedException('GetInventory is not implemented yet by this server.')
}
