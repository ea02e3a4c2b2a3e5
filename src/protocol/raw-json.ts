/**
 * Responses that embed documents the store already keeps as JSON (item Content) splice
 * those bytes in instead of parsing and serialising them again: GetInventory pages are
 * mostly such documents.
 *
 * `serializeJson` stringifies the body once; each RawJson becomes a placeholder string
 * carrying a per-process random nonce (no client value can forge it), then replaced by
 * the raw text. (Reading the documents as text and splicing strings measured faster here
 * than reading BLOBs into Buffers: better-sqlite3 allocates one Buffer per row.)
 */
import { randomBytes } from 'node:crypto'

const NONCE = randomBytes(12).toString('hex')
const PLACEHOLDER = new RegExp(`"raw-${NONCE}-(\\d+)"`, 'g')
let pending: RawJson[] | undefined

export class RawJson {
  /** `json` must be valid JSON text: it is written into the response unchecked. */
  constructor(readonly json: string) {}

  toJSON(): unknown {
    if (!pending) return JSON.parse(this.json)
    pending.push(this)
    return `raw-${NONCE}-${pending.length - 1}`
  }
}

export function serializeJson(body: unknown): string {
  const collected: RawJson[] = []
  pending = collected
  let text: string
  try {
    text = JSON.stringify(body)
  } finally {
    pending = undefined
  }
  return collected.length === 0 ? text : text.replace(PLACEHOLDER, (_, index: string) => collected[Number(index)].json)
}
