/**
 * Runs the real server (dist/src/cli/main.js serve) as a child process on a free port
 * with its own temporary data directory, and waits for it to report its URL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

export interface ServerProcess {
  url: string
  dataDir: string
  child: ChildProcess
  output(): string
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>
}

// A test that fails before stopping its server must not leave the process running, which
// would also keep the test runner waiting: whatever is still running after a file's tests is killed.
const children = new Set<ChildProcess>()
if (process.env.NODE_TEST_CONTEXT) {
  after(() => {
    for (const child of children) child.kill('SIGKILL')
  })
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'ssm-inventory-test-'))
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

export async function startServerProcess(options: { dataDir?: string; args?: string[]; env?: Record<string, string> } = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? tempDataDir()
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  let log = ''
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (chunk: string) => (log += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 15 s:\n${log}`)), 15_000)
    child.stdout!.on('data', (chunk: string) => {
      log += chunk
      const match = /"message":"ssm-inventory listening","url":"([^"]+)"/.exec(log)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before listening:\n${log}`))
    })
  })
  return {
    url,
    dataDir,
    child,
    output: () => log,
    stop: async () => {
      child.kill('SIGTERM')
      return exited
    },
    kill: async () => {
      child.kill('SIGKILL')
      await exited
    },
  }
}
