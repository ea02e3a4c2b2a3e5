/**
 * DeleteInventory: starts the asynchronous deletion of a custom type's data, and with
 * SchemaDeleteOption of the type itself (DisableSchema hides it until a higher version
 * is put; DeleteSchema removes it). The data disappears from reads at once; the
 * deletion worker removes it in batches while DescribeInventoryDeletions reports progress.
 *
 * What is counted: one per item, i.e. per instance that has the type, grouped by the
 * item's SchemaVersion.
 *
 * ClientToken: the same token with the same TypeName and SchemaDeleteOption returns the
 * deletion it started; with other parameters it is InvalidDeleteInventoryParametersException.
 * DryRun reports the summary a deletion would start with and records nothing.
 */
import { randomUUID } from 'node:crypto';
import { InvalidDeleteInventoryParametersException, InvalidTypeNameException } from '../protocol/errors.js';
import { isCustomType } from './aws-types.js';
import { toSummary } from './deletion-summary.js';
import { digest } from './next-token.js';
export async function deleteInventory(input, caller, deps) {
    const { store } = deps;
    const p = caller.partition;
    if (!isCustomType(input.TypeName)) {
        throw new InvalidTypeNameException(`Only custom inventory types (Custom:...) can be deleted; ${input.TypeName} is not one.`);
    }
    if (input.DryRun) {
        requireDeletable(input.TypeName, await store.getType(p, input.TypeName));
        return { TypeName: input.TypeName, DeletionSummary: toSummary(await store.countItemsByVersion(p, input.TypeName)) };
    }
    const paramsDigest = digest([input.TypeName, input.SchemaDeleteOption ?? null]);
    const deletion = await store.startDeletion(p, { deletionId: randomUUID(), typeName: input.TypeName, option: input.SchemaDeleteOption, clientToken: input.ClientToken, paramsDigest, now: deps.clock.now().getTime() }, (ctx) => decide(input, paramsDigest, ctx));
    if (deletion.status === 'InProgress')
        deps.onDeletionStarted();
    return { DeletionId: deletion.deletionId, TypeName: deletion.typeName, DeletionSummary: toSummary(deletion.versions) };
}
function requireDeletable(typeName, type) {
    if (!type || type.state === 'deleted')
        throw new InvalidTypeNameException(`The inventory type ${typeName} does not exist in this account and region.`);
    return type;
}
/** Runs inside the store's transaction. */
function decide(input, paramsDigest, ctx) {
    if (ctx.sameToken) {
        if (ctx.sameToken.paramsDigest !== paramsDigest) {
            throw new InvalidDeleteInventoryParametersException(`ClientToken ${input.ClientToken} was already used for a deletion with other parameters (deletion ${ctx.sameToken.deletion.deletionId} of ${ctx.sameToken.deletion.typeName}); use a new token.`);
        }
        return { replay: ctx.sameToken.deletion };
    }
    const type = requireDeletable(input.TypeName, ctx.type);
    switch (input.SchemaDeleteOption) {
        case 'DeleteSchema':
            return { typeState: 'deleted' };
        case 'DisableSchema':
            return { typeState: 'disabled', disabledVersion: type.state === 'disabled' ? type.disabledVersion : type.version };
        default:
            return {};
    }
}
//# sourceMappingURL=delete-inventory.js.map