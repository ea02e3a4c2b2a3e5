/**
 * The verifier in-process: what it remembers between calls (a client's credential prefix, the
 * ±15 minute window) must never let a request through that a fresh verification would refuse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigV4Authenticator } from '../src/protocol/authentication.js';
const A = { accessKeyId: 'AKIAVERIFIERA0000001', secretAccessKey: 'secret-a-0000000001', accountId: '111111111111', readOnly: false };
const B = { accessKeyId: 'AKIAVERIFIERB0000001', secretAccessKey: 'secret-b-0000000001', accountId: '222222222222', readOnly: true };
const HOST = '127.0.0.1:4583';
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
async function signedRequest(key, body, at = NOW, region = 'eu-west-1') {
    const signer = new SignatureV4({ credentials: key, region, service: 'ssm', sha256: Hash.bind(null, 'sha256') });
    const signed = await signer.sign(new HttpRequest({ method: 'POST', protocol: 'http:', hostname: HOST, path: '/', headers: { host: HOST, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetInventory' }, body }), { signingDate: new Date(at) });
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
    return { method: 'POST', url: '/', headers };
}
/** The verifier throws the AWS error (its `type` is the `__type` the client sees). */
async function rejects(promise, type, message) {
    await assert.rejects(promise, (error) => {
        assert.equal(error.type, type, error.message);
        if (message)
            assert.match(error.message, message);
        return true;
    });
}
function withHeader(req, name, value) {
    return { ...req, headers: { ...req.headers, [name]: value } };
}
describe('SigV4 verifier', () => {
    it('verifies each request in full after the credential prefix is remembered', async () => {
        let now = NOW;
        const verifier = new SigV4Authenticator([A, B], () => now);
        const body = Buffer.from('{"MaxResults":5}');
        const req = await signedRequest(A, body.toString());
        for (let i = 0; i < 3; i++) {
            const principal = await verifier.authenticate(req, body);
            assert.deepEqual(principal.partition, { account: '111111111111', region: 'eu-west-1' });
            assert.equal(principal.readOnly, false);
        }
        // Same prefix (key, scope, signed headers) with anything else changed: refused.
        const auth = String(req.headers.authorization);
        const flipped = auth.slice(0, -1) + (auth.endsWith('0') ? '1' : '0');
        await rejects(verifier.authenticate(withHeader(req, 'authorization', flipped), body), 'InvalidSignatureException');
        await rejects(verifier.authenticate(withHeader(req, 'authorization', auth.slice(0, -64) + 'Z'.repeat(64)), body), 'InvalidSignatureException');
        await rejects(verifier.authenticate(req, Buffer.from('{"MaxResults":6}')), 'InvalidSignatureException');
        await rejects(verifier.authenticate(withHeader(req, 'x-amz-target', 'AmazonSSM.DeleteInventory'), body), 'InvalidSignatureException');
        await rejects(verifier.authenticate(withHeader(req, 'x-amz-date', '20261123T120001Z'), body), 'InvalidSignatureException');
        // The date window moves with the clock even for a remembered prefix.
        now = NOW + 15 * 60 * 1000 + 1000;
        await rejects(verifier.authenticate(req, body), 'InvalidSignatureException', /Signature expired: 20261123T120000Z is now earlier than 20261123T120001Z/);
        now = NOW - 15 * 60 * 1000 - 1000;
        await rejects(verifier.authenticate(req, body), 'InvalidSignatureException', /Signature not yet current/);
    });
    it('keeps keys, accounts and read-only flags apart for prefixes seen together', async () => {
        const verifier = new SigV4Authenticator([A, B], () => NOW);
        const body = Buffer.from('{}');
        const fromA = await signedRequest(A, '{}');
        const fromB = await signedRequest(B, '{}', NOW, 'us-east-2');
        for (let i = 0; i < 2; i++) {
            assert.deepEqual(await verifier.authenticate(fromA, body), { partition: { account: '111111111111', region: 'eu-west-1' }, readOnly: false, accessKeyId: A.accessKeyId });
            assert.deepEqual(await verifier.authenticate(fromB, body), { partition: { account: '222222222222', region: 'us-east-2' }, readOnly: true, accessKeyId: B.accessKeyId });
        }
        // B's signature under A's prefix: A's key does not produce it.
        const mixed = String(fromA.headers.authorization).slice(0, -64) + String(fromB.headers.authorization).slice(-64);
        await rejects(verifier.authenticate(withHeader(fromA, 'authorization', mixed), body), 'InvalidSignatureException');
    });
    it('accepts the other field orders AWS allows without remembering them', async () => {
        const verifier = new SigV4Authenticator([A], () => NOW);
        const body = Buffer.from('{}');
        const req = await signedRequest(A, '{}');
        const m = /^AWS4-HMAC-SHA256 (Credential=[^,]+), (SignedHeaders=[^,]+), (Signature=[0-9a-f]{64})$/.exec(String(req.headers.authorization));
        const reordered = `AWS4-HMAC-SHA256 ${m[3]}, ${m[1]}, ${m[2]}`;
        for (let i = 0; i < 2; i++)
            assert.equal((await verifier.authenticate(withHeader(req, 'authorization', reordered), body)).partition.account, '111111111111');
        const forged = `AWS4-HMAC-SHA256 ${m[3].slice(0, -1)}${m[3].endsWith('0') ? '1' : '0'}, ${m[1]}, ${m[2]}`;
        await rejects(verifier.authenticate(withHeader(req, 'authorization', forged), body), 'InvalidSignatureException');
    });
    it('refuses dates that do not exist even inside the window', async () => {
        // 31 February sorts between 28 February and 1 March: the calendar check catches it.
        const at = Date.UTC(2026, 2, 1, 0, 0, 0);
        const verifier = new SigV4Authenticator([A], () => at);
        const req = await signedRequest(A, '{}', at);
        await verifier.authenticate(req, Buffer.from('{}'));
        // Twice, around a good request: the verifier remembers only dates that passed the check.
        for (let i = 0; i < 2; i++) {
            await rejects(verifier.authenticate(withHeader(req, 'x-amz-date', '20260231T000000Z'), Buffer.from('{}')), 'IncompleteSignatureException', /X-Amz-Date must have the form/);
            await verifier.authenticate(req, Buffer.from('{}'));
        }
    });
    it('forgets what it derived from replaced keys, even from a request in flight during the rotation', async () => {
        const verifier = new SigV4Authenticator([A, B], () => NOW);
        const body = Buffer.from('{}');
        const signedByA = await signedRequest(A, '{}');
        // Keys rotate while the first request of A's is deriving its signing key: that request came
        // before and passes, but nothing it derived may outlive the old secret.
        const inFlight = verifier.authenticate(signedByA, body);
        verifier.replaceKeys([{ ...A, secretAccessKey: 'secret-a-0000000002' }, { ...B, readOnly: false }]);
        assert.equal((await inFlight).partition.account, '111111111111');
        await rejects(verifier.authenticate(signedByA, body), 'InvalidSignatureException');
        assert.equal((await verifier.authenticate(await signedRequest({ ...A, secretAccessKey: 'secret-a-0000000002' }, '{}'), body)).partition.account, '111111111111');
        // A key verified (and its prefix remembered) before a rotation that removes it is unknown after.
        const signedByB = await signedRequest(B, '{}');
        assert.equal((await verifier.authenticate(signedByB, body)).readOnly, false);
        verifier.replaceKeys([A]);
        await rejects(verifier.authenticate(signedByB, body), 'UnrecognizedClientException');
    });
});
//# sourceMappingURL=sigv4-verifier.test.js.map