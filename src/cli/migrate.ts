/**
 * `ssm-inventory migrate`: brings the store's schema to this version's and exits. A deployment
 * that runs its nodes as a role with no right to change the schema runs this first, as a role
 * that has it (the schema's owner). Starting a node migrates too; this does it alone.
 */
import { join } from 'node:path'
import { commandConfig } from '../config.js'
import { openPostgresStore, postgresSchemaName } from '../store/postgres/postgres-store.js'
import { postgresMigrations } from '../store/postgres/postgres-migrations.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import { sqliteMigrations } from '../store/sqlite/sqlite-migrations.js'

export const migrateUsage = `Usage: ssm-inventory migrate [--database-url URL | --data-dir DIR]

Creates the store's schema, or updates it to this version's, and exits (0 done, 1 failed, 2 a
usage error). Every node does the same on start; run this alone as a role that may change the
schema (its owner) when the nodes run as one that may only use it: USAGE on the schema, SELECT,
INSERT, UPDATE and DELETE on its tables, USAGE on its sequences. It takes serve's flags and
environment variables; only the store's matter.`

export async function migrate(argv: string[]): Promise<number> {
  const config = commandConfig('migrate', migrateUsage, argv)
  if ('exitCode' in config) return config.exitCode
  try {
    if (config.databaseUrl !== undefined) {
      const store = await openPostgresStore({ url: config.databaseUrl, connectTimeoutMs: config.databaseConnectTimeoutMs, poolSize: 1 })
      await store.close()
      process.stdout.write(`PostgreSQL schema ${postgresSchemaName(config.databaseUrl)} is at schema version ${postgresMigrations.length}\n`)
    } else {
      const path = join(config.dataDir, 'inventory.sqlite')
      const store = openSqliteStore({ path, queryThreads: 0 })
      await store.close()
      process.stdout.write(`SQLite file ${path} is at schema version ${sqliteMigrations.length}\n`)
    }
    return 0
  } catch (error) {
    // A database that cannot be reached or prepared, a role without the rights, a newer schema.
    process.stderr.write(`ssm-inventory migrate: ${(error as Error).message}\n`)
    return 1
  }
}
