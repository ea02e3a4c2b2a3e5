/** The three real clients, pointed at a test server: SDK v3, boto3 and the AWS CLI. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SSMClient } from '@aws-sdk/client-ssm';
export const ACCOUNT = '123456789012';
export function sdkClient(url, options = {}) {
    return new SSMClient({
        endpoint: url,
        region: options.region ?? 'us-west-2',
        credentials: { accessKeyId: options.accessKeyId ?? ACCOUNT, secretAccessKey: options.secretAccessKey ?? 'secret' },
        maxAttempts: 1,
    });
}
const BOTO3_RUNNER = fileURLToPath(new URL('../../../test/support/boto3_runner.py', import.meta.url));
/** Runs calls through boto3 in one Python process; each call's result or error comes back. */
export function boto3(url, calls, options = {}) {
    return new Promise((resolve, reject) => {
        const child = execFile('python3', [BOTO3_RUNNER, url, options.region ?? 'us-west-2', options.accessKeyId ?? ACCOUNT, options.secretAccessKey ?? 'secret'], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error)
                reject(new Error(`boto3 runner failed: ${stderr || error.message}`));
            else
                resolve(JSON.parse(stdout));
        });
        child.stdin.end(JSON.stringify(calls));
    });
}
/** Runs `aws ssm ...` (python3 -m awscli) against the server. */
export function awsCli(url, args, options = {}) {
    return new Promise((resolve) => {
        execFile('python3', ['-m', 'awscli', 'ssm', ...args, '--endpoint-url', url, '--output', 'json', '--cli-read-timeout', '30'], {
            env: {
                ...process.env,
                AWS_ACCESS_KEY_ID: options.accessKeyId ?? ACCOUNT,
                AWS_SECRET_ACCESS_KEY: options.secretAccessKey ?? 'secret',
                AWS_DEFAULT_REGION: options.region ?? 'us-west-2',
                AWS_MAX_ATTEMPTS: '1',
                AWS_CONFIG_FILE: '/dev/null',
                AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            },
            maxBuffer: 64 * 1024 * 1024,
        }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            let json;
            try {
                json = stdout.trim() ? JSON.parse(stdout) : undefined;
            }
            catch {
                json = undefined;
            }
            resolve({ code, stdout, stderr, json });
        });
    });
}
/**
 * Raw AWS JSON 1.1 call over fetch, for what the SDKs will not send. A server that does not
 * answer within `timeoutMs` fails the call (and so the test) instead of holding it.
 */
export async function rawCall(url, target, body, headers = {}, timeoutMs = 30_000) {
    const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...headers },
        body: typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let json;
    try {
        json = JSON.parse(text);
    }
    catch {
        json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
}
export function instanceId(n) {
    return `i-${n.toString(16).padStart(17, '0')}`;
}
//# sourceMappingURL=clients.js.map