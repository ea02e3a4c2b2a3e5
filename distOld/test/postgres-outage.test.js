/**
 * A server on PostgreSQL whose database lets it down:
 * - the database ends its connections (a restart, a failover, an administrator's
 *   pg_terminate_backend): the process stays up, a call caught by the break gets a 500
 *   InternalServerError (which the SDKs retry), nothing acknowledged is lost, and a deletion
 *   running meanwhile still finishes with exact counts;
 * - the database stops answering without closing anything (a network partition, played here
 *   by a TCP relay that stops passing bytes): calls fail within the configured timeouts
 *   instead of hanging, and succeed again once the database answers;
 * - the database's host vanishes (not even a close gets through) and the server is told to
 *   stop: shutdown ends within its limits, and a second signal ends it at once;
 * - the database refuses more connections than it allows the node's role (max_connections or
 *   a CONNECTION LIMIT below the pool's size): calls wait for the connections the node has;
 * - the node's only connection is held: GET /ready trusts an answer of the last second, then
 *   asks the database itself and gives up after 2 s; once a call has gone unanswered, no
 *   earlier answer counts.
 */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { instanceId, rawCall } from './support/clients.js';
import { sample } from './support/metrics.js';
import { dropSchema, freshSchemaName, schemaUrl, TEST_DATABASE_URL, withPostgres } from './support/postgres.js';
import { removeDir, startServerProcess } from './support/server-process.js';
const CAPTURE = '2026-11-01T10:00:00Z';
const call = (url, operation, body) => rawCall(url, `AmazonSSM.${operation}`, body);
const putBody = (n, typeName) => ({
    InstanceId: instanceId(n),
    Items: [{ TypeName: typeName, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Name: `item-${n}` }, { Name: 'second' }] }],
});
/** An answer a break in the database connection may give: success, or AWS's internal error. */
function assertSucceededOrInternal(answer, what) {
    if (answer.status === 200)
        return;
    assert.equal(answer.status, 500, `${what}: ${JSON.stringify(answer)}`);
    assert.equal(answer.json.__type, 'InternalServerError', `${what}: ${JSON.stringify(answer)}`);
}
describe('PostgreSQL ending the server’s connections', () => {
    const schema = freshSchemaName();
    let server;
    let admin;
    let exited = false;
    before(async () => {
        server = await startServerProcess({ args: ['--database-url', schemaUrl(schema), '--deletion-batch-size', '25', '--deletion-pause-ms', '5', '--deletion-poll-ms', '100'] });
        server.child.once('exit', () => (exited = true));
        admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await admin.connect();
    });
    after(async () => {
        await admin.end();
        if (!exited)
            await server.stop();
        removeDir(server.dataDir);
        await dropSchema(schema);
    });
    /** Ends every connection of this server (they carry its pid in application_name); how many. */
    const endConnections = async () => Number((await admin.query(`SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1`, [`ssm-inventory/${server.child.pid}`])).rows[0].n);
    it('stays up under load, answers each call with success or InternalServerError, and loses nothing acknowledged', async () => {
        const acknowledged = new Set();
        let ended = 0;
        let stop = false;
        const breaker = (async () => {
            while (!stop) {
                await new Promise((resolve) => setTimeout(resolve, 40));
                ended += await endConnections();
            }
        })();
        try {
            await Promise.all(Array.from({ length: 8 }, async (_, client) => {
                for (let i = 0; i < 60; i++) {
                    const n = client * 1000 + i;
                    const answer = await call(server.url, 'PutInventory', putBody(n, 'Custom:Outage'));
                    assertSucceededOrInternal(answer, `put ${n}`);
                    if (answer.status === 200)
                        acknowledged.add(n);
                    if (i % 10 === 0)
                        assertSucceededOrInternal(await call(server.url, 'GetInventorySchema', { TypeName: 'Custom:Outage' }), 'schema read');
                }
            }));
        }
        finally {
            stop = true;
            await breaker;
        }
        assert.ok(ended >= 3, `the test ended only ${ended} connections`);
        assert.equal(exited, false, `the server exited:\n${server.output()}`);
        assert.ok(acknowledged.size > 0);
        // Once the database is left alone every call succeeds again, on fresh connections.
        for (let n = 9000; n < 9020; n++)
            assert.equal((await call(server.url, 'PutInventory', putBody(n, 'Custom:Outage'))).status, 200);
        for (const n of acknowledged) {
            const entries = await call(server.url, 'ListInventoryEntries', { InstanceId: instanceId(n), TypeName: 'Custom:Outage' });
            assert.equal(entries.status, 200);
            assert.deepEqual(entries.json.Entries, [{ Name: `item-${n}` }, { Name: 'second' }], `acknowledged put ${n}`);
        }
        assert.match(server.output(), /a PostgreSQL connection broke/);
        assert.doesNotMatch(server.output(), /unexpected error/);
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        const broken = sample(metrics, 'ssm_inventory_database_connections_broken_total') ?? Number.NaN;
        assert.ok(broken >= 1, `broken connections counted: ${broken}`);
    });
    it('finishes a deletion whose batches lose their connections, with exact counts', async () => {
        const items = 1500;
        for (let start = 0; start < items; start += 50) {
            await Promise.all(Array.from({ length: 50 }, async (_, k) => {
                const answer = await call(server.url, 'PutInventory', putBody(20_000 + start + k, 'Custom:OutageDelete'));
                assert.equal(answer.status, 200, JSON.stringify(answer));
            }));
        }
        const started = await call(server.url, 'DeleteInventory', { TypeName: 'Custom:OutageDelete' });
        assert.equal(started.status, 200, JSON.stringify(started));
        const deletionId = started.json.DeletionId;
        let breaks = 0;
        let last;
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
            if (breaks < 5)
                breaks += (await endConnections()) > 0 ? 1 : 0;
            const answer = await call(server.url, 'DescribeInventoryDeletions', { DeletionId: deletionId });
            assertSucceededOrInternal(answer, 'describe');
            if (answer.status === 200) {
                last = answer.json.InventoryDeletions[0];
                if (last.LastStatus === 'Complete')
                    break;
            }
            await new Promise((resolve) => setTimeout(resolve, 30));
        }
        assert.equal(exited, false, `the server exited:\n${server.output()}`);
        assert.ok(breaks >= 3, `the test broke the connections only ${breaks} times`);
        assert.equal(last?.LastStatus, 'Complete', JSON.stringify(last));
        assert.deepEqual(last.DeletionSummary, { TotalCount: items, RemainingCount: 0, SummaryItems: [{ Version: '1.0', Count: items, RemainingCount: 0 }] });
        const left = await call(server.url, 'GetInventory', { Filters: [{ Key: 'Custom:OutageDelete.Name', Values: ['item-'], Type: 'BeginWith' }] });
        assert.equal(left.status, 200);
        assert.deepEqual(left.json.Entities, []);
    });
});
/** A TCP relay to PostgreSQL that can stop passing bytes while keeping every connection open. */
class FreezableRelay {
    target;
    /** Bytes stop; a connection either side closes is still closed on the other. */
    frozen = false;
    /** Nothing passes, not even a close: the database's host has vanished from the network. */
    partitioned = false;
    sockets = new Set();
    server;
    constructor(target) {
        this.target = target;
        // Half-open allowed on both legs, so that a FIN is passed on (or, partitioned, swallowed) rather than answered here.
        this.server = createServer({ allowHalfOpen: true }, (client) => {
            const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true });
            for (const [from, to] of [[client, upstream], [upstream, client]]) {
                this.sockets.add(from);
                from.on('data', (chunk) => {
                    if (!this.frozen && !this.partitioned)
                        to.write(chunk);
                });
                from.on('end', () => {
                    if (!this.partitioned)
                        to.end();
                });
                from.on('close', () => {
                    this.sockets.delete(from);
                    if (!this.partitioned)
                        to.destroy();
                });
                from.on('error', () => { });
            }
        });
    }
    listen() {
        return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(this.server.address().port)));
    }
    /** A database URL for the schema that goes through this relay. */
    url(schema) {
        const url = new URL(schemaUrl(schema));
        url.host = `127.0.0.1:${this.server.address().port}`;
        return url.toString();
    }
    close() {
        for (const socket of this.sockets)
            socket.destroy();
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}
describe('a database at its connection limit', () => {
    // A role of its own, limited to 3 connections, owning a database of its own (superusers are
    // exempt from connection limits): both are dropped afterwards.
    const name = freshSchemaName();
    let admin;
    let server;
    before(async () => {
        admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await admin.connect();
        await admin.query(`CREATE ROLE ${name} LOGIN CONNECTION LIMIT 3`);
        await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
    });
    after(async () => {
        if (server) {
            await server.stop();
            removeDir(server.dataDir);
        }
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.query(`DROP ROLE IF EXISTS ${name}`);
        await admin.end();
    });
    it('makes calls wait for the node\'s connections instead of failing when the database refuses more', async () => {
        const url = new URL(TEST_DATABASE_URL);
        url.username = name;
        url.pathname = `/${name}`;
        server = await startServerProcess({ args: ['--database-url', url.toString(), '--database-pool-size', '10'] });
        // More calls at once than 3 connections serve: puts (grouped, and type-creating), reads, deletions listed.
        const answers = await Promise.all(Array.from({ length: 80 }, (_, n) => {
            if (n % 4 === 0)
                return call(server.url, 'PutInventory', putBody(n, `Custom:Limited${n % 8}`));
            if (n % 4 === 1)
                return call(server.url, 'GetInventory', {});
            if (n % 4 === 2)
                return call(server.url, 'GetInventorySchema', {});
            return call(server.url, 'DescribeInventoryDeletions', {});
        }));
        assert.deepEqual(answers.filter((a) => a.status !== 200), []);
        const connections = Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1`, [name])).rows[0].n);
        assert.ok(connections <= 3, `${connections} connections`);
        const warnings = server.output().split('\n').filter((line) => line.includes('PostgreSQL refused another connection'));
        assert.equal(warnings.length, 1, server.output());
        assert.doesNotMatch(server.output(), /unexpected error/);
    });
});
/** A server on a schema of its own, started before a suite's tests and stopped (the schema dropped) after them. */
function serverOnSchema(args = []) {
    const schema = freshSchemaName();
    let server;
    before(async () => {
        server = await startServerProcess({ args: ['--database-url', schemaUrl(schema), ...args] });
    });
    after(async () => {
        await server?.stop();
        if (server)
            removeDir(server.dataDir);
        await dropSchema(schema);
    });
    return {
        schema,
        get server() {
            return server;
        },
    };
}
/** Another session holding an instance's stored item row, as a deletion batch does while it runs (ROLLBACK and end it). */
async function holdItemRow(schema, n) {
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM ${schema}.items WHERE instance_id = $1 FOR UPDATE`, [instanceId(n)]);
    return holder;
}
/** Until one of the server's connections waits for a row lock in the database. */
async function untilWaitingForRow(holder, server) {
    for (let waited = 0;; waited += 20) {
        const waiting = await holder.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [`ssm-inventory/${server.child.pid}`]);
        if (waiting.rowCount)
            return;
        assert.ok(waited < 10_000, 'the held put never reached the row lock');
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
describe('a put stuck on a row lock', () => {
    const suite = serverOnSchema();
    it('does not hold up the puts that come after it', async () => {
        // Both types exist first: a put that creates a type waits for the partition's exclusive
        // lock, hence for every put in flight there, the held one included.
        assert.equal((await call(suite.server.url, 'PutInventory', putBody(1, 'Custom:Held'))).status, 200);
        assert.equal((await call(suite.server.url, 'PutInventory', putBody(2, 'Custom:Elsewhere'))).status, 200);
        const holder = await holdItemRow(suite.schema, 1);
        try {
            let heldAnswered = false;
            const held = call(suite.server.url, 'PutInventory', putBody(1, 'Custom:Held')).then((answer) => ((heldAnswered = true), answer));
            held.catch(() => { }); // awaited below; a failure before that must not be reported twice
            // Only once the held put waits for the row (a put that arrived with it would share its group and its wait).
            await untilWaitingForRow(holder, suite.server);
            const started = performance.now();
            const put = (body) => rawCall(suite.server.url, 'AmazonSSM.PutInventory', body, {}, 10_000);
            const others = await Promise.all([
                ...Array.from({ length: 6 }, (_, k) => put(putBody(10 + k, 'Custom:Held'))),
                put(putBody(20, 'Custom:Elsewhere')),
            ]);
            const ms = performance.now() - started;
            assert.deepEqual(others.map((answer) => answer.status), Array(7).fill(200));
            assert.equal(heldAnswered, false, 'the held put waits for the row');
            assert.ok(ms < 3000, `the other puts took ${Math.round(ms)} ms`);
            await holder.query('ROLLBACK');
            assert.equal((await held).status, 200);
        }
        finally {
            await holder.query('ROLLBACK').catch(() => { });
            await holder.end();
        }
    });
});
describe('readiness while a node\'s only connection is held', () => {
    const suite = serverOnSchema(['--database-pool-size', '1']);
    it('takes an answer of the last second as the database answering, then asks it, and gives up after 2 s', async () => {
        assert.equal((await call(suite.server.url, 'PutInventory', putBody(1, 'Custom:Held'))).status, 200);
        const holder = await holdItemRow(suite.schema, 1);
        try {
            // An answer, then the node's one connection waits for the held row (as it would behind a queue of calls under load).
            assert.equal((await call(suite.server.url, 'GetInventorySchema', {})).status, 200);
            const answeredAt = performance.now();
            const held = call(suite.server.url, 'PutInventory', putBody(1, 'Custom:Held'));
            held.catch(() => { }); // awaited below
            await untilWaitingForRow(holder, suite.server);
            const ready = async () => {
                const started = performance.now();
                const answer = await fetch(`${suite.server.url}/ready`, { signal: AbortSignal.timeout(10_000) });
                return { status: answer.status, body: (await answer.json()), ms: performance.now() - started };
            };
            // Within a second of that answer: ready at once, without queueing for the connection.
            assert.ok(performance.now() - answeredAt < 800, 'the held put took most of a second to reach the lock: nothing left to check');
            const soon = await ready();
            assert.deepEqual([soon.status, soon.body.status], [200, 'ready']);
            assert.ok(soon.ms < 500, `${soon.ms} ms`);
            // A second later with no answer since: /ready asks the database, waits 2 s for the connection, and says so.
            await new Promise((resolve) => setTimeout(resolve, 1000 - (performance.now() - answeredAt) + 100));
            const later = await ready();
            assert.deepEqual([later.status, later.body.status], [503, 'unavailable']);
            assert.match(later.body.error, /did not answer within 2000 ms/);
            assert.ok(later.ms >= 1900 && later.ms < 4000, `${later.ms} ms`);
            await holder.query('ROLLBACK');
            assert.equal((await held).status, 200);
        }
        finally {
            await holder.end();
        }
        assert.equal((await fetch(`${suite.server.url}/ready`)).status, 200);
    });
});
describe('PostgreSQL that stops answering', () => {
    const schema = freshSchemaName();
    const database = new URL(TEST_DATABASE_URL);
    const relay = new FreezableRelay({ host: database.hostname, port: Number(database.port || 5432) });
    let server;
    let exited = false;
    before(async () => {
        await relay.listen();
        server = await startServerProcess({ args: ['--database-url', relay.url(schema), '--database-connect-timeout-ms', '500', '--database-query-timeout-ms', '800', '--deletion-poll-ms', '200'] });
        server.child.once('exit', () => (exited = true));
    });
    after(async () => {
        relay.frozen = false;
        if (!exited)
            await server.stop();
        await relay.close();
        removeDir(server.dataDir);
        await dropSchema(schema);
    });
    /** The call's answer and how long it took; a call that hangs fails the test after 10 s. */
    const timed = async (operation, body) => {
        const started = performance.now();
        const answer = await rawCall(server.url, `AmazonSSM.${operation}`, body, {}, 10_000);
        return { ...answer, ms: performance.now() - started };
    };
    it('fails each call within the timeouts while frozen, and recovers when the database answers again', async () => {
        for (let n = 0; n < 10; n++)
            assert.equal((await timed('PutInventory', putBody(n, 'Custom:Frozen'))).status, 200);
        relay.frozen = true;
        const calls = [
            ['PutInventory', putBody(100, 'Custom:Frozen')],
            ['GetInventorySchema', {}],
            ['GetInventory', {}],
            ['ListInventoryEntries', { InstanceId: instanceId(1), TypeName: 'Custom:Frozen' }],
            ['DescribeInventoryDeletions', {}],
            ['DeleteInventory', { TypeName: 'Custom:Frozen', DryRun: true }],
            // Twelve puts at once: more than the pool's ten connections, so some wait for a free one.
            ...Array.from({ length: 12 }, (_, k) => ['PutInventory', putBody(200 + k, 'Custom:Frozen')]),
        ];
        const answers = await Promise.all(calls.map(([operation, body]) => timed(operation, body)));
        // A load balancer sees that this node cannot serve; the process itself is alive.
        const readyStarted = performance.now();
        const ready = await fetch(`${server.url}/ready`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(ready.status, 503);
        const readiness = (await ready.json());
        assert.deepEqual([readiness.status, readiness.store], ['unavailable', 'postgres']);
        assert.match(readiness.error, /timeout|did not answer/);
        assert.ok(performance.now() - readyStarted < 4000);
        assert.equal((await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2000) })).status, 200);
        for (const [k, answer] of answers.entries()) {
            assert.equal(answer.status, 500, `${calls[k][0]}: ${JSON.stringify(answer)}`);
            assert.equal(answer.json.__type, 'InternalServerError');
            assert.ok(answer.ms < 6000, `${calls[k][0]} took ${Math.round(answer.ms)} ms`);
        }
        // The log says what happened, once per call, without a stack trace: an outage is not a fault of the program.
        const unavailable = server.output().split('\n').filter((line) => line.includes('database unavailable'));
        assert.equal(unavailable.length, calls.length, server.output());
        for (const line of unavailable)
            assert.match(line, /PostgreSQL did not answer in time: (timeout exceeded when trying to connect|Connection terminated due to connection timeout|Query read timeout)"/);
        assert.doesNotMatch(server.output(), /unexpected error|    at /);
        relay.frozen = false;
        let recovered;
        for (let attempt = 0; attempt < 50 && recovered?.status !== 200; attempt++) {
            recovered = await timed('PutInventory', putBody(300, 'Custom:Frozen'));
            if (recovered.status !== 200)
                await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.equal(recovered?.status, 200, JSON.stringify(recovered));
        assert.equal((await fetch(`${server.url}/ready`)).status, 200);
        const entries = await timed('ListInventoryEntries', { InstanceId: instanceId(5), TypeName: 'Custom:Frozen' });
        assert.deepEqual(entries.json.Entries, [{ Name: 'item-5' }, { Name: 'second' }]);
        assert.equal(exited, false);
    });
    it('fails a put that waits too long for a lock, and writes it once the lock is free', async () => {
        // Another session holds the partition's lock exclusively (as a long DeleteInventory start would).
        await withPostgres(async (holder) => {
            try {
                await holder.query('BEGIN');
                await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended('000000000000/us-east-1', 0))`);
                const waited = await timed('PutInventory', putBody(400, 'Custom:Frozen'));
                assert.equal(waited.status, 500, JSON.stringify(waited));
                assert.equal(waited.json.__type, 'InternalServerError');
                assert.ok(waited.ms < 6000, `the put took ${Math.round(waited.ms)} ms`);
            }
            finally {
                await holder.query('ROLLBACK');
            }
        });
        assert.equal((await timed('PutInventory', putBody(400, 'Custom:Frozen'))).status, 200);
        const entries = await timed('ListInventoryEntries', { InstanceId: instanceId(400), TypeName: 'Custom:Frozen' });
        assert.deepEqual(entries.json.Entries, [{ Name: 'item-400' }, { Name: 'second' }]);
    });
});
describe('readiness just after the database stops answering', () => {
    const schema = freshSchemaName();
    const database = new URL(TEST_DATABASE_URL);
    const relay = new FreezableRelay({ host: database.hostname, port: Number(database.port || 5432) });
    let server;
    before(async () => {
        await relay.listen();
        server = await startServerProcess({ args: ['--database-url', relay.url(schema), '--database-connect-timeout-ms', '200', '--database-query-timeout-ms', '200'] });
    });
    after(async () => {
        relay.frozen = false;
        await server.stop();
        await relay.close();
        removeDir(server.dataDir);
        await dropSchema(schema);
    });
    it('does not take an answer of the last second for one once a call has gone unanswered', async () => {
        assert.equal((await call(server.url, 'PutInventory', putBody(1, 'Custom:Cut'))).status, 200);
        const answeredAt = performance.now();
        relay.frozen = true;
        const unanswered = await call(server.url, 'GetInventorySchema', {});
        assert.equal(unanswered.status, 500);
        assert.ok(performance.now() - answeredAt < 800, 'the call took most of a second to fail: nothing left to check');
        const ready = await fetch(`${server.url}/ready`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(ready.status, 503, JSON.stringify(await ready.clone().json()));
        relay.frozen = false;
        let status = 0;
        for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
            status = (await fetch(`${server.url}/ready`)).status;
            if (status !== 200)
                await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.equal(status, 200);
    });
});
describe('shutdown while PostgreSQL does not answer', () => {
    /** A server (default timeouts: 60 s per query) whose database goes through a relay that can partition it. */
    async function withPartitionableServer(test) {
        const schema = freshSchemaName();
        const database = new URL(TEST_DATABASE_URL);
        const relay = new FreezableRelay({ host: database.hostname, port: Number(database.port || 5432) });
        await relay.listen();
        const server = await startServerProcess({ args: ['--database-url', relay.url(schema)] });
        try {
            await test(server, relay);
        }
        finally {
            if (server.child.exitCode === null && server.child.signalCode === null)
                await server.kill();
            relay.partitioned = false;
            await relay.close();
            removeDir(server.dataDir);
            await dropSchema(schema);
        }
    }
    /** What `pending` resolves to, or `fallback` after `ms`. */
    const within = (pending, ms, fallback) => Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve(fallback), ms))]);
    for (const busy of [false, true]) {
        it(`ends within the shutdown limits after SIGTERM, ${busy ? 'with calls and their connections waiting on the database' : 'idle'}`, () => withPartitionableServer(async (server, relay) => {
            // Connections in the pool, which the partition then strands.
            const puts = await Promise.all(Array.from({ length: 8 }, (_, n) => call(server.url, 'PutInventory', putBody(n, 'Custom:Vanished'))));
            assert.deepEqual(puts.map((answer) => answer.status), Array(8).fill(200));
            relay.partitioned = true;
            const stranded = busy
                ? Promise.allSettled([
                    ...Array.from({ length: 4 }, (_, n) => call(server.url, 'PutInventory', putBody(100 + n, 'Custom:Vanished'))),
                    call(server.url, 'GetInventory', {}),
                ])
                : undefined;
            await new Promise((resolve) => setTimeout(resolve, 300));
            const started = performance.now();
            const exitCode = await within(server.stop(), 40_000, 'still running after 40 s');
            const seconds = (performance.now() - started) / 1000;
            assert.equal(exitCode, 0, server.output());
            // 10 s for calls in flight, 5 s for the worker and the store, 1 s for sockets left half-open.
            assert.ok(seconds < (busy ? 20 : 9), `took ${seconds.toFixed(1)} s`);
            assert.match(server.output(), /"message":"ssm-inventory stopped"/);
            if (busy) {
                assert.match(server.output(), /stopping without waiting longer for the database/);
                await stranded;
            }
        }));
    }
    it('ends at once on a second signal during a slow shutdown', () => withPartitionableServer(async (server, relay) => {
        assert.equal((await call(server.url, 'PutInventory', putBody(1, 'Custom:Vanished'))).status, 200);
        relay.partitioned = true;
        const stranded = call(server.url, 'PutInventory', putBody(2, 'Custom:Vanished')).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const exited = new Promise((resolve) => server.child.once('exit', (_code, signal) => resolve(signal)));
        server.child.kill('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(server.child.exitCode, null, 'the first signal is still draining the call in flight');
        server.child.kill('SIGINT');
        assert.equal(await within(exited, 5000, 'still running after 5 s'), 'SIGINT');
        await stranded;
    }));
});
//# sourceMappingURL=postgres-outage.test.js.map