/**
 * Evaluation of inventory filters (ListInventoryEntries; GetInventory uses the same rules).
 *
 * - Equal: the value is one of Values; NotEqual: it is none of them (an absent attribute
 *   is not equal to anything); BeginWith: it starts with one of them; Exists: the
 *   attribute is present (Values are ignored).
 * - LessThan / GreaterThan take exactly one value. They compare numerically when both
 *   sides are numbers (custom attributes are strings, and "9" < "10" is what users mean),
 *   otherwise as strings.
 */
import { InvalidFilter } from '../protocol/errors.js'

export type FilterOperator = 'Equal' | 'NotEqual' | 'BeginWith' | 'LessThan' | 'GreaterThan' | 'Exists'

export interface InventoryFilter {
  Key: string
  Values: string[]
  Type?: FilterOperator
}

export function checkFilterValues(filter: InventoryFilter): void {
  const operator = filter.Type ?? 'Equal'
  if ((operator === 'LessThan' || operator === 'GreaterThan') && filter.Values.length !== 1) {
    throw new InvalidFilter(`The filter on '${filter.Key}' with operator ${operator} needs exactly one value; got ${filter.Values.length}.`)
  }
}

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/

function compare(value: string, other: string): number {
  if (NUMBER.test(value) && NUMBER.test(other)) return Number(value) - Number(other)
  return value < other ? -1 : value > other ? 1 : 0
}

export function matchesFilter(value: string | undefined, filter: InventoryFilter): boolean {
  const operator = filter.Type ?? 'Equal'
  if (operator === 'Exists') return value !== undefined
  if (value === undefined) return operator === 'NotEqual'
  switch (operator) {
    case 'Equal':
      return filter.Values.includes(value)
    case 'NotEqual':
      return !filter.Values.includes(value)
    case 'BeginWith':
      return filter.Values.some((prefix) => value.startsWith(prefix))
    case 'LessThan':
      return compare(value, filter.Values[0]) < 0
    case 'GreaterThan':
      return compare(value, filter.Values[0]) > 0
  }
}
