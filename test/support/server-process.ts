/**
 * Runs the real server (dist/src/cli/main.js serve) as a child process on a free port
 * with its own temporary data directory, and waits for it to report its URL.
 *
 * With SSM_INVENTORY_TEST_STORE=postgres the same tests run on PostgreSQL: each data
 * directory maps to its own schema (so a restart on the same directory finds its data),
 * dropped when the directory is removed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { fileURLToPath } from 'node:url'
import { dropSchema, schemaUrl } from './postgres.js'

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
/** Schemas being dropped: a file's last hook waits for them, so none outlives its tests. */
const drops = new Set<Promise<void>>()
if (process.env.NODE_TEST_CONTEXT) {
  after(async () => {
    for (const child of children) child.kill('SIGKILL')
    await Promise.all(drops)
  })
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'ssm-inventory-test-'))
}

export const ON_POSTGRES = process.env.SSM_INVENTORY_TEST_STORE === 'postgres'

/** The schema a data directory stands for when the tests run on PostgreSQL. */
export function schemaOf(dataDir: string): string {
  return `t_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  if (ON_POSTGRES) {
    const drop = dropSchema(schemaOf(dir)).catch(() => {})
    drops.add(drop)
    void drop.finally(() => drops.delete(drop))
  }
}

export interface ServerProcessOptions {
  dataDir?: string
  args?: string[]
  env?: Record<string, string>
  /**
   * No file the server writes may grow past this many KiB: writes beyond fail as on a full
   * disk (bash's `ulimit -f`, with SIGXFSZ ignored so that the write fails instead of killing).
   */
  fileSizeLimitKiB?: number
}

export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? tempDataDir()
  const storeArgs = ON_POSTGRES && !(options.args ?? []).includes('--database-url') ? ['--database-url', schemaUrl(schemaOf(dataDir))] : []
  const command = [process.execPath, CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...storeArgs, ...(options.args ?? [])]
  const [file, ...args] = options.fileSizeLimitKiB === undefined
    ? command
    : ['bash', '-c', `ulimit -f ${options.fileSizeLimitKiB} && trap '' XFSZ && exec "$@"`, 'bash', ...command]
  const child = spawn(file, args, {
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
  const listening = new Promise<string>((resolve, reject) => {
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
  let url: string
  try {
    url = await listening
  } catch (error) {
    // A server that did not start leaves no caller to remove the directory made for it.
    if (options.dataDir === undefined) {
      child.kill('SIGKILL')
      await exited
      removeDir(dataDir)
    }
    throw error
  }
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
