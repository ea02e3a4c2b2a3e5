/**
 * Where the console sends its calls and with which credentials. The console talks to the
 * same public API as every other client, signed with SigV4 by the AWS SDK, so a server with
 * a credentials file needs a key here; an open server accepts any key.
 */
import { SSMClient } from '@aws-sdk/client-ssm'

export interface Connection {
  region: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
}

const STORAGE_KEY = 'ssm-inventory.connection'

/** An open server accepts any key: these let the console work with nothing typed in. */
export const DEFAULT_CONNECTION: Connection = { region: 'us-east-1', accessKeyId: 'console', secretAccessKey: 'console', sessionToken: '' }

export function loadConnection(): Connection {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Connection> | null
    return { ...DEFAULT_CONNECTION, ...(stored ?? {}) }
  } catch {
    return { ...DEFAULT_CONNECTION }
  }
}

export function saveConnection(connection: Connection): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(connection))
}

export function createClient(connection: Connection): SSMClient {
  return new SSMClient({
    endpoint: window.location.origin,
    region: connection.region,
    credentials: {
      accessKeyId: connection.accessKeyId,
      secretAccessKey: connection.secretAccessKey,
      sessionToken: connection.sessionToken || undefined,
    },
    maxAttempts: 2,
  })
}

/** Errors whose cure is a different key or region, not a retry. */
export const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'AccessDeniedException',
])
