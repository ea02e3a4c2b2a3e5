/** The store conformance suite on PostgreSQL (each run in its own schema). */
import { after } from 'node:test'
import { openPostgresStore } from '../src/store/postgres/postgres-store.js'
import { dropSchema, freshSchemaName, schemaUrl } from './support/postgres.js'
import { storeConformance } from './store-conformance.js'

const schema = freshSchemaName()
after(() => dropSchema(schema))

storeConformance('postgres', async () => openPostgresStore({ url: schemaUrl(schema) }))
