/**
 * The order LessThan and GreaterThan filters use, shared by the domain (in-memory
 * filtering) and the stores (SQL). Inventory values are strings; when both sides read as
 * numbers they compare as numbers ("9" < "10"), otherwise as strings by code unit.
 */
export const NUMERIC_VALUE = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/

export function compareInventoryValues(value: string, other: string): number {
  if (NUMERIC_VALUE.test(value) && NUMERIC_VALUE.test(other)) return Math.sign(Number(value) - Number(other))
  return value < other ? -1 : value > other ? 1 : 0
}
