/**
 * Who is calling. Two authenticators:
 *
 * - `OpenAuthenticator` (no credentials file): any request is accepted, as local AWS
 *   emulators do; the partition comes from the Authorization header (protocol/partition.ts).
 * - `SigV4Authenticator` (a credentials file): every request must carry a valid AWS
 *   Signature Version 4 `Authorization` header by a known access key. The expected signature
 *   is computed with @smithy/signature-v4 (the AWS SDK's own signer) over the headers the
 *   client signed and the body as received; the account is the key's, the region the
 *   credential scope's. Failures get the errors AWS gives: MissingAuthenticationToken,
 *   IncompleteSignature, InvalidSignature (also an expired or future date, a wrong service
 *   or a body that does not match its hash), UnrecognizedClient for an unknown key or a
 *   session token that is not the key's, ExpiredToken for temporary credentials past their
 *   expiration.
 *   Verification runs in two steps: the headers, before the body is read (`screen`), then
 *   the signature over headers and body (`Screened.verify`).
 *
 * The canonical request (header canonicalisation, path escaping, query order) and the
 * signing-key derivation come from @smithy/signature-v4; the two SHA-256 steps that follow
 * use node:crypto directly. Calling the SDK's whole `sign()` per request measured ~150 µs,
 * half the cost of a trivial request; this path keeps verification within budget.
 */
import { createHmac, createSecretKey, hash, timingSafeEqual, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { Hash } from '@smithy/hash-node'
import { HttpRequest } from '@smithy/protocol-http'
import { createScope, getCanonicalHeaders, getSigningKey, SignatureV4 } from '@smithy/signature-v4'
import type { Partition } from '../store/store.js'
import {
  ExpiredTokenException,
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from './errors.js'
import { partitionOf } from './partition.js'

export interface Principal {
  partition: Partition
  /** Read-only keys may not call operations that change data. */
  readOnly: boolean
  accessKeyId?: string
}

export interface Authenticator {
  /** Whether signatures are checked (binding beyond loopback requires it). */
  readonly verifies: boolean
  /**
   * Checks all that the headers alone can show (a signature is there, by a known key, dated
   * now, scoped to this service). Run before the body is read: a caller refused here never has
   * its body read nor room held for it. What is left needs the body.
   */
  screen(req: IncomingMessage): Promise<Screened>
}

/** A request whose headers passed: the signature over them and the body is what is left to check. */
export interface Screened {
  verify(body: Buffer): Principal
}

export class OpenAuthenticator implements Authenticator {
  readonly verifies = false

  async screen(req: IncomingMessage): Promise<Screened> {
    const principal: Principal = { partition: partitionOf(req.headers.authorization), readOnly: false }
    return { verify: () => principal }
  }
}

export interface AccessKey {
  accessKeyId: string
  secretAccessKey: string
  accountId: string
  readOnly: boolean
  /**
   * Temporary credentials (as STS gives them): every request by the key must carry this
   * token in X-Amz-Security-Token. A key without one refuses requests that carry a token.
   */
  sessionToken?: string
  /** Epoch milliseconds after which the temporary credentials are refused as expired. */
  expiresAt?: number
}

export class CredentialsFileError extends Error {}

/**
 * Reads `[{"accessKeyId", "secretAccessKey", "accountId", "readOnly", "sessionToken", "expiration"}]`
 * (the last three optional), refusing anything else with a clear message.
 */
export function loadAccessKeys(path: string): AccessKey[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new CredentialsFileError(`cannot read the credentials file ${path}: ${(error as Error).message}`)
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new CredentialsFileError(`the credentials file ${path} must hold a non-empty JSON list of access keys`)
  const seen = new Set<string>()
  return parsed.map((entry, index) => {
    const where = `${path}, entry ${index + 1}`
    if (typeof entry !== 'object' || entry === null) throw new CredentialsFileError(`${where}: expected an object`)
    const { accessKeyId, secretAccessKey, accountId, readOnly, sessionToken, expiration } = entry as Record<string, unknown>
    if (typeof accessKeyId !== 'string' || !/^[A-Za-z0-9]{4,128}$/.test(accessKeyId)) throw new CredentialsFileError(`${where}: accessKeyId must be 4-128 letters and digits`)
    if (typeof secretAccessKey !== 'string' || secretAccessKey.length < 8) throw new CredentialsFileError(`${where}: secretAccessKey must be a string of at least 8 characters`)
    if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) throw new CredentialsFileError(`${where}: accountId must be 12 digits`)
    if (readOnly !== undefined && typeof readOnly !== 'boolean') throw new CredentialsFileError(`${where}: readOnly must be true or false`)
    if (sessionToken !== undefined && (typeof sessionToken !== 'string' || sessionToken.length === 0)) throw new CredentialsFileError(`${where}: sessionToken must be a non-empty string`)
    const expiresAt = expiration === undefined ? undefined : typeof expiration === 'string' && ISO_TIME.test(expiration) ? Date.parse(expiration) : NaN
    if (Number.isNaN(expiresAt)) throw new CredentialsFileError(`${where}: expiration must be an ISO 8601 time with its zone, as STS gives it (e.g. 2026-12-01T12:00:00Z)`)
    if (expiresAt !== undefined && sessionToken === undefined) throw new CredentialsFileError(`${where}: expiration is for temporary credentials; give their sessionToken too`)
    if (seen.has(accessKeyId)) throw new CredentialsFileError(`${where}: access key ${accessKeyId} is listed twice`)
    seen.add(accessKeyId)
    return {
      accessKeyId, secretAccessKey, accountId, readOnly: readOnly === true,
      ...(sessionToken !== undefined && { sessionToken: sessionToken as string }),
      ...(expiresAt !== undefined && { expiresAt }),
    }
  })
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

const ALGORITHM = 'AWS4-HMAC-SHA256'
const INVALID_TOKEN = 'The security token included in the request is invalid.'
const SERVICE = 'ssm'
const MAX_SKEW_MS = 15 * 60 * 1000
const REGION = /^[a-z0-9-]{1,64}$/
const HEX_SIGNATURE = /^[0-9a-f]{64}$/
const SIGNATURE_TAIL = 'Signature='
const AMZ_DATE = /^(\d{4})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3])([0-5]\d)([0-5]\d)Z$/

