/**
 * Server configuration from command-line flags and environment variables (flags win).
 * `ssm-inventory serve --help` prints this table; the README documents it.
 */
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { defaultLimits, type InventoryLimits } from './inventory/deps.js'
import { isLogLevel, type LogLevel } from './log.js'

export interface ServerConfig {
  host: string
  port: number
  dataDir: string
  logLevel: LogLevel
  maxBodyBytes: number
  maxInflightBodyBytes: number
  maxInflightAnswerBytes: number
  requestTimeoutMs: number
  keepAliveTimeoutMs: number
  decodeThreads: number
  /** SQLite: threads that run GetInventory's fleet-wide queries on connections of their own. */
  queryThreads: number
  /** PostgreSQL instead of the embedded SQLite file (postgres://user@host:port/db?schema=name). */
  databaseUrl: string | undefined
  /** PostgreSQL: how long a call waits for a connection, and for a query's answer, before it fails. */
  databaseConnectTimeoutMs: number
  databaseQueryTimeoutMs: number
  /** PostgreSQL: connections this node opens at most. */
  databasePoolSize: number
  /** JSON list of the access keys whose signatures are verified; none: any request is accepted. */
  credentialsFile: string | undefined
  /** Serve beyond loopback without a credentials file. */
  insecureNoAuth: boolean
  limits: InventoryLimits
  deletion: {
    batchSize: number
    /** With an automatic batch size on PostgreSQL: the duration each batch is sized for. */
    batchTargetMs: number
    leaseMs: number
    pollMs: number
    pauseMs: number
    retentionMs: number
  }
}

interface Setting {
  flag: string
  env: string
  default: string
  help: string
  /** A flag without a value (`--insecure-no-auth`); its variable takes true/false. */
  boolean?: true
  apply(config: ServerConfig, value: string): void
}

function boolean(name: string, value: string): boolean {
  if (['true', '1', 'yes'].includes(value)) return true
  if (['false', '0', 'no', ''].includes(value)) return false
  throw new ConfigError(`${name} must be true or false; got '${value}'`)
}

function integer(name: string, value: string, min: number): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number of at least ${min}; got '${value}'`)
  return n
}

export class ConfigError extends Error {}

/** A PostgreSQL URL, checked at start rather than by its first use; the messages never repeat it (it may hold a password). */
function databaseUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(
      'database-url is not a URL: write postgres://user:password@host:5432/database?schema=name ' +
        '(for a Unix socket, postgres:///database?host=/path/to/socket/directory&user=name)',
    )
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`database-url must be a postgres:// or postgresql:// URL; got one for '${url.protocol.slice(0, -1)}'`)
  }
  return value
}

/** Resolved by the server once it knows its store. */
export const AUTO_BATCH_SIZE = 0

const DEFAULT_DECODE_THREADS = Math.min(4, Math.max(0, availableParallelism() - 1))

