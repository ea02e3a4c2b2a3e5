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
 * alternating runs of 1,500 pages. Either way the fresh memory of a large response costs ~1 ms
 * on some machines: a string over 128 KB gets a large-object page of its own in V8.)
 */
import { randomBytes } from 'node:crypto';
const NONCE = randomBytes(12).toString('hex');
const PLACEHOLDER = new RegExp(`"raw-${NONCE}-(\\d+)"`);
let pending;
export class RawJson {
    json;
    /** `json` must be valid JSON text: it is written into the response unchecked. */
    constructor(json) {
        this.json = json;
    }
    toJSON() {
        if (!pending)
            return JSON.parse(this.json);
        pending.push(this);
        return `raw-${NONCE}-${pending.length - 1}`;
    }
}
/** The body as JSON: a string, or a Buffer when it embeds raw documents. */
export function serializeJson(body) {
    const collected = [];
    pending = collected;
    let text;
    try {
        text = JSON.stringify(body);
    }
    finally {
        pending = undefined;
    }
    if (collected.length === 0)
        return text;
    // With a capturing group, split gives text, index, text, index, ..., text.
    const parts = text.split(PLACEHOLDER);
    let size = 0;
    for (let i = 0; i < parts.length; i++) {
        if (i % 2 === 1)
            parts[i] = collected[Number(parts[i])].json;
        size += Buffer.byteLength(parts[i]);
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const part of parts)
        at += out.write(part, at);
    return out;
}
//# sourceMappingURL=raw-json.js.map