interface ParsedAuthorization {
  accessKeyId: string
  scopeDate: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
}

/** The form every SDK writes; anything else takes the general parser below. */
const WELL_FORMED = /^AWS4-HMAC-SHA256 Credential=([A-Za-z0-9]+)\/(\d{8})\/([a-z0-9-]{1,64})\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/

function parseAuthorization(header: string): ParsedAuthorization {
  const m = WELL_FORMED.exec(header)
  if (m) return { accessKeyId: m[1], scopeDate: m[2], region: m[3], service: m[4], signedHeaders: m[5].split(';'), signature: m[6] }
  if (!header.startsWith(`${ALGORITHM} `)) {
    throw new IncompleteSignatureException(`Unsupported authorization type; only ${ALGORITHM} (Signature Version 4) is accepted.`)
  }
  const fields = new Map<string, string>()
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !fields.get(name))
  if (missing.length > 0) {
    throw new IncompleteSignatureException(`${missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ')} Authorization=${header.slice(0, 200)}`)
  }
  const scope = fields.get('Credential')!.split('/')
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1]) || scope[0] === '') {
    throw new IncompleteSignatureException(`Credential must have the form ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request; got '${fields.get('Credential')}'.`)
  }
  if (!REGION.test(scope[2])) throw new IncompleteSignatureException(`Credential should be scoped to a valid region, not '${scope[2]}'.`)
  return {
    accessKeyId: scope[0],
    scopeDate: scope[1],
    region: scope[2],
    service: scope[3],
    signedHeaders: fields.get('SignedHeaders')!.split(';').map((h) => h.trim().toLowerCase()),
    signature: fields.get('Signature')!,
  }
}

/** Whether an X-Amz-Date is well formed and names a real moment (no 31 February). */
function isAmzDate(value: string): boolean {
  const m = AMZ_DATE.exec(value)
  if (!m) return false
  // Days up to 28 exist in every month; only the rest need the calendar.
  return Number(m[3]) <= 28 || new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDate() === Number(m[3])
}

