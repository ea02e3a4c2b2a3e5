/**
 * AWS JSON 1.1 over HTTP: `POST /` with `X-Amz-Target: AmazonSSM.<Operation>` and a JSON
 * body. Reads the body within a size limit, dispatches on the target, has the decoder parse
 * and validate it against the service model, runs the operation and writes its result or error. Every
 * response carries `x-amzn-RequestId`.
 */
import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '../store/store.js';
import { AccessDeniedException, AwsError, InternalServerError, RequestEntityTooLargeException, RequestTimeoutException, ServiceUnavailableException, UnknownOperationException, UnsupportedMediaTypeException, } from './errors.js';
import { operation as modelOperation, targetPrefix } from './service-model.js';
import { serializeJson } from './raw-json.js';
export const CONTENT_TYPE = 'application/x-amz-json-1.1';
const ACCEPTED_CONTENT_TYPES = ['application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/json'];
class Answer {
    status;
    body;
    constructor(status, body) {
        this.status = status;
        this.body = body;
    }
}
export function isApiRequest(req) {
    return req.method === 'POST' && (req.url === '/' || req.url?.startsWith('/?') === true);
}
export async function handleApiRequest(req, res, options) {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    let operationName = 'unknown';
    let answer;
    let principal;
    try {
        if (!options.accepting())
            throw new ServiceUnavailableException('The server is shutting down; retry on another node or later.');
        operationName = targetOperation(req.headers['x-amz-target'], options.operations);
        checkContentType(req.headers['content-type']);
        const body = await readBody(req, options.maxBodyBytes);
        // Who is calling is settled before the body is even parsed, as AWS does.
        principal = await options.authenticator.authenticate(req, body);
        const operation = options.operations[operationName];
        if (operation.writes && principal.readOnly) {
            throw new AccessDeniedException(`User: arn:aws:iam::${principal.partition.account}:user/${principal.accessKeyId ?? 'unknown'} is not authorized to perform: ssm:${operationName} because its access key is read-only.`);
        }
        const input = await options.decoder.decode(operationName, body);
        const caller = { partition: principal.partition };
        answer = new Answer(200, await operation.handler(input, caller, options.deps));
    }
    catch (error) {
        answer = errorAnswer(error, requestId, operationName, options.log);
    }
    if (res.destroyed)
        return;
    const payload = serializeJson(answer.body);
    // Time spent reading, handling and serialising the request (before the network send).
    const serverMs = Number(process.hrtime.bigint() - started) / 1e6;
    res.writeHead(answer.status, {
        'content-type': CONTENT_TYPE,
        'server-timing': `app;dur=${serverMs.toFixed(3)}`,
        'content-length': Buffer.byteLength(payload),
        'x-amzn-requestid': requestId,
        // While draining, a call answered closes its connection, so the drain ends when the last call does.
        ...(answer.status === 413 || answer.status === 503 || !options.accepting() ? { connection: 'close' } : {}),
    });
    res.end(payload);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const errorType = answer.status === 200 ? undefined : answer.body.__type;
    options.onAnswered?.({ operation: operationName, status: answer.status, errorType, seconds });
    // Who called, once known (the key only when signatures are verified): an audit trail at debug level.
    options.log.debug('request', {
        requestId, operation: operationName, status: answer.status, errorType, ms: Math.round(seconds * 1000),
        account: principal?.partition.account, region: principal?.partition.region, accessKeyId: principal?.accessKeyId,
    });
}
function targetOperation(target, operations) {
    if (typeof target !== 'string' || target === '')
        throw new UnknownOperationException('The request has no X-Amz-Target header naming an operation.');
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    const name = target.slice(dot + 1);
    if (dot < 0 || prefix !== targetPrefix || !Object.prototype.hasOwnProperty.call(operations, name) || !modelOperation(name)) {
        throw new UnknownOperationException(`Operation ${target} is not supported by this server; it serves ${Object.keys(operations).map((o) => `${targetPrefix}.${o}`).join(', ')}.`);
    }
    return name;
}
function checkContentType(header) {
    const type = header?.split(';')[0].trim().toLowerCase();
    if (!type || !ACCEPTED_CONTENT_TYPES.includes(type)) {
        throw new UnsupportedMediaTypeException(`Content-Type must be ${CONTENT_TYPE}; got ${header ? `'${header}'` : 'none'}.`);
    }
}
function readBody(req, limit) {
    return new Promise((resolve, reject) => {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) {
            req.resume();
            reject(tooLarge(limit));
            return;
        }
        const chunks = [];
        let size = 0;
        req.on('data', (chunk) => {
            size += chunk.length;
            if (size > limit) {
                req.removeAllListeners('data');
                req.resume();
                reject(tooLarge(limit));
                return;
            }
            chunks.push(chunk);
        });
        req.on('end', () => resolve(Buffer.concat(chunks, size)));
        // A client that goes away gets no answer; the error only ends this request's work.
        req.on('error', () => reject(new RequestTimeoutException('The client closed the connection before sending the whole request.')));
        req.on('aborted', () => reject(new RequestTimeoutException('The client closed the connection before sending the whole request.')));
    });
}
function tooLarge(limit) {
    return new RequestEntityTooLargeException(`The request body is larger than the limit of ${limit} bytes.`);
}
function errorAnswer(error, requestId, operation, log) {
    if (error instanceof AwsError) {
        return new Answer(error.status, { __type: error.type, message: error.message, ...error.fields });
    }
    if (error instanceof StoreUnavailableError) {
        // An outage (the database did not answer, or its connection failed): what happened is enough.
        log.error('database unavailable', { requestId, operation, error: error.message });
    }
    else {
        log.error('unexpected error', { requestId, operation, error: error instanceof Error ? error.stack : String(error) });
    }
    const internal = new InternalServerError(`An internal error occurred; request id ${requestId}.`);
    return new Answer(internal.status, { __type: internal.type, message: internal.message });
}
//# sourceMappingURL=http-handler.js.map