/**
 * `ssm-inventory migrate`: brings the store's schema to this version's and exits. A deployment
 * that runs its nodes as a role with no right to change the schema runs this first, as a role
 * that has it (the schema's owner). Starting a node migrates too; this does it alone.
 */
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { openPostgresStore, postgresSchemaName } from '../store/postgres/postgres-store.js';
import { postgresMigrations } from '../store/postgres/postgres-migrations.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { sqliteMigrations } from '../store/sqlite/sqlite-migrations.js';
export const migrateUsage = `Usage: ssm-inventory migrate [--database-url URL | --data-dir DIR]

Creates the store's schema, or updates it to this version's, and exits (0 done, 1 failed, 2 a
usage error). Every node does the same on start; run this alone as a role that may change the
schema (its owner) when the nodes run as one that may only use it: USAGE on the schema, SELECT,
INSERT, UPDATE and DELETE on its tables, USAGE on its sequences. It takes serve's flags and
environment variables; only the store's matter.`;
export async function migrate(argv) {
    if (argv.includes('--help') || argv.includes('-h')) {
        process.stdout.write(`${migrateUsage}\n`);
        return 0;
    }
    let config;
    try {
        config = loadConfig(argv, process.env);
    }
    catch (error) {
        if (!(error instanceof ConfigError))
            throw error;
        process.stderr.write(`ssm-inventory migrate: ${error.message}\nRun 'ssm-inventory migrate --help' for the flags.\n`);
        return 2;
    }
    try {
        if (config.databaseUrl !== undefined) {
            const store = await openPostgresStore({ url: config.databaseUrl, connectTimeoutMs: config.databaseConnectTimeoutMs, poolSize: 1 });
            await store.close();
            process.stdout.write(`PostgreSQL schema ${postgresSchemaName(config.databaseUrl)} is at schema version ${postgresMigrations.length}\n`);
        }
        else {
            const path = join(config.dataDir, 'inventory.sqlite');
            const store = openSqliteStore({ path, queryThreads: 0 });
            await store.close();
            process.stdout.write(`SQLite file ${path} is at schema version ${sqliteMigrations.length}\n`);
        }
        return 0;
    }
    catch (error) {
        // A database that cannot be reached or prepared, a role without the rights, a newer schema.
        process.stderr.write(`ssm-inventory migrate: ${error.message}\n`);
        return 1;
    }
}
//# sourceMappingURL=migrate.js.map