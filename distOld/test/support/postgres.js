/**
 * PostgreSQL for the tests: SSM_INVENTORY_TEST_DATABASE_URL, else the machine's server on
 * 127.0.0.1:5432 (database `test`). Every test gets its own schema, dropped afterwards, so
 * runs never collide. If the server cannot be reached the tests fail, saying so: nothing is
 * skipped silently.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
export const TEST_DATABASE_URL = process.env.SSM_INVENTORY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export function schemaUrl(schema) {
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('schema', schema);
    return url.toString();
}
export function freshSchemaName() {
    return `t_${randomBytes(6).toString('hex')}`;
}
/** Runs `work` on a connection of its own to the test database, closed afterwards. */
export async function withPostgres(work) {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
        return await work(client);
    }
    finally {
        await client.end();
    }
}
export async function dropSchema(schema) {
    await withPostgres((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}
//# sourceMappingURL=postgres.js.map