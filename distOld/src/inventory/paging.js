/** Defaults for MaxResults where the model gives only a range; see the README. */
export const DEFAULT_PAGE_SIZE = 50;
/** One page of an in-memory list ordered by `key`, resuming after the key in the cursor. */
export function pageAfter(all, key, after, limit) {
    const start = after === undefined ? 0 : all.findIndex((item) => key(item) > after);
    const rest = start < 0 ? [] : all.slice(start);
    const items = rest.slice(0, limit);
    return { items, next: rest.length > limit ? key(items[items.length - 1]) : undefined };
}
//# sourceMappingURL=paging.js.map