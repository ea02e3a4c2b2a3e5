/**
 * The order LessThan and GreaterThan filters use, shared by the domain (in-memory
 * filtering) and the stores (SQL). Inventory values are strings; when both sides read as
 * numbers they compare as numbers ("9" < "10"), otherwise as strings by code unit.
 *
 * A number here has at most 20 digits before and after the point and a two-digit exponent:
 * its magnitude stays within 1e-119..1e120, where every engine reads it as the same double
 * (JavaScript, PostgreSQL's float8; the PostgreSQL migrations repeat this pattern). Longer
 * forms ("1e400", 25-digit serials) compare as strings rather than overflow.
 */
export const NUMERIC_VALUE = /^-?\d{1,20}(\.\d{1,20})?([eE][-+]?\d{1,2})?$/

export function compareInventoryValues(value: string, other: string): number {
  if (NUMERIC_VALUE.test(value) && NUMERIC_VALUE.test(other)) return Math.sign(Number(value) - Number(other))
  return value < other ? -1 : value > other ? 1 : 0
}
