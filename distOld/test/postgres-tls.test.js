/**
 * TLS to PostgreSQL, with a real handshake: the README tells operators to add
 * `sslmode=verify-full` (and `sslrootcert` for a private CA) to the database URL. The
 * machine's PostgreSQL has no TLS and its configuration is not ours to change, so a relay in
 * front of it speaks the server's side of PostgreSQL's TLS negotiation (the SSLRequest, then a
 * TLS handshake with a certificate made for this test) and passes the decrypted stream on.
 * A real server process must then connect only over TLS, and refuse to start when the
 * certificate is not the one it was told to trust or names another host.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { instanceId, rawCall } from './support/clients.js';
import { dropSchema, freshSchemaName, schemaUrl } from './support/postgres.js';
import { removeDir, startServerProcess } from './support/server-process.js';
/** PostgreSQL's SSLRequest: length 8, then the code 1234 5679. */
const SSL_REQUEST_CODE = 80877103;
/** Terminates PostgreSQL's in-protocol TLS and relays to the real server in clear. */
class TlsTerminatingRelay {
    /** Connections whose TLS handshake completed. */
    handshakes = 0;
    /** Connections that never asked for TLS. */
    plaintext = 0;
    sockets = new Set();
    server;
    constructor(target, credentials) {
        this.server = createServer((client) => {
            this.track(client);
            client.once('data', (first) => {
                const upstream = () => this.track(connect({ host: target.host, port: target.port }));
                if (first.length === 8 && first.readInt32BE(0) === 8 && first.readInt32BE(4) === SSL_REQUEST_CODE) {
                    client.write('S');
                    const secure = new TLSSocket(client, { isServer: true, ...credentials });
                    // A handshake the client gives up (it refused the certificate, say) ends here.
                    secure.on('error', () => client.destroy());
                    secure.once('secure', () => {
                        this.handshakes++;
                        this.pipe(secure, upstream());
                    });
                }
                else {
                    this.plaintext++;
                    const server = upstream();
                    server.write(first);
                    this.pipe(client, server);
                }
            });
        });
    }
    track(socket) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => { });
        return socket;
    }
    pipe(a, b) {
        a.pipe(b);
        b.pipe(a);
        a.on('close', () => b.destroy());
        b.on('close', () => a.destroy());
    }
    listen() {
        return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(this.server.address().port)));
    }
    close() {
        for (const socket of this.sockets)
            socket.destroy();
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}
/** A CA, a server certificate it signs for `localhost`, and a second CA that signed nothing here. */
function makeCertificates(dir) {
    const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ssm-inventory test CA');
    openssl('req', '-x509', ...ecKey, '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=another CA');
    openssl('req', ...ecKey, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName = DNS:localhost\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
    return { ca: join(dir, 'ca.pem'), otherCa: join(dir, 'other-ca.pem'), key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) };
}
describe('TLS to PostgreSQL (sslmode=verify-full through a TLS-terminating relay)', () => {
    const schema = freshSchemaName();
    const certDir = mkdtempSync(join(tmpdir(), 'ssm-inventory-tls-'));
    let certificates;
    let relay;
    let relayPort;
    before(async () => {
        certificates = makeCertificates(certDir);
        const database = new URL(schemaUrl(schema));
        relay = new TlsTerminatingRelay({ host: database.hostname, port: Number(database.port || 5432) }, certificates);
        relayPort = await relay.listen();
    });
    after(async () => {
        await relay.close();
        rmSync(certDir, { recursive: true, force: true });
        await dropSchema(schema);
    });
    /** The schema's URL through the relay, by `host`, with these TLS parameters. */
    const urlVia = (host, tls) => {
        const url = new URL(schemaUrl(schema));
        url.host = `${host}:${relayPort}`;
        for (const [name, value] of Object.entries(tls))
            url.searchParams.set(name, value);
        return url.toString();
    };
    /** The log of a server that must refuse to start with this database URL. */
    const refusedStart = async (databaseUrl) => {
        const error = await startServerProcess({ args: ['--database-url', databaseUrl] }).then(() => assert.fail('the server started'), (reason) => reason);
        assert.match(error.message, /exited with 2 before listening/);
        return error.message;
    };
    it('serves over TLS only, verifying the certificate against the CA given', async () => {
        const server = await startServerProcess({ args: ['--database-url', urlVia('localhost', { sslmode: 'verify-full', sslrootcert: certificates.ca })] });
        try {
            const put = await rawCall(server.url, 'AmazonSSM.PutInventory', {
                InstanceId: instanceId(1),
                Items: [{ TypeName: 'Custom:Tls', SchemaVersion: '1.0', CaptureTime: '2026-11-30T10:00:00Z', Content: [{ Cipher: 'TLS_AES_256_GCM_SHA384' }] }],
            });
            assert.equal(put.status, 200, put.text);
            const listed = await rawCall(server.url, 'AmazonSSM.ListInventoryEntries', { InstanceId: instanceId(1), TypeName: 'Custom:Tls' });
            assert.equal(listed.status, 200);
            assert.deepEqual(listed.json.Entries, [{ Cipher: 'TLS_AES_256_GCM_SHA384' }]);
        }
        finally {
            await server.stop();
            removeDir(server.dataDir);
        }
        assert.ok(relay.handshakes >= 2, `the migration's connection and the pool's went over TLS (${relay.handshakes} handshakes)`);
        assert.equal(relay.plaintext, 0, 'no connection in clear');
    });
    it('refuses to start when the certificate is not signed by the CA it trusts', async () => {
        const handshakesBefore = relay.handshakes;
        const log = await refusedStart(urlVia('localhost', { sslmode: 'verify-full', sslrootcert: certificates.otherCa }));
        assert.match(log, /cannot prepare PostgreSQL at localhost:\d+\/test \(schema t_[0-9a-f]+\): .*(self[- ]signed|unable to verify|certificate)/i);
        assert.equal(relay.handshakes, handshakesBefore, 'no handshake completed');
    });
    it('refuses to start when the certificate names another host than the one connected to', async () => {
        const log = await refusedStart(urlVia('127.0.0.1', { sslmode: 'verify-full', sslrootcert: certificates.ca }));
        assert.match(log, /cannot prepare PostgreSQL at 127\.0\.0\.1:\d+\/test .*IP: 127\.0\.0\.1 is not in the cert's list/);
    });
    it('says which file it cannot read when the CA file is missing', async () => {
        const missing = join(certDir, 'no-such-ca.pem');
        const log = await refusedStart(urlVia('localhost', { sslmode: 'verify-full', sslrootcert: missing }));
        assert.match(log, /no such file or directory, open '[^']*no-such-ca\.pem'/);
    });
});
//# sourceMappingURL=postgres-tls.test.js.map