export const settings: Setting[] = [
  { flag: 'host', env: 'SSM_INVENTORY_HOST', default: '127.0.0.1', help: 'address to bind', apply: (c, v) => (c.host = v) },
  { flag: 'port', env: 'SSM_INVENTORY_PORT', default: '4583', help: 'port to listen on (0 picks a free one)', apply: (c, v) => (c.port = integer('port', v, 0)) },
  {
    flag: 'credentials-file', env: 'SSM_INVENTORY_CREDENTIALS_FILE', default: '',
    help: 'JSON list of access keys [{"accessKeyId","secretAccessKey","accountId","readOnly","sessionToken","expiration"}] (the last three optional); when set, every request must be signed (SigV4) by one of them',
    apply: (c, v) => (c.credentialsFile = v === '' ? undefined : v),
  },
  {
    flag: 'insecure-no-auth', env: 'SSM_INVENTORY_INSECURE_NO_AUTH', default: 'false', boolean: true,
    help: 'allow a --host other than loopback without --credentials-file (anyone who can connect can read and delete everything)',
    apply: (c, v) => (c.insecureNoAuth = boolean('insecure-no-auth', v)),
  },
  {
    flag: 'database-url', env: 'DATABASE_URL', default: '',
    help: 'PostgreSQL to store into instead of SQLite, e.g. postgres://user@host:5432/db (?schema=name, default ssm_inventory); several servers may share it',
    apply: (c, v) => (c.databaseUrl = v === '' ? undefined : databaseUrl(v)),
  },
  {
    flag: 'database-connect-timeout-ms', env: 'SSM_INVENTORY_DATABASE_CONNECT_TIMEOUT_MS', default: '10000',
    help: 'PostgreSQL: how long a call waits for a connection (a new one, or a free one of the pool) before it fails with InternalServerError',
    apply: (c, v) => (c.databaseConnectTimeoutMs = integer('database-connect-timeout-ms', v, 1)),
  },
  {
    flag: 'database-query-timeout-ms', env: 'SSM_INVENTORY_DATABASE_QUERY_TIMEOUT_MS', default: '60000',
    help: 'how long a query may run or go unanswered before its call fails: on PostgreSQL every query (its connection is then closed, so a database behind a network partition never hangs a call; migrations at start are exempt), on SQLite the GetInventory queries of the query threads (the thread is stopped with it)',
    apply: (c, v) => (c.databaseQueryTimeoutMs = integer('database-query-timeout-ms', v, 1)),
  },
  {
    flag: 'database-pool-size', env: 'SSM_INVENTORY_DATABASE_POOL_SIZE', default: '10',
    help: 'PostgreSQL: connections this node opens at most (nodes x this must stay below the database\'s max_connections); calls beyond it wait for a free one; reports (GetInventory with filters, aggregators or groups) take at most half of them',
    apply: (c, v) => (c.databasePoolSize = integer('database-pool-size', v, 1)),
  },
  { flag: 'data-dir', env: 'SSM_INVENTORY_DATA_DIR', default: './data', help: 'directory of the SQLite database', apply: (c, v) => (c.dataDir = v) },
  {
    flag: 'log-level', env: 'SSM_INVENTORY_LOG_LEVEL', default: 'info', help: 'debug, info, warn, error or silent',
    apply: (c, v) => {
      if (!isLogLevel(v)) throw new ConfigError(`log-level must be debug, info, warn, error or silent; got '${v}'`)
      c.logLevel = v
    },
  },
  { flag: 'max-body-bytes', env: 'SSM_INVENTORY_MAX_BODY_BYTES', default: String(8 * 1024 * 1024), help: 'largest request body accepted (413 above)', apply: (c, v) => (c.maxBodyBytes = integer('max-body-bytes', v, 1024)) },
  {
    flag: 'max-inflight-body-bytes', env: 'SSM_INVENTORY_MAX_INFLIGHT_BODY_BYTES', default: String(32 * 1024 * 1024),
    help: 'request bodies held at once, being read or handled; larger calls beyond it wait their turn (up to half the request timeout, then ThrottlingException); bodies of 64 KiB or less never wait',
    apply: (c, v) => (c.maxInflightBodyBytes = integer('max-inflight-body-bytes', v, 1024)),
  },
  {
    flag: 'max-inflight-answer-bytes', env: 'SSM_INVENTORY_MAX_INFLIGHT_ANSWER_BYTES', default: String(64 * 1024 * 1024),
    help: 'GetInventory answers held at once, being read or sent (content characters, about bytes); while they reach it, further pages end sooner (at least 1 MiB of content each, at most 16 MiB alone) with a NextToken',
    apply: (c, v) => (c.maxInflightAnswerBytes = integer('max-inflight-answer-bytes', v, 1024)),
  },
  { flag: 'request-timeout-ms', env: 'SSM_INVENTORY_REQUEST_TIMEOUT_MS', default: '30000', help: 'time a client has to send a whole request (408 after); also how long it may take none of its answer before its connection is closed', apply: (c, v) => (c.requestTimeoutMs = integer('request-timeout-ms', v, 100)) },
  {
    flag: 'keep-alive-timeout-ms', env: 'SSM_INVENTORY_KEEP_ALIVE_TIMEOUT_MS', default: '5000',
    help: 'how long an idle connection is kept open for the client\'s next request; behind a load balancer that reuses its connections to the nodes, set it above the balancer\'s idle timeout (e.g. 65000 for an ALB\'s 60 s)',
    apply: (c, v) => (c.keepAliveTimeoutMs = integer('keep-alive-timeout-ms', v, 100)),
  },
  {
    flag: 'decode-threads', env: 'SSM_INVENTORY_DECODE_THREADS', default: String(DEFAULT_DECODE_THREADS),
    help: 'worker threads that parse and validate large request bodies (0: all on the main thread; default: cores - 1, at most 4)',
    apply: (c, v) => (c.decodeThreads = integer('decode-threads', v, 0)),
  },
  {
    flag: 'query-threads', env: 'SSM_INVENTORY_QUERY_THREADS', default: '1',
    help: 'SQLite: worker threads, each with its own connection, that run GetInventory queries which may scan the fleet (filters, aggregators, groups) while the server goes on answering (0: on the main thread, which waits for them)',
    apply: (c, v) => (c.queryThreads = integer('query-threads', v, 0)),
  },
  { flag: 'max-custom-types', env: 'SSM_INVENTORY_MAX_CUSTOM_TYPES', default: String(defaultLimits.maxCustomTypes), help: 'custom inventory types per account and region', apply: (c, v) => (c.limits.maxCustomTypes = integer('max-custom-types', v, 1)) },
  { flag: 'max-item-bytes', env: 'SSM_INVENTORY_MAX_ITEM_BYTES', default: String(defaultLimits.maxItemSizeBytes), help: 'size of one item (ItemSizeLimitExceededException above)', apply: (c, v) => (c.limits.maxItemSizeBytes = integer('max-item-bytes', v, 1)) },
  { flag: 'max-request-items-bytes', env: 'SSM_INVENTORY_MAX_REQUEST_ITEMS_BYTES', default: String(defaultLimits.maxTotalSizeBytes), help: 'size of all items of one PutInventory (TotalSizeLimitExceededException above)', apply: (c, v) => (c.limits.maxTotalSizeBytes = integer('max-request-items-bytes', v, 1)) },
  { flag: 'max-sub-types', env: 'SSM_INVENTORY_MAX_SUB_TYPES', default: String(defaultLimits.maxSubTypesPerType), help: 'sub-types per type (SubTypeCountLimitExceededException above)', apply: (c, v) => (c.limits.maxSubTypesPerType = integer('max-sub-types', v, 1)) },
  {
    flag: 'deletion-batch-size', env: 'SSM_INVENTORY_DELETION_BATCH_SIZE', default: 'auto',
    help: 'items deleted per transaction; auto: 200 on SQLite (a batch holds the only writer), on PostgreSQL 1000 first, then sized to take --deletion-batch-target-ms',
    apply: (c, v) => (c.deletion.batchSize = v === 'auto' ? AUTO_BATCH_SIZE : integer('deletion-batch-size', v, 1)),
  },
  {
    flag: 'deletion-batch-target-ms', env: 'SSM_INVENTORY_DELETION_BATCH_TARGET_MS', default: '50',
    help: 'PostgreSQL, automatic batch size: how long a batch should take (its rows stay locked meanwhile); 100 to 20000 items',
    apply: (c, v) => (c.deletion.batchTargetMs = integer('deletion-batch-target-ms', v, 1)),
  },
  { flag: 'deletion-pause-ms', env: 'SSM_INVENTORY_DELETION_PAUSE_MS', default: '0', help: 'pause between deletion batches (0: just yield to pending requests)', apply: (c, v) => (c.deletion.pauseMs = integer('deletion-pause-ms', v, 0)) },
  { flag: 'deletion-lease-ms', env: 'SSM_INVENTORY_DELETION_LEASE_MS', default: '30000', help: 'lease of a deletion job; another node takes over a job this long after its last batch', apply: (c, v) => (c.deletion.leaseMs = integer('deletion-lease-ms', v, 100)) },
  { flag: 'deletion-poll-ms', env: 'SSM_INVENTORY_DELETION_POLL_MS', default: '2000', help: 'how often an idle worker looks for unclaimed deletions', apply: (c, v) => (c.deletion.pollMs = integer('deletion-poll-ms', v, 10)) },
  { flag: 'deletion-retention-days', env: 'SSM_INVENTORY_DELETION_RETENTION_DAYS', default: '30', help: 'days a Complete deletion stays visible to DescribeInventoryDeletions', apply: (c, v) => (c.deletion.retentionMs = integer('deletion-retention-days', v, 0) * 86_400_000) },
]

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const options = Object.fromEntries(settings.map((s) => [s.flag, { type: s.boolean ? 'boolean' as const : 'string' as const }]))
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
  const config: ServerConfig = {
    host: '', port: 0, dataDir: '', logLevel: 'info', maxBodyBytes: 0, maxInflightBodyBytes: 0, maxInflightAnswerBytes: 0, requestTimeoutMs: 0, keepAliveTimeoutMs: 0, decodeThreads: 0, queryThreads: 0,
    credentialsFile: undefined, insecureNoAuth: false, databaseUrl: undefined, databaseConnectTimeoutMs: 0, databaseQueryTimeoutMs: 0, databasePoolSize: 0,
    limits: { ...defaultLimits },
    deletion: { batchSize: 0, batchTargetMs: 0, leaseMs: 0, pollMs: 0, pauseMs: 0, retentionMs: 0 },
  }
  for (const setting of settings) {
    const flag = values[setting.flag]
    setting.apply(config, flag === undefined ? env[setting.env] ?? setting.default : String(flag))
  }
  if (!isLoopback(config.host) && config.credentialsFile === undefined && !config.insecureNoAuth) {
    throw new ConfigError(
      `refusing to serve on ${config.host} without authentication: anyone who can reach it could read and delete all inventory. ` +
        'Give --credentials-file FILE (access keys whose SigV4 signatures are then verified; see the README), ' +
        'or pass --insecure-no-auth to accept unauthenticated requests anyway.',
    )
  }
  return config
}

/**
 * The configuration of a command that takes serve's flags (serve, migrate): its usage for
 * --help (exit 0), a ConfigError on stderr (exit 2), else the configuration.
 */
export function commandConfig(command: string, usage: string, argv: string[]): ServerConfig | { exitCode: number } {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`)
    return { exitCode: 0 }
  }
  try {
    return loadConfig(argv, process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`ssm-inventory ${command}: ${error.message}\nRun 'ssm-inventory ${command} --help' for the flags.\n`)
    return { exitCode: 2 }
  }
}

/** Addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

export function configHelp(): string {
  const flagWidth = Math.max(...settings.map((s) => s.flag.length))
  const envWidth = Math.max(...settings.map((s) => s.env.length))
  const rows = settings.map((s) => `  --${s.flag.padEnd(flagWidth)} ${s.env.padEnd(envWidth)} ${s.help}${s.default === '' ? '' : ` (default ${s.default})`}`)
  return ['Flags (and environment variables):', ...rows].join('\n')
}
