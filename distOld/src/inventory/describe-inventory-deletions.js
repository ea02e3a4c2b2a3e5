/**
 * DescribeInventoryDeletions: one deletion by id (InvalidDeletionIdException when it is not
 * in the caller's partition or was purged after the retention period), or all of them,
 * newest first, paged with MaxResults 1-50.
 */
import { InvalidDeletionIdException } from '../protocol/errors.js';
import { toStatusItem } from './deletion-summary.js';
import { decodeNextToken, encodeNextToken } from './next-token.js';
import { DEFAULT_PAGE_SIZE } from './paging.js';
export async function describeInventoryDeletions(input, caller, deps) {
    const { store } = deps;
    if (input.DeletionId !== undefined) {
        const deletion = await store.getDeletion(caller.partition, input.DeletionId);
        if (!deletion)
            throw new InvalidDeletionIdException(`The deletion ${input.DeletionId} does not exist in this account and region.`);
        return { InventoryDeletions: [toStatusItem(deletion)] };
    }
    const scope = { secret: store.secret, operation: 'DescribeInventoryDeletions', partition: caller.partition, query: null };
    const after = input.NextToken ? decodeNextToken(scope, input.NextToken) : undefined;
    const page = await store.listDeletions(caller.partition, after, input.MaxResults ?? DEFAULT_PAGE_SIZE);
    return {
        InventoryDeletions: page.items.map(toStatusItem),
        NextToken: page.next ? encodeNextToken(scope, page.next) : undefined,
    };
}
//# sourceMappingURL=describe-inventory-deletions.js.map