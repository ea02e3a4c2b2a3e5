/**
 * The storage contract. Operations in src/inventory and the deletion worker in
 * src/deletions talk only to this interface; store/sqlite (and later store/postgres)
 * implement it and pass one conformance suite (test/store-conformance.ts).
 *
 * Rules that must hold atomically with a write (schema versions, the custom type limit,
 * idempotency tokens) are decided by pure callbacks that the store calls inside its own
 * transaction with the rows it has read (and locked). The domain logic stays in
 * src/inventory; the store guarantees that nobody else changed those rows meanwhile.
 *
 * Visibility: every item carries the sequence number of the put that wrote it. A type
 * remembers `hiddenUpToSeq`; items of that type with seq <= hiddenUpToSeq were deleted
 * by a DeleteInventory and are invisible to every read while the worker removes them.
 */
/**
 * A call that failed because the database did not answer in time, its connection could not be
 * opened or broke (PostgreSQL), or its file could not be locked, read or written (SQLite: a full
 * disk, an I/O error): an outage, not a fault of this program. The caller gets InternalServerError
 * as for any failure; the log says what happened without a stack trace. A PostgreSQL write that
 * failed this way may or may not have been committed (a COMMIT can be lost on its way back).
 */
export class StoreUnavailableError extends Error {
    timedOut;
    name = 'StoreUnavailableError';
    constructor(message, 
    /** Whether the database did not answer in time, or its lock was not granted in time (rather than the connection or file failing). */
    timedOut, options) {
        super(message, options);
        this.timedOut = timedOut;
    }
}
/**
 * Why a store refuses to open data whose schema is newer than this build knows (a node of an
 * older version started after a newer one migrated the database): its queries could misread it.
 */
export function newerSchemaMessage(where, applied, known) {
    return `${where} was written by a newer ssm-inventory (schema version ${applied}; this version knows up to ${known}): run that version or a later one`;
}
//# sourceMappingURL=store.js.map