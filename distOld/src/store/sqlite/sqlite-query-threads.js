/**
 * GetInventory's fleet-wide queries off the event loop. better-sqlite3 runs a query on the
 * calling thread until it ends, and an aggregation or a filter that scans every instance's
 * items takes as long as the fleet is large (~250 ms at 10,000 instances x 5 types x 20
 * entries here): on the main thread, every call of the server, puts included, waited for it.
 * These worker threads each open their own connection to the database file and run those
 * queries there. In WAL mode a reader never waits for the writer, and a read transaction
 * begun after a COMMIT sees it, so a report sees every put answered before it was asked.
 *
 * Threads start with the first query and are replaced when one fails. Reports in flight are
 * counted in `state`, shared with the checkpointer, which may ask for new ones to be held
 * for a moment so that the WAL can start over (sqlite-checkpointer.ts).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { READS_HELD, READS_IN_FLIGHT, sharedWalState } from './sqlite-checkpointer.js';
import { registerInventoryFunctions, SqliteInventoryQueries } from './sqlite-inventory-query.js';
const ROLE = 'ssm-inventory-sqlite-query-thread';
/** How long queries may stay held if the checkpointer never says they may go (it failed, say). */
const MAX_HELD_MS = 3000;
export class SqliteQueryThreads {
    path;
    size;
    state;
    threads = [];
    nextId = 1;
    closed = false;
    /** Queries waiting while the checkpointer holds new reports (READS_HELD). */
    held = [];
    heldTimer;
    constructor(path, size, state = sharedWalState()) {
        this.path = path;
        this.size = size;
        this.state = state;
        if (size < 1)
            throw new Error('SqliteQueryThreads needs at least one thread');
    }
    /** Runs a query on the least busy thread; SQLite's errors come back as SqliteError, with their codes. */
    run(call, ...args) {
        if (this.closed)
            return Promise.reject(new Error('the store is closed'));
        // Counted first, then the hold looked at (the checkpointer holds first, then counts).
        Atomics.add(this.state, READS_IN_FLIGHT, 1);
        if (Atomics.load(this.state, READS_HELD) === 1) {
            Atomics.sub(this.state, READS_IN_FLIGHT, 1);
            return new Promise((resolve) => {
                this.held.push(() => resolve(this.run(call, ...args)));
                this.heldTimer ??= setTimeout(() => {
                    Atomics.store(this.state, READS_HELD, 0);
                    this.releaseHeld();
                }, MAX_HELD_MS);
            });
        }
        const done = () => Atomics.sub(this.state, READS_IN_FLIGHT, 1);
        let thread;
        try {
            thread = this.leastBusy();
        }
        catch (error) {
            done();
            return Promise.reject(error);
        }
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            thread.pending.set(id, {
                resolve: (value) => (done(), resolve(value)),
                reject: (error) => (done(), reject(error)),
            });
            thread.worker.postMessage({ id, call, args });
        });
    }
    /** The checkpointer no longer holds new reports: the held ones go. */
    releaseHeld() {
        clearTimeout(this.heldTimer);
        this.heldTimer = undefined;
        const held = this.held;
        this.held = [];
        for (const go of held)
            go();
    }
    leastBusy() {
        let best;
        for (const thread of this.threads)
            if (!best || thread.pending.size < best.pending.size)
                best = thread;
        if (best && (best.pending.size === 0 || this.threads.length >= this.size))
            return best;
        return this.start();
    }
    start() {
        const worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, path: this.path } });
        // Idle threads must not keep the process alive; a pending query holds its caller's promise, not the thread.
        worker.unref();
        const thread = { worker, pending: new Map() };
        this.threads.push(thread);
        let failure;
        worker.on('message', (reply) => {
            const pending = thread.pending.get(reply.id);
            if (!pending)
                return;
            thread.pending.delete(reply.id);
            if ('result' in reply)
                pending.resolve(reply.result);
            else
                pending.reject(errorOf(reply.error));
        });
        worker.on('error', (error) => (failure = error));
        worker.once('exit', (code) => {
            const index = this.threads.indexOf(thread);
            if (index >= 0)
                this.threads.splice(index, 1);
            const error = new Error(`a SQLite query thread stopped (exit code ${code})${failure ? `: ${failure.message}` : ''}`, { cause: failure });
            for (const pending of thread.pending.values())
                pending.reject(error);
            thread.pending.clear();
        });
        return thread;
    }
    /** Stops the threads; queries still running fail. */
    async close() {
        this.closed = true;
        this.releaseHeld(); // they fail: the store is closed
        await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
    }
}
function errorOf(reported) {
    const error = reported.sqliteCode === undefined ? new Error(reported.message) : new Database.SqliteError(reported.message, reported.sqliteCode);
    if (reported.stack)
        error.stack = reported.stack;
    return error;
}
function runQueryThread(data) {
    const db = new Database(data.path, { fileMustExist: true });
    // This thread may block while it waits (a WAL reader rarely does): nothing else runs on it.
    db.pragma('busy_timeout = 5000');
    db.pragma('query_only = ON');
    registerInventoryFunctions(db);
    const queries = new SqliteInventoryQueries(db);
    parentPort.on('message', ({ id, call, args }) => {
        let reply;
        try {
            reply = { id, result: queries[call].apply(queries, args) };
        }
        catch (error) {
            const { message, stack } = error;
            reply = { id, error: { message: String(message), stack, sqliteCode: error instanceof Database.SqliteError ? error.code : undefined } };
        }
        parentPort.postMessage(reply);
    });
}
if (!isMainThread && workerData?.role === ROLE)
    runQueryThread(workerData);
//# sourceMappingURL=sqlite-query-threads.js.map