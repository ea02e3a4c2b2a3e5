/**
 * SQL both stores share. An item is visible when its type is active and the item was written
 * after the type's last deletion (`hidden_seq`): the one rule that makes deleted data vanish at
 * once while the worker removes it.
 */
/** `JOIN types <type> ON ...` keeping only the visible rows of the items aliased `item`. */
export function visibleItemJoin(item, type) {
    return `JOIN types ${type} ON ${type}.account = ${item}.account AND ${type}.region = ${item}.region AND ${type}.type_name = ${item}.type_name
    AND ${type}.state = 'active' AND ${item}.seq > ${type}.hidden_seq`;
}
//# sourceMappingURL=visible-item-sql.js.map