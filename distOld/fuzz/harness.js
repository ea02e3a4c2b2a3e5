/**
 * Drives a running server with generated cases and checks every answer:
 * - never a 5xx, and an error `__type` of the operation's model errors or the protocol's;
 * - the stored data seen through the API identical before and after every rejected request;
 * - the server alive (GET /health) throughout, including after slow, aborted, oversized
 *   and garbage connections and valid requests in hostile orders.
 */
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { allowedErrors, generateCase, rng, seeds } from './cases.js';
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
export async function runFuzz(options) {
    const region = `fz-${options.seed}`;
    const authorization = `AWS4-HMAC-SHA256 Credential=123456789012/20260101/${region}/ssm/aws4_request, SignedHeaders=host, Signature=00`;
    const report = { requests: 0, rejected: 0, accepted: 0, byType: {}, findings: [] };
    const log = options.log ?? (() => { });
    const send = (target, body, contentType = 'application/x-amz-json-1.1') => new Promise((resolve, reject) => {
        const headers = { 'content-type': contentType, authorization };
        if (target !== undefined)
            headers['x-amz-target'] = target;
        const req = request(options.url, { method: 'POST', agent, headers }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                let json;
                try {
                    json = JSON.parse(Buffer.concat(chunks).toString());
                }
                catch {
                    json = undefined;
                }
                resolve({ status: res.statusCode ?? 0, type: json?.__type, json });
            });
        });
        req.on('error', reject);
        req.end(body);
    });
    const call = (operation, input) => send(`AmazonSSM.${operation}`, JSON.stringify(input));
    // What a user can see of the partition; deletion progress moves on its own, so only what a deletion was.
    const snapshot = async () => {
        const parts = [];
        let token;
        do {
            const page = await call('GetInventorySchema', { MaxResults: 200, ...(token ? { NextToken: token } : {}) });
            parts.push(page.json?.Schemas);
            token = page.json?.NextToken;
        } while (token);
        do {
            const page = await call('GetInventory', { MaxResults: 50, ...(token ? { NextToken: token } : {}) });
            parts.push(page.json?.Entities);
            token = page.json?.NextToken;
        } while (token);
        do {
            const page = await call('DescribeInventoryDeletions', { MaxResults: 50, ...(token ? { NextToken: token } : {}) });
            parts.push((page.json?.InventoryDeletions ?? []).map((d) => [d.DeletionId, d.TypeName, d.DeletionStartTime, d.DeletionSummary?.TotalCount]));
            token = page.json?.NextToken;
        } while (token);
        return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
    };
    const alive = async (when) => {
        const response = await fetch(`${options.url}/health`).catch(() => undefined);
        if (response?.status !== 200)
            report.findings.push({ description: when, problem: `GET /health answered ${response?.status ?? 'nothing'}` });
    };
    // A partition with data, a deletion and a NextToken for the seeds to refer to.
    const instanceId = 'i-0f0f0f0f0f0f0f0f0';
    const typeName = 'Custom:Fuzz';
    const content = Array.from({ length: 30 }, (_, i) => ({ Name: `n${i}`, Version: String(i) }));
    for (const id of [instanceId, 'i-0e0e0e0e0e0e0e0e0', 'i-01234567']) {
        await call('PutInventory', { InstanceId: id, Items: [{ TypeName: typeName, SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z', Content: content }] });
    }
    await call('PutInventory', { InstanceId: instanceId, Items: [{ TypeName: 'Custom:FuzzGone', SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z', Content: content }] });
    const deletion = await call('DeleteInventory', { TypeName: 'Custom:FuzzGone' });
    const listed = await call('ListInventoryEntries', { InstanceId: instanceId, TypeName: typeName, MaxResults: 5 });
    const seedRequests = seeds({ instanceId, typeName, deletionId: deletion.json?.DeletionId, token: listed.json?.NextToken });
    const check = (testCase, answer) => {
        report.requests++;
        const key = answer.status === 200 ? '200' : `${answer.status} ${answer.type}`;
        report.byType[key] = (report.byType[key] ?? 0) + 1;
        if (answer.status >= 500) {
            report.findings.push({ description: `${testCase.operation}: ${testCase.description}`, problem: `HTTP ${answer.status} ${JSON.stringify(answer.json)?.slice(0, 300)}` });
            return false;
        }
        if (answer.status !== 200 && !allowedErrors(testCase.operation).has(answer.type ?? '')) {
            report.findings.push({ description: `${testCase.operation}: ${testCase.description}`, problem: `unexpected error ${answer.status} ${answer.type}: ${answer.json?.message}` });
        }
        return answer.status === 200;
    };
    const random = rng(options.seed);
    let reported = 0;
    let before = await snapshot();
    for (let i = 0; i < options.count; i++) {
        const testCase = generateCase(random, seedRequests);
        let answer;
        try {
            answer = await send(testCase.target ?? `AmazonSSM.${testCase.operation}`, testCase.body, testCase.contentType);
        }
        catch (error) {
            report.findings.push({ description: `${testCase.operation}: ${testCase.description}`, problem: `no answer: ${error.message}` });
            await alive(testCase.description);
            continue;
        }
        const accepted = check(testCase, answer);
        if (accepted) {
            report.accepted++;
            if (testCase.operation === 'PutInventory' || testCase.operation === 'DeleteInventory')
                before = await snapshot();
            continue;
        }
        report.rejected++;
        const after = await snapshot();
        if (after !== before) {
            report.findings.push({ description: `${testCase.operation}: ${testCase.description}`, problem: `a rejected request (${answer.type}) changed the stored data` });
            before = after;
        }
        if (i % 200 === 0) {
            await alive(`after case ${i}`);
            log(`  ${i}/${options.count} cases, ${report.findings.length} findings`);
        }
        while (reported < report.findings.length) {
            const finding = report.findings[reported++];
            log(`  finding: ${finding.description}: ${finding.problem}`);
        }
    }
    await transportCases(options, report, log);
    await alive('after the transport cases');
    if ((await snapshot()) !== before)
        report.findings.push({ description: 'transport cases', problem: 'slow, aborted or oversized requests changed the stored data' });
    await hostileOrders(call, report);
    await alive('after the hostile orders');
    agent.destroy();
    return report;
}
/** Raw sockets: a slow client, aborted bodies, an oversized body, garbage instead of HTTP. */
async function transportCases(options, report, log) {
    const { hostname, port } = new URL(options.url);
    const exchange = (bytes, opts = {}) => new Promise((resolve) => {
        const socket = connect(Number(port), hostname);
        let data = '';
        socket.on('data', (c) => (data += c.toString()));
        socket.on('error', () => resolve(data));
        socket.on('close', () => resolve(data));
        socket.write(bytes);
        if (opts.abortAfterMs !== undefined)
            setTimeout(() => socket.destroy(), opts.abortAfterMs);
        else
            setTimeout(() => socket.end(), opts.holdMs ?? 0);
    });
    const head = (length) => `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.PutInventory\r\nContent-Length: ${length}\r\n\r\n`;
    const statusOf = (raw) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
    const expect = (description, raw, allowed) => {
        report.requests++;
        const status = statusOf(raw);
        if (!allowed.includes(status))
            report.findings.push({ description, problem: `answered ${status || 'nothing'}; expected ${allowed.join(' or ')}` });
    };
    // A client that stops sending: 408 (or the connection closed) once the request timeout passes.
    expect('slow client', await exchange(`${head(1000)}{"InstanceId":`, { holdMs: options.requestTimeoutMs + 1500 }), [408, 0]);
    // Clients that vanish mid-body, many at once: nothing to answer, nothing to break.
    await Promise.all(Array.from({ length: 25 }, (_, i) => exchange(`${head(5000)}{"InstanceId":"i-0123456${i % 10}"`, { abortAfterMs: 20 })));
    report.requests += 25;
    // A declared length over the limit, and a chunked body that grows over it.
    expect('oversized body', await exchange(head(options.maxBodyBytes + 1) + 'x'.repeat(1024), { holdMs: 300 }), [413]);
    const chunked = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.PutInventory\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = 'x'.repeat(64 * 1024);
    let big = chunked;
    for (let sent = 0; sent <= options.maxBodyBytes; sent += chunk.length)
        big += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    expect('oversized chunked body', await exchange(`${big}0\r\n\r\n`, { holdMs: 500 }), [413, 0]);
    // Not HTTP at all.
    expect('garbage instead of HTTP', await exchange(Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n'), { holdMs: 200 }), [400, 0]);
    log(`  transport cases done`);
}
/** Valid requests in orders that race: puts during deletions, deletions racing each other. */
async function hostileOrders(call, report) {
    const typeName = 'Custom:FuzzRace';
    const put = (n, value) => call('PutInventory', {
        InstanceId: `i-${n.toString(16).padStart(17, '0')}`,
        Items: [{ TypeName: typeName, SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z', Content: [{ Name: value }] }],
    });
    for (let n = 1; n <= 40; n++)
        await put(n, 'before');
    const token = '9b2f3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d';
    const answers = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => put(i + 1, 'during')),
        call('DeleteInventory', { TypeName: typeName, ClientToken: token }),
        call('DeleteInventory', { TypeName: typeName, ClientToken: token }),
        call('DeleteInventory', { TypeName: typeName, SchemaDeleteOption: 'DisableSchema' }),
        call('DeleteInventory', { TypeName: typeName, SchemaDeleteOption: 'DeleteSchema' }),
        call('DescribeInventoryDeletions', {}),
    ]);
    for (const answer of answers) {
        report.requests++;
        if (answer.status >= 500)
            report.findings.push({ description: 'hostile orders', problem: `HTTP ${answer.status} ${answer.type}` });
    }
    const deletionIds = answers.filter((a) => a.json?.DeletionId).map((a) => a.json.DeletionId);
    const deadline = Date.now() + 20_000;
    for (const id of new Set(deletionIds)) {
        for (;;) {
            const described = await call('DescribeInventoryDeletions', { DeletionId: id });
            const deletion = described.json?.InventoryDeletions?.[0];
            if (deletion?.LastStatus === 'Complete') {
                const summary = deletion.DeletionSummary;
                const versionsLeft = (summary.SummaryItems ?? []).reduce((sum, v) => sum + v.RemainingCount, 0);
                if (summary.RemainingCount !== 0 || versionsLeft !== 0)
                    report.findings.push({ description: 'hostile orders', problem: `deletion ${id} Complete with remaining counts ${summary.RemainingCount}/${versionsLeft}` });
                break;
            }
            if (Date.now() > deadline) {
                report.findings.push({ description: 'hostile orders', problem: `deletion ${id} not Complete after 20 s` });
                break;
            }
            await new Promise((r) => setTimeout(r, 50));
        }
    }
    // Whatever the interleaving, a put after every deletion started is kept.
    const after = await put(1, 'after');
    if (after.status === 200) {
        const entries = await call('ListInventoryEntries', { InstanceId: `i-${(1).toString(16).padStart(17, '0')}`, TypeName: typeName });
        if (JSON.stringify(entries.json?.Entries) !== JSON.stringify([{ Name: 'after' }])) {
            report.findings.push({ description: 'hostile orders', problem: `a put after the deletions is not readable as written: ${JSON.stringify(entries.json)}` });
        }
    }
    else if (after.status >= 500 || !['UnsupportedInventorySchemaVersionException'].includes(after.type ?? '')) {
        report.findings.push({ description: 'hostile orders', problem: `a put after the deletions answered ${after.status} ${after.type}` });
    }
}
//# sourceMappingURL=harness.js.map