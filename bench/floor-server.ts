/**
 * Floors for two benchmark targets: servers that do no more than any Node server on
 * node:http must do for the call measured (less: they trust their input), started by
 * `npm run bench` beside ours so that a target can be read against what the machine gives a
 * server that does almost nothing else.
 *
 *   node dist/bench/floor-server.js sigv4 SECRET_ACCESS_KEY
 *     Answers every call as a bare server does (read the body, JSON.parse, a small JSON reply)
 *     after verifying its SigV4 signature with only the per-request cryptography the protocol
 *     requires: SHA-256 of the body, the canonical request over the signed headers, its
 *     SHA-256, one HMAC with a signing key derived once, a constant-time comparison. No
 *     date window or key lookup: a signature that does not match is a 403.
 *   node dist/bench/floor-server.js bare
 *     The same server without the verification.
 *   node dist/bench/floor-server.js put DATABASE_URL SCHEMA POOL_SIZE
 *     Answers PutInventory bodies of one item, trusted as they come (no validation, no schema,
 *     hash or deletion checks, no transaction around a read): the item's Content serialised,
 *     and the puts that arrive together written to the store's items and instances tables by
 *     one statement (one round trip, autocommit) per group of up to 64, a group starting on
 *     each free connection of the pool.
 *
 * Each prints its URL on stdout once it listens.
 */
