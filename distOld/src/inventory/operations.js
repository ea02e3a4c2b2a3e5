/** The operations this service implements, by their AWS name. The protocol layer dispatches on it. */
import { InvalidOptionException } from '../protocol/errors.js';
import { deleteInventory } from './delete-inventory.js';
import { describeInventoryDeletions } from './describe-inventory-deletions.js';
import { getInventory } from './get-inventory.js';
import { getInventorySchema } from './get-inventory-schema.js';
import { listInventoryEntries } from './list-inventory-entries.js';
import { preparePutInventory, putInventory } from './put-inventory.js';
export const operations = {
    PutInventory: { handler: putInventory, prepare: preparePutInventory, writes: true },
    GetInventory: { handler: getInventory, writes: false },
    GetInventorySchema: { handler: getInventorySchema, writes: false },
    ListInventoryEntries: { handler: listInventoryEntries, writes: false },
    DeleteInventory: {
        handler: deleteInventory,
        writes: true,
        enumErrors: {
            'DeleteInventoryRequest.SchemaDeleteOption': (value) => new InvalidOptionException(`The SchemaDeleteOption '${value}' is not valid; use DisableSchema or DeleteSchema, or leave it out to delete only the data.`),
        },
    },
    DescribeInventoryDeletions: { handler: describeInventoryDeletions, writes: false },
};
//# sourceMappingURL=operations.js.map