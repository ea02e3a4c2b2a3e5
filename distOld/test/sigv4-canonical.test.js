/**
 * The verifier writes the canonical request of `POST /` itself (it is on every call's path)
 * and leaves every other form to the SDK's builder: both must produce the same text, or
 * valid signatures would be refused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildCanonicalRequest, sdkCanonicalRequest } from '../src/protocol/authentication.js';
const PAYLOAD = 'a'.repeat(64);
const PIECES = ['', ' ', '  ', '\t', '\n', '\r\n', 'x', 'AmazonSSM.PutInventory', 'a  b', ' lead', 'trail ', 'mid\tdle', 'ünï', ',', ';', '='];
function randomValue() {
    const count = 1 + (randomBytes(1)[0] % 5);
    return Array.from({ length: count }, () => PIECES[randomBytes(1)[0] % PIECES.length]).join('');
}
describe('SigV4 canonical request', () => {
    it('matches the SDK builder for POST / on typical and awkward header values', () => {
        const typical = {
            host: '127.0.0.1:4583',
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-date': '20261122T101500Z',
            'x-amz-target': 'AmazonSSM.GetInventory',
            'x-amz-content-sha256': PAYLOAD,
        };
        assert.equal(buildCanonicalRequest('POST', '/', typical, PAYLOAD), sdkCanonicalRequest('POST', '/', typical, PAYLOAD));
        for (let i = 0; i < 2000; i++) {
            const headers = { host: 'localhost:1', 'x-amz-date': '20261122T101500Z' };
            for (const name of ['content-type', 'x-amz-target', 'x-amz-user-agent', 'amz-sdk-invocation-id', 'x-custom']) {
                if (randomBytes(1)[0] % 2)
                    headers[name] = randomValue();
            }
            assert.equal(buildCanonicalRequest('POST', '/', headers, PAYLOAD), sdkCanonicalRequest('POST', '/', headers, PAYLOAD), JSON.stringify(headers));
        }
    });
    it('hands paths and query strings to the SDK builder', () => {
        const headers = { host: 'localhost:1', 'x-amz-date': '20261122T101500Z' };
        const text = buildCanonicalRequest('POST', '/a%20b/?z=1&a=2&a=1', headers, PAYLOAD);
        assert.equal(text, sdkCanonicalRequest('POST', '/a%20b/?z=1&a=2&a=1', headers, PAYLOAD));
        assert.match(text, /^POST\n\/a%2520b\/\na=1&a=2&z=1\n/);
    });
});
//# sourceMappingURL=sigv4-canonical.test.js.map