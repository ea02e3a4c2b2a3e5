/**
 * Turns a request body into what an operation's handler takes: UTF-8 check, JSON parse,
 * validation against the service model, then the operation's own pure `prepare` step.
 *
 * For a large body that work costs more than the rest of the request (a 10 KiB PutInventory:
 * ~200 µs of parsing, validating and serialising Content against ~250 µs of HTTP and
 * SQLite), and it needs nothing stored, so the decoder hands bodies above a threshold to
 * worker threads and keeps the main thread for I/O and the store. Small bodies are decoded
 * inline: a thread hop would cost more than it saves. Either way the same function runs,
 * so the answers (including every error) are identical.
 */
import { isUtf8 } from 'node:buffer';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { operations } from '../inventory/operations.js';
import { AwsError, InternalServerError, SerializationException } from './errors.js';
import { operation as modelOperation } from './service-model.js';
import { validateInput } from './validate.js';
const ROLE = 'ssm-inventory-request-decoder';
export function decodeRequest(operationName, body, limits) {
    const operation = operations[operationName];
    const input = validateInput(modelOperation(operationName).input.shape, parseJson(body), operation.enumErrors);
    return operation.prepare ? operation.prepare(input, limits) : input;
}
function parseJson(body) {
    if (body.length === 0)
        return {};
    if (!isUtf8(body))
        throw new SerializationException('The request body is not valid UTF-8.');
    const text = body.toString('utf8');
    let value;
    try {
        value = JSON.parse(text);
    }
    catch (error) {
        throw new SerializationException(`The request body is not valid JSON: ${error.message}`);
    }
    return text.includes('\\u') && SURROGATE_ESCAPE.test(text) ? wellFormed(value) : value;
}
/**
 * A surrogate escape: the only way a lone surrogate can arrive, UTF-8 having no encoding for
 * one. Strings are kept as well-formed Unicode, a lone surrogate becoming U+FFFD (as encoding
 * it to UTF-8 for storage would make it anyway, differently per store); see the README.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
function wellFormed(value) {
    if (typeof value === 'string')
        return value.toWellFormed();
    if (Array.isArray(value))
        return value.map(wellFormed);
    if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([key, member]) => [key.toWellFormed(), wellFormed(member)]));
    }
    return value;
}
/** An AwsError raised on a decoding thread, rebuilt on the main thread with the same answer. */
class DecodedAwsError extends AwsError {
    type;
    status;
    constructor(type, message, status, fields) {
        super(message);
        this.type = type;
        this.status = status;
        Object.assign(this.fields, fields);
    }
}
export class RequestDecoder {
    options;
    threads = [];
    nextId = 1;
    closed = false;
    constructor(options) {
        this.options = options;
        for (let i = 0; i < options.threads; i++)
            this.threads.push(this.spawn());
    }
    decode(operationName, body) {
        if (this.threads.length === 0 || body.length < this.options.offloadBytes) {
            return new Promise((resolve) => resolve(decodeRequest(operationName, body, this.options.limits)));
        }
        const thread = this.threads.reduce((best, t) => (t.pending.size < best.pending.size ? t : best));
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            thread.pending.set(id, { resolve, reject });
            if (thread.pending.size === 1)
                thread.worker.ref();
            // A body that owns its whole memory moves to the thread; a slice of a shared pool is copied.
            const whole = body.byteOffset === 0 && body.buffer.byteLength === body.length;
            thread.worker.postMessage({ id, operationName, body }, whole ? [body.buffer] : []);
        });
    }
    async close() {
        this.closed = true;
        await Promise.all(this.threads.map((t) => t.worker.terminate()));
    }
    spawn() {
        const worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, limits: this.options.limits } });
        worker.unref();
        const thread = { worker, pending: new Map() };
        worker.on('message', (reply) => {
            const pending = thread.pending.get(reply.id);
            if (!pending)
                return;
            thread.pending.delete(reply.id);
            if (thread.pending.size === 0)
                worker.unref();
            if (reply.ok)
                pending.resolve(reply.value);
            else if (reply.aws)
                pending.reject(new DecodedAwsError(reply.aws.type, reply.aws.message, reply.aws.status, reply.aws.fields));
            else
                pending.reject(new Error(`request decoding failed: ${reply.message}`));
        });
        worker.on('error', (error) => this.options.onThreadError?.(error));
        worker.on('exit', () => {
            // Requests in flight on a thread that died get a 500; a fresh thread takes its place.
            for (const pending of thread.pending.values())
                pending.reject(new InternalServerError('The request decoder stopped unexpectedly.'));
            thread.pending.clear();
            const index = this.threads.indexOf(thread);
            if (index >= 0 && !this.closed)
                this.threads[index] = this.spawn();
        });
        return thread;
    }
}
function failure(id, error) {
    return error instanceof AwsError
        ? { id, ok: false, message: error.message, aws: { type: error.type, status: error.status, message: error.message, fields: { ...error.fields } } }
        : { id, ok: false, message: error instanceof Error ? error.stack ?? error.message : String(error) };
}
function serveDecoding(data) {
    parentPort.on('message', (message) => {
        const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
        let reply;
        try {
            reply = { id: message.id, ok: true, value: decodeRequest(message.operationName, body, data.limits) };
        }
        catch (error) {
            reply = failure(message.id, error);
        }
        try {
            parentPort.postMessage(reply);
        }
        catch (error) {
            // The value could not be sent back (it cannot be cloned): the request fails, the thread stays.
            parentPort.postMessage(failure(message.id, error));
        }
    });
}
if (!isMainThread && workerData?.role === ROLE)
    serveDecoding(workerData);
//# sourceMappingURL=request-decoder.js.map