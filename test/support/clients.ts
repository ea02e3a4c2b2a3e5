/** The three real clients, pointed at a test server: SDK v3, boto3 and the AWS CLI. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { SSMClient } from '@aws-sdk/client-ssm'

export const ACCOUNT = '123456789012'

export interface ClientIdentity {
  accessKeyId?: string
  secretAccessKey?: string
  /** Temporary credentials' token, sent as X-Amz-Security-Token. */
  sessionToken?: string
  region?: string
}

export function sdkClient(url: string, options: ClientIdentity = {}): SSMClient {
  return new SSMClient({
    endpoint: url,
    region: options.region ?? 'us-west-2',
    credentials: { accessKeyId: options.accessKeyId ?? ACCOUNT, secretAccessKey: options.secretAccessKey ?? 'secret', sessionToken: options.sessionToken },
    maxAttempts: 1,
  })
}

const BOTO3_RUNNER = fileURLToPath(new URL('../../../test/support/boto3_runner.py', import.meta.url))

export interface Boto3Call {
  op: string
  params?: Record<string, unknown>
  /** Run the operation's paginator and collect every page. */
  paginate?: boolean
}

export type Boto3Result = { ok: true; result: any } | { ok: false; code: string; message: string; status: number }

/** Runs calls through boto3 in one Python process; each call's result or error comes back. */
export function boto3(url: string, calls: Boto3Call[], options: ClientIdentity = {}): Promise<Boto3Result[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', [BOTO3_RUNNER, url, options.region ?? 'us-west-2', options.accessKeyId ?? ACCOUNT, options.secretAccessKey ?? 'secret', ...(options.sessionToken ? [options.sessionToken] : [])], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`boto3 runner failed: ${stderr || error.message}`))
      else resolve(JSON.parse(stdout))
    })
    child.stdin!.end(JSON.stringify(calls))
  })
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  json?: any
}

/** Runs `aws ssm ...` (python3 -m awscli) against the server. */
export function awsCli(url: string, args: string[], options: ClientIdentity = {}): Promise<CliResult> {
  // Only the identity given here: a session token in this process's environment is not passed on.
  const { AWS_SESSION_TOKEN: _token, AWS_SECURITY_TOKEN: _legacy, ...inherited } = process.env
  return new Promise((resolve) => {
    execFile(
      'python3',
      ['-m', 'awscli', 'ssm', ...args, '--endpoint-url', url, '--output', 'json', '--cli-read-timeout', '30'],
      {
        env: {
          ...inherited,
          ...(options.sessionToken && { AWS_SESSION_TOKEN: options.sessionToken }),
          AWS_ACCESS_KEY_ID: options.accessKeyId ?? ACCOUNT,
          AWS_SECRET_ACCESS_KEY: options.secretAccessKey ?? 'secret',
          AWS_DEFAULT_REGION: options.region ?? 'us-west-2',
          AWS_MAX_ATTEMPTS: '1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        let json
        try {
          json = stdout.trim() ? JSON.parse(stdout) : undefined
        } catch {
          json = undefined
        }
        resolve({ code, stdout, stderr, json })
      },
    )
  })
}

/**
 * Raw AWS JSON 1.1 call over fetch, for what the SDKs will not send. A server that does not
 * answer within `timeoutMs` fails the call (and so the test) instead of holding it.
 */
export async function rawCall(url: string, target: string, body: string | Buffer | object, headers: Record<string, string> = {}, timeoutMs = 30_000) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...headers },
    body: typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  })
  const text = await response.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

export function instanceId(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`
}