import { createHmac, createSecretKey, hash, timingSafeEqual, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { getSigningKey } from '@smithy/signature-v4'
import { Hash } from '@smithy/hash-node'
import pg from 'pg'

type Handler = (body: Buffer, req: IncomingMessage, res: ServerResponse) => void

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

function bareAnswer(body: Buffer, res: ServerResponse): void {
  const input: unknown = JSON.parse(body.toString() || '{}')
  answer(res, 200, JSON.stringify({ Schemas: [], echo: typeof input }))
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/

function sigv4Handler(secretAccessKey: string): Handler {
  const signingKeys = new Map<string, KeyObject>()
  const sha256 = Hash.bind(null, 'sha256')
  return (body, req, res) => {
    const m = AUTHORIZATION.exec(req.headers.authorization ?? '')
    if (!m) return answer(res, 403, '{"__type":"IncompleteSignatureException"}')
    const [, accessKeyId, date, region, service, signedHeaders, signature] = m
    const scope = `${date}/${region}/${service}/aws4_request`
    const signingKey = signingKeys.get(scope)
    if (!signingKey) {
      // Once per scope, as any verifier would cache it; the request waits for it this once.
      getSigningKey(sha256, { accessKeyId, secretAccessKey }, date, region, service).then(
        (key) => {
          const derived = createSecretKey(key)
          signingKeys.set(scope, derived)
          verifyAndAnswer(derived, scope, signedHeaders, signature, body, req, res)
        },
        (error: Error) => answer(res, 500, JSON.stringify({ __type: 'InternalServerError', message: error.message })),
      )
      return
    }
    verifyAndAnswer(signingKey, scope, signedHeaders, signature, body, req, res)
  }
}

function verifyAndAnswer(signingKey: KeyObject, scope: string, signedHeaders: string, signature: string, body: Buffer, req: IncomingMessage, res: ServerResponse): void {
  let canonical = `${req.method}\n${req.url}\n\n`
  for (const name of signedHeaders.split(';')) canonical += `${name}:${req.headers[name]}\n`
  canonical += `\n${signedHeaders}\n${hash('sha256', body, 'hex')}`
  const stringToSign = `AWS4-HMAC-SHA256\n${req.headers['x-amz-date']}\n${scope}\n${hash('sha256', canonical, 'hex')}`
  const computed = createHmac('sha256', signingKey).update(stringToSign).digest()
  const given = Buffer.from(signature, 'hex')
  if (given.length !== computed.length || !timingSafeEqual(given, computed)) return answer(res, 403, '{"__type":"InvalidSignatureException"}')
  bareAnswer(body, res)
}

interface TrustedPut {
  instanceId: string
  typeName: string
  schemaVersion: string
  captureTime: string
  content: string
  entryCount: number
  res: ServerResponse
}

const MAX_GROUP = 64

function putHandler(databaseUrl: string, schema: string, poolSize: number): Handler {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize })
  let waiting: TrustedPut[] = []
  let scheduled = false
  let inFlight = 0
  const flush = () => {
    scheduled = false
    while (waiting.length > 0 && inFlight < poolSize) {
      const group = waiting.slice(0, MAX_GROUP)
      waiting = waiting.slice(MAX_GROUP)
      inFlight++
      writeGroup(pool, schema, group).then(
        () => group.forEach((put) => answer(put.res, 200, '{}')),
        (error: Error) => group.forEach((put) => answer(put.res, 500, JSON.stringify({ __type: 'InternalServerError', message: error.message }))),
      ).finally(() => {
        inFlight--
        flush()
      })
    }
  }
  return (body, _req, res) => {
    const input = JSON.parse(body.toString('utf8')) as { InstanceId: string; Items: { TypeName: string; SchemaVersion: string; CaptureTime: string; Content: unknown[] }[] }
    const [item] = input.Items
    waiting.push({
      instanceId: input.InstanceId, typeName: item.TypeName, schemaVersion: item.SchemaVersion, captureTime: item.CaptureTime,
      content: JSON.stringify(item.Content), entryCount: item.Content.length, res,
    })
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}

/** The group's items and instance records in one statement, as ours writes them after deciding (see PostgresStore.writeDecided). */
async function writeGroup(pool: pg.Pool, schema: string, group: TrustedPut[]): Promise<void> {
  const values: unknown[] = ['000000000000', 'us-east-1', group.map((put) => put.instanceId), Date.now()]
  const rows = group.map((put) => {
    const at = values.length
    values.push(put.instanceId, put.typeName, put.schemaVersion, put.captureTime, put.content, put.entryCount)
    return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}::json, $${at + 6}::integer)`
  })
  await pool.query({
    name: `floor_put_${group.length}`,
    text: `WITH group_seq AS (SELECT nextval('${schema}.item_seq') AS seq),
      written AS (
        INSERT INTO ${schema}.items (account, region, instance_id, type_name, schema_version, capture_time, content, entry_count, seq)
        SELECT $1, $2, v.instance_id, v.type_name, v.schema_version, v.capture_time, v.content, v.entry_count, group_seq.seq
          FROM (VALUES ${rows.join(', ')}) AS v(instance_id, type_name, schema_version, capture_time, content, entry_count), group_seq
        ON CONFLICT (account, region, instance_id, type_name) DO UPDATE SET schema_version = excluded.schema_version,
          capture_time = excluded.capture_time, content = excluded.content, entry_count = excluded.entry_count, seq = excluded.seq)
      INSERT INTO ${schema}.instances (account, region, instance_id, status, details, first_seen, last_seen)
      SELECT $1, $2, t.instance_id, 'Active', '{}', $4, $4 FROM unnest($3::text[]) AS t(instance_id)
      ON CONFLICT (account, region, instance_id) DO UPDATE SET status = excluded.status, last_seen = excluded.last_seen`,
    values,
  })
}

function handlerFor(args: string[]): Handler {
  const [mode, ...rest] = args
  if (mode === 'bare') return (body, _req, res) => bareAnswer(body, res)
  if (mode === 'sigv4' && rest.length === 1) return sigv4Handler(rest[0])
  if (mode === 'put' && rest.length === 3) return putHandler(rest[0], rest[1], Number(rest[2]))
  throw new Error('usage: floor-server.js bare | sigv4 SECRET_ACCESS_KEY | put DATABASE_URL SCHEMA POOL_SIZE')
}

const handle = handlerFor(process.argv.slice(2))
const server = createServer({ keepAlive: true }, (req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => handle(Buffer.concat(chunks), req, res))
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)
})
