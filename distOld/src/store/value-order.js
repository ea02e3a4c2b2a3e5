/**
 * The order LessThan and GreaterThan filters use, shared by the domain (in-memory
 * filtering) and the stores (SQL). Inventory values are strings; when both sides read as
 * numbers they compare as numbers ("9" < "10"), otherwise as strings by code point.
 *
 * A number here has at most 20 digits before and after the point and a two-digit exponent:
 * its magnitude stays within 1e-119..1e120, where every engine reads it as the same double
 * (JavaScript, PostgreSQL's float8; the PostgreSQL migrations repeat this pattern). Longer
 * forms ("1e400", 25-digit serials) compare as strings rather than overflow.
 */
export const NUMERIC_VALUE = /^-?\d{1,20}(\.\d{1,20})?([eE][-+]?\d{1,2})?$/;
export function compareInventoryValues(value, other) {
    if (NUMERIC_VALUE.test(value) && NUMERIC_VALUE.test(other))
        return Math.sign(Number(value) - Number(other));
    return compareCodePoints(value, other);
}
/**
 * Code-point order, as the stores' SQL (SQLite's BINARY, PostgreSQL's "C") orders text.
 * JavaScript's `<` compares UTF-16 units, which puts characters above U+FFFF (surrogate
 * pairs, D800-DFFF) before U+E000-U+FFFF; the first differing unit is remapped to fix that.
 */
function compareCodePoints(value, other) {
    const length = Math.min(value.length, other.length);
    for (let i = 0; i < length; i++) {
        const a = value.charCodeAt(i);
        const b = other.charCodeAt(i);
        if (a !== b)
            return Math.sign(codePointRank(a) - codePointRank(b));
    }
    return Math.sign(value.length - other.length);
}
function codePointRank(unit) {
    if (unit >= 0xd800 && unit <= 0xdfff)
        return unit + 0x2000;
    if (unit >= 0xe000)
        return unit - 0x800;
    return unit;
}
//# sourceMappingURL=value-order.js.map