/**
 * The accepted X-Amz-Date window (now ± 15 minutes) as two amz-date strings, recomputed once a
 * second: well-formed amz-dates have a fixed width, so comparing them as strings orders them in time.
 */
class SkewWindow {
  private second = -1
  earliest = ''
  latest = ''
  nowText = ''

  at(nowMs: number): this {
    const second = Math.floor(nowMs / 1000)
    if (second !== this.second) {
      this.second = second
      this.earliest = amzDate(second * 1000 - MAX_SKEW_MS)
      this.latest = amzDate(second * 1000 + MAX_SKEW_MS)
      this.nowText = amzDate(second * 1000)
    }
    return this
  }
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')
}

/** Exposes the SDK signer's canonical-request builder (protected there). */
class SdkCanonicalRequests extends SignatureV4 {
  constructor() {
    super({ credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, region: 'us-east-1', service: SERVICE, sha256: SHA256, applyChecksum: false })
  }

  build(request: HttpRequest, signedHeaders: Set<string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, getCanonicalHeaders(request, new Set(), signedHeaders), payloadHash)
  }
}

const SHA256 = Hash.bind(null, 'sha256')
const sha256Hex = (data: string | Buffer): string => hash('sha256', data, 'hex')
const signingKeyId = (key: AccessKey, auth: ParsedAuthorization): string => `${key.accessKeyId}/${auth.scopeDate}/${auth.region}/${auth.service}`
const sdkCanonicalRequests = new SdkCanonicalRequests()
const SPACING = /[\r\n\t]| {2}|^ | $/

/** The SDK's canonical header value: line breaks and runs of blanks become one space, no space at either end. */
function canonicalHeaderValue(value: string): string {
  return SPACING.test(value) ? value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '') : value
}

/** The canonical request as the SDK's signer builds it. */
export function sdkCanonicalRequest(method: string, rawUrl: string, headers: Record<string, string>, payloadHash: string): string {
  const url = new URL(rawUrl, 'http://localhost')
  const query: Record<string, string | string[]> = {}
  for (const [name, value] of url.searchParams) {
    const existing = query[name]
    query[name] = existing === undefined ? value : ([] as string[]).concat(existing, value)
  }
  const request = new HttpRequest({ method, protocol: 'http:', hostname: headers.host, path: url.pathname, query, headers })
  return sdkCanonicalRequests.build(request, new Set(Object.keys(headers)), payloadHash)
}

/**
 * The SigV4 canonical request over the signed `headers` (lower-case names). Every call of
 * this API is `POST /` without a query string: that case is written out directly (the SDK's
 * builder costs more than the rest of the verification); any other path or query goes
 * through the SDK's builder. test/sigv4-canonical.test.ts checks that both agree.
 */
export function buildCanonicalRequest(method: string, rawUrl: string, headers: Record<string, string>, payloadHash: string): string {
  if (rawUrl !== '/') return sdkCanonicalRequest(method, rawUrl, headers, payloadHash)
  const names = Object.keys(headers)
  if (!isSorted(names)) names.sort()
  let text = `${method}\n/\n\n`
  for (const name of names) text += `${name}:${canonicalHeaderValue(headers[name])}\n`
  return `${text}\n${names.join(';')}\n${payloadHash}`
}

function isSorted(names: string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1] > names[i]) return false
  return true
}

interface VerifiedCredential {
  key: AccessKey
  auth: ParsedAuthorization
  scope: string
  signingKey: KeyObject
  principal: Principal
}

const EMPTY_BODY_HASH = hash('sha256', '', 'hex')

/** Where a well-formed header's `Signature=` and its 64 characters start (the credential prefix ends there); -1 if it does not end so. */
function signatureTailAt(header: string): number {
  const at = header.length - SIGNATURE_TAIL.length - 64
  return at > 0 && header.startsWith(SIGNATURE_TAIL, at) ? at : -1
}

export class SigV4Authenticator implements Authenticator {
  readonly verifies = true
  private keys: Map<string, AccessKey>

