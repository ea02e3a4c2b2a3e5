/**
 * A cheap first test for GetInventory's conditions on an item's entries, both stores.
 *
 * An item's Content is stored as the text JSON.stringify wrote for it (put-inventory.ts):
 * each entry an object `{"Name":"nginx","Version":"1.24"}`, no spaces, every string escaped
 * the one way JSON.stringify escapes it. So an entry whose attribute holds a value puts the
 * pair's text in the document, and a document that lacks every such text cannot satisfy the
 * condition. Looking for a few characters in the text is much cheaper than parsing the
 * document into entries (json_each / json_array_elements), which the exact test then does
 * only for the documents that contain one of them. Measured on PostgreSQL over 10,000
 * instances (one matching in fifty): ~30-60 ms against ~7 ms for a first filtered page.
 *
 * The texts are a necessary condition, never a sufficient one: `"Version":"1.2` is also in
 * a document whose Version is 1.24, or where the pair is part of another value's text.
 */
import type { AttributeCondition } from './store.js'

/**
 * The texts one of which an item's stored Content must contain for `condition` to hold for
 * one of its entries; undefined when there is no such text (NotEqual, LessThan and
 * GreaterThan also hold for values that appear nowhere).
 */
export function contentNeedles(condition: AttributeCondition): string[] | undefined {
  const key = `${JSON.stringify(condition.attribute)}:`
  switch (condition.operator) {
    case 'Exists':
      return [key]
    case 'Equal':
      return condition.values.map((value) => key + JSON.stringify(value))
    case 'BeginWith':
      // The escaped prefix is a prefix of the escaped value: JSON.stringify escapes character by character.
      return condition.values.map((prefix) => key + JSON.stringify(prefix).slice(0, -1))
    default:
      return undefined
  }
}
