/**
 * Responses that embed documents the store already keeps as JSON (item Content) splice
 * those bytes in instead of parsing and serialising them again: GetInventory pages are
 * mostly such documents.
 *
 * `serializeJson` stringifies the body once; each RawJson becomes a placeholder string
 * carrying a per-process random nonce (no client value can forge it). The text around the
 * placeholders and the raw documents are then written one after another into one Buffer.
 * (Reading the documents as text and splicing measured faster here than reading BLOBs into
 * Buffers: better-sqlite3 allocates one Buffer per row. Splicing into one Buffer rather than one
 * string spares the socket a second copy to encode the string: for the benchmark's 270 KB
 * GetInventory page the server's CPU per page went from 4.3 to 3.95 ms, medians of three
 * alternating runs of 1,500 pages. The Buffer itself comes from AnswerMemory, below: fresh
 * memory for it cost more than the rest of the serialising.)
 */
import { randomBytes } from 'node:crypto'

const NONCE = randomBytes(12).toString('hex')
const PLACEHOLDER = new RegExp(`"raw-${NONCE}-(\\d+)"`)
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

export interface SerializedAnswer {
  /** The body as JSON: a string, or a Buffer when it embeds raw documents. */
  payload: string | Buffer
  /** Gives the Buffer's memory back to the AnswerMemory it came from, once written (or never to be). */
  release?: () => void
}

/** The body as JSON; a Buffer for raw documents comes from `memory` when given. */
export function serializeJson(body: unknown, memory?: AnswerMemory): SerializedAnswer {
  const collected: RawJson[] = []
  pending = collected
  let text: string
  try {
    text = JSON.stringify(body)
  } finally {
    pending = undefined
  }
  if (collected.length === 0) return { payload: text }
  // With a capturing group, split gives text, index, text, index, ..., text.
  const parts = text.split(PLACEHOLDER)
  let size = 0
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1) parts[i] = collected[Number(parts[i])].json
    size += Buffer.byteLength(parts[i])
  }
  const lease = memory?.take(size)
  const out = lease?.bytes ?? Buffer.allocUnsafe(size)
  let at = 0
  for (const part of parts) at += out.write(part, at)
  return { payload: out, release: lease?.release }
}

const KIB = 1024
const MIB = 1024 * KIB
/** The smallest block made: answers of slightly different sizes share blocks. */
const MIN_BLOCK_BYTES = 64 * KIB

/**
 * Memory for serialised answers, used again once an answer has gone out. A Buffer of a few
 * hundred KB is memory fresh from the system each time (glibc maps blocks that large on
 * their own and unmaps them when freed, or trims its heap after a garbage collection frees
 * many), and writing into it faults every page in: on a virtual machine here, 0.6-0.9 ms for
 * the benchmark's 280 KB GetInventory page, against 0.06 ms into memory written before, a
 * third of the server's time for the page. Blocks are powers of two; what is kept between
 * answers is bounded (`maxKeptBytes`, blocks up to `maxBlockBytes`), and larger answers get
 * memory of their own as before.
 */
export class AnswerMemory {
  /** Blocks not in use, smallest first. */
  private readonly free: Buffer[] = []
  private keptBytes = 0

  constructor(
    private readonly maxKeptBytes = 8 * MIB,
    private readonly maxBlockBytes = 4 * MIB,
  ) {}

  /** `size` bytes to write an answer into; `release` once the answer is written or abandoned. */
  take(size: number): { bytes: Buffer; release: () => void } {
    const at = this.free.findIndex((block) => block.length >= size)
    let block: Buffer
    if (at >= 0) {
      block = this.free.splice(at, 1)[0]
      this.keptBytes -= block.length
    } else {
      block = Buffer.allocUnsafeSlow(size > this.maxBlockBytes ? size : blockSize(size))
    }
    let released = false
    return {
      bytes: block.subarray(0, size),
      release: () => {
        if (released) return
        released = true
        this.keep(block)
      },
    }
  }

  /** Bytes of blocks kept for later answers (for tests). */
  get keptForLater(): number {
    return this.keptBytes
  }

  private keep(block: Buffer): void {
    if (block.length > this.maxBlockBytes || this.keptBytes + block.length > this.maxKeptBytes) return
    const at = this.free.findIndex((other) => other.length >= block.length)
    this.free.splice(at < 0 ? this.free.length : at, 0, block)
    this.keptBytes += block.length
  }
}

function blockSize(size: number): number {
  let block = MIN_BLOCK_BYTES
  while (block < size) block *= 2
  return block
}