  /** Signing keys by access key, day, region and service: derived by the SDK once per day. */
  private readonly signingKeys = new Map<string, KeyObject>()
  private readonly window = new SkewWindow()
  private lastWellFormedDate = ''

  constructor(keys: AccessKey[], private readonly now: () => number) {
    this.keys = new Map(keys.map((key) => [key.accessKeyId, key]))
  }

  /**
   * Puts another list of keys in force (a rotation): from the next request on, a key no longer
   * listed is unknown and a changed secret or readOnly flag applies. What was derived from the
   * old list (signing keys, verified credential prefixes) is forgotten.
   */
  replaceKeys(keys: AccessKey[]): void {
    this.keys = new Map(keys.map((key) => [key.accessKeyId, key]))
    this.signingKeys.clear()
    this.credentials.clear()
  }

  private async deriveSigningKey(key: AccessKey, auth: ParsedAuthorization): Promise<KeyObject> {
    const keysInForce = this.keys
    const signingKey = createSecretKey(await getSigningKey(SHA256, { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, auth.scopeDate, auth.region, auth.service))
    // Derived from keys replaced meanwhile: used for this request (it came before), not kept.
    if (this.keys !== keysInForce) return signingKey
    if (this.signingKeys.size >= 1000) this.signingKeys.clear()
    this.signingKeys.set(signingKeyId(key, auth), signingKey)
    return signingKey
  }

  /**
   * What the part of an Authorization header before `Signature=` establishes (key, scope,
   * signed headers): a client repeats it on every call of the day, so it is parsed and checked
   * once. Only prefixes that passed every check are kept.
   */
  private readonly credentials = new Map<string, VerifiedCredential>()

  /** The credential of a header whose prefix was verified before (no await: the common case stays synchronous). */
  private cachedCredential(header: string): { credential: VerifiedCredential; signature: string } | undefined {
    const at = signatureTailAt(header)
    const cached = at > 0 ? this.credentials.get(header.slice(0, at)) : undefined
    return cached && { credential: cached, signature: header.slice(at + SIGNATURE_TAIL.length) }
  }

  private async credentialOf(header: string): Promise<{ credential: VerifiedCredential; signature: string }> {
    const at = signatureTailAt(header)
    const auth = parseAuthorization(header)
    const keysInForce = this.keys
    const key = keysInForce.get(auth.accessKeyId)
    if (!key) throw new UnrecognizedClientException(INVALID_TOKEN)
    if (auth.service !== SERVICE) throw new InvalidSignatureException(`Credential should be scoped to correct service: '${SERVICE}'.`)
    for (const required of ['host', 'x-amz-date']) {
      if (!auth.signedHeaders.includes(required)) throw new InvalidSignatureException(`The '${required}' header must be signed.`)
    }
    const credential: VerifiedCredential = {
      key,
      auth,
      scope: createScope(auth.scopeDate, auth.region, auth.service),
      signingKey: this.signingKeys.get(signingKeyId(key, auth)) ?? (await this.deriveSigningKey(key, auth)),
      principal: Object.freeze({
        partition: Object.freeze({ account: key.accountId, region: auth.region }),
        readOnly: key.readOnly,
        accessKeyId: auth.accessKeyId,
      }),
    }
    // Only the SDKs' form is kept: its prefix alone determines the key, scope and signed
    // headers. Nor is a credential of keys replaced while its signing key was derived.
    if (at > 0 && WELL_FORMED.test(header) && this.keys === keysInForce) {
      if (this.credentials.size >= 1000) this.credentials.clear()
      this.credentials.set(header.slice(0, at), credential)
    }
    return { credential, signature: auth.signature }
  }

  async screen(req: IncomingMessage): Promise<Screened> {
    const header = req.headers.authorization
    if (!header) throw new MissingAuthenticationTokenException('Request is missing Authentication Token')
    const { credential, signature } = this.cachedCredential(header) ?? (await this.credentialOf(header))
    const { auth, key } = credential
    checkSessionToken(key, req.headers['x-amz-security-token'], this.now)

    const dateHeader = req.headers['x-amz-date']
    if (typeof dateHeader !== 'string') throw new IncompleteSignatureException("Authorization header requires existence of a 'X-Amz-Date' header.")
    // A client sends the same X-Amz-Date for a second's worth of calls: its form is checked once.
    if (dateHeader !== this.lastWellFormedDate) {
      if (!isAmzDate(dateHeader)) throw new IncompleteSignatureException(`X-Amz-Date must have the form YYYYMMDDTHHMMSSZ; got '${dateHeader}'.`)
      this.lastWellFormedDate = dateHeader
    }
    const window = this.window.at(this.now())
    if (dateHeader < window.earliest) {
      throw new InvalidSignatureException(`Signature expired: ${dateHeader} is now earlier than ${window.earliest} (${window.nowText} - 15 min.)`)
    }
    if (dateHeader > window.latest) {
      throw new InvalidSignatureException(`Signature not yet current: ${dateHeader} is still later than ${window.latest} (${window.nowText} + 15 min.)`)
    }
    if (auth.scopeDate !== dateHeader.slice(0, 8)) {
      throw new InvalidSignatureException(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${dateHeader.slice(0, 8)}', from '${dateHeader}'.`)
    }
    const headers: Record<string, string> = {}
    for (const name of auth.signedHeaders) {
      const value = req.headers[name]
      if (value === undefined) throw new InvalidSignatureException(`The signed header '${name}' is missing from the request.`)
      headers[name] = Array.isArray(value) ? value.join(',') : value
    }
    const declaredHash = req.headers['x-amz-content-sha256']
    return new PendingSignature(credential, signature, dateHeader, headers, req.method ?? 'POST', req.url ?? '/', typeof declaredHash === 'string' ? declaredHash : undefined)
  }

  /** Both steps at once, for a request whose body is at hand. */
  async authenticate(req: IncomingMessage, body: Buffer): Promise<Principal> {
    return (await this.screen(req)).verify(body)
  }
}

/**
 * Temporary credentials need their session token, and long-term ones take none (AWS refuses
 * both mistakes alike: a token left in AWS_SESSION_TOKEN beside long-term keys is a common one).
 */
function checkSessionToken(key: AccessKey, given: string | string[] | undefined, now: () => number): void {
  if (key.sessionToken === undefined) {
    if (given !== undefined) throw new UnrecognizedClientException(INVALID_TOKEN)
    return
  }
  if (typeof given !== 'string' || !sameText(given, key.sessionToken)) throw new UnrecognizedClientException(INVALID_TOKEN)
  if (key.expiresAt !== undefined && now() >= key.expiresAt) throw new ExpiredTokenException('The security token included in the request is expired')
}

function sameText(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)]
  return x.length === y.length && timingSafeEqual(x, y)
}

