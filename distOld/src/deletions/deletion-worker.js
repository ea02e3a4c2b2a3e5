/**
 * The background loop that carries out deletions.
 *
 * A job is claimed with a lease (owner + expiry) so that several nodes on one database
 * never work the same job at once, and so that a job whose node died is taken over once
 * its lease expires. Each batch deletes a bounded number of items in one transaction
 * together with the job's counts and a renewed lease: a crash between batches loses
 * nothing and counts nothing twice. Between batches the loop yields to the event loop,
 * so API requests are served while a large deletion runs.
 */
import { randomUUID } from 'node:crypto';
/**
 * The next batch's size after a batch of `size` items deleted `deleted` of them in
 * `elapsedMs`: scaled towards the target, by at most a factor of two either way. A batch
 * that found fewer items than it asked for says nothing about larger ones: no growth then.
 */
export function nextBatchSize(size, deleted, elapsedMs, policy) {
    const wanted = size * (policy.targetMs / Math.max(elapsedMs, 0.001));
    let next = Math.min(Math.max(wanted, size / 2), size * 2);
    if (deleted < size)
        next = Math.min(next, size);
    return Math.round(Math.min(Math.max(next, policy.minSize), policy.maxSize));
}
export class DeletionWorker {
    store;
    clock;
    options;
    log;
    onProgress;
    owner = `node-${randomUUID()}`;
    stopping = false;
    running;
    wake;
    lastPurge = 0;
    constructor(store, clock, options, log, onProgress = () => { }) {
        this.store = store;
        this.clock = clock;
        this.options = options;
        this.log = log;
        this.onProgress = onProgress;
    }
    start() {
        if (this.running)
            return;
        this.stopping = false;
        this.running = this.keepLooping();
    }
    /** The loop, started again after a poll interval if a fault of the program ends it. */
    async keepLooping() {
        while (!this.stopping) {
            try {
                await this.loop();
            }
            catch (error) {
                this.log.error('deletion worker failed on an unexpected error; it starts again after a poll interval', { error: String(error?.stack ?? error) });
                await this.idle();
            }
        }
    }
    /** A deletion was started: look for work now rather than at the next poll. */
    notify() {
        this.wake?.();
    }
    /** Finishes the batch in hand, gives up the lease, and returns. */
    async stop() {
        this.stopping = true;
        this.wake?.();
        await this.running;
        this.running = undefined;
    }
    now() {
        return this.clock.now().getTime();
    }
    async loop() {
        while (!this.stopping) {
            await this.purgeExpired();
            let deletionId;
            try {
                deletionId = await this.store.claimDeletion(this.owner, this.now(), this.options.leaseMs);
            }
            catch (error) {
                this.log.warn('could not claim a deletion; retrying', { error: String(error) });
            }
            if (!deletionId) {
                await this.idle();
                continue;
            }
            try {
                await this.work(deletionId);
            }
            catch (error) {
                // The batch's transaction rolled back; the lease expires and the job is retried.
                this.log.error('deletion batch failed; will retry', { deletionId, error: String(error) });
                await pause(this.options.pollMs);
            }
        }
    }
    async work(deletionId) {
        this.log.info('working deletion', { deletionId, owner: this.owner });
        const { adaptive } = this.options;
        let size = this.options.batchSize;
        while (!this.stopping) {
            const started = performance.now();
            const result = await this.store.runDeletionBatch(deletionId, this.owner, size, this.now(), this.options.leaseMs);
            if (!result.leaseHeld) {
                this.log.warn('lost the lease of a deletion; another node has it', { deletionId });
                // Its holder works it now: look again only after a poll interval, never in a tight loop.
                await this.idle();
                return;
            }
            const elapsedMs = performance.now() - started;
            this.onProgress({ deletionId, batchSize: size, seconds: elapsedMs / 1000, ...result });
            if (adaptive)
                size = nextBatchSize(size, result.itemsDeleted, elapsedMs, adaptive);
            if (result.complete) {
                this.log.info('deletion complete', { deletionId });
                return;
            }
            await pause(this.options.pauseMs);
        }
        await this.store.releaseDeletion(deletionId, this.owner);
    }
    idle() {
        return new Promise((resolve) => {
            const timer = setTimeout(done, this.options.pollMs);
            function done() {
                clearTimeout(timer);
                resolve();
            }
            this.wake = () => {
                this.wake = undefined;
                done();
            };
        });
    }
    /**
     * Forgets Complete deletions past their retention, at most once a minute. A failure (the
     * database unavailable, its lock held elsewhere) is tried again at the next turn of the
     * loop: it must not stop the worker, which before it did, for the life of the process.
     */
    async purgeExpired() {
        const now = this.now();
        if (now - this.lastPurge < Math.min(60_000, this.options.retentionMs / 2))
            return;
        const previous = this.lastPurge;
        this.lastPurge = now;
        try {
            const purged = await this.store.purgeDeletions(now - this.options.retentionMs);
            if (purged > 0)
                this.log.info('forgot deletions past their retention', { purged });
        }
        catch (error) {
            this.lastPurge = previous;
            this.log.warn('could not forget deletions past their retention; will retry', { error: String(error) });
        }
    }
}
function pause(ms) {
    return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}
//# sourceMappingURL=deletion-worker.js.map