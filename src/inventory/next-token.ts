/**
 * NextTokens are opaque to clients: base64url(JSON) plus an HMAC with the store's secret.
 * The payload names the operation, the partition and a digest of the query, so a token
 * is refused (InvalidNextToken) when forged, truncated, or replayed by another account,
 * another region, another operation or with other parameters.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { InvalidNextToken } from '../protocol/errors.js'
import type { Partition } from '../store/store.js'

interface Payload<C> {
  o: string
  p: string
  q: string
  c: C
}

export interface TokenScope {
  secret: string
  operation: string
  partition: Partition
  /** The parameters the paging depends on (everything but NextToken and MaxResults). */
  query: unknown
}

export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value ?? null)).digest('base64url').slice(0, 22)
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url').slice(0, 32)
}

function partitionKey(p: Partition): string {
  return `${p.account}/${p.region}`
}

export function encodeNextToken<C>(scope: TokenScope, cursor: C): string {
  const payload: Payload<C> = { o: scope.operation, p: partitionKey(scope.partition), q: digest(scope.query), c: cursor }
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${body}.${sign(scope.secret, body)}`
}

export function decodeNextToken<C>(scope: TokenScope, token: string): C {
  // Made only when needed: an Error captures its stack when constructed.
  const invalid = () => new InvalidNextToken('The specified token is not valid.')
  const dot = token.indexOf('.')
  if (dot <= 0 || token.length > 4096) throw invalid()
  const body = token.slice(0, dot)
  const given = Buffer.from(token.slice(dot + 1))
  const expected = Buffer.from(sign(scope.secret, body))
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid()
  let payload: Payload<C>
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  if (payload.o !== scope.operation || payload.p !== partitionKey(scope.partition) || payload.q !== digest(scope.query)) throw invalid()
  return payload.c
}