/** A signed request whose headers passed: the signature is checked over them and the body once it is read. */
class PendingSignature implements Screened {
  constructor(
    private readonly credential: VerifiedCredential,
    private readonly signature: string,
    private readonly date: string,
    private readonly signedHeaders: Record<string, string>,
    private readonly method: string,
    private readonly url: string,
    private readonly declaredHash: string | undefined,
  ) {}

  verify(body: Buffer): Principal {
    const payloadHash = body.length === 0 ? EMPTY_BODY_HASH : sha256Hex(body)
    if (this.declaredHash !== undefined && this.declaredHash !== payloadHash) {
      throw new InvalidSignatureException('The provided x-amz-content-sha256 header does not match what was computed.')
    }
    const canonicalRequest = buildCanonicalRequest(this.method, this.url, this.signedHeaders, payloadHash)
    const stringToSign = `${ALGORITHM}\n${this.date}\n${this.credential.scope}\n${sha256Hex(canonicalRequest)}`
    const computed = createHmac('sha256', this.credential.signingKey).update(stringToSign).digest()
    const given = Buffer.from(this.signature, 'hex')
    if (!HEX_SIGNATURE.test(this.signature) || given.length !== computed.length || !timingSafeEqual(given, computed)) {
      throw new InvalidSignatureException(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      )
    }
    return this.credential.principal
  }
}
