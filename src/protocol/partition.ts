/**
 * Which account and region a request belongs to. Every stored record is keyed by both,
 * so one partition never sees another's data.
 *
 * - region: the credential scope of the SigV4 `Authorization` header
 *   (`Credential=AKID/20261122/us-west-2/ssm/aws4_request`), us-east-1 when unsigned;
 * - account: the access key id when it is twelve digits (the convention of local AWS
 *   emulators), otherwise 000000000000.
 */
import type { Partition } from '../store/store.js'

export const DEFAULT_ACCOUNT = '000000000000'
export const DEFAULT_REGION = 'us-east-1'

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/
const REGION = /^[a-z0-9-]{1,64}$/

export interface Credential {
  accessKeyId: string
  date: string
  region: string
  service: string
}

export function parseCredential(authorization: string | undefined): Credential | undefined {
  if (!authorization) return undefined
  const match = CREDENTIAL.exec(authorization)
  if (!match) return undefined
  return { accessKeyId: match[1], date: match[2], region: match[3], service: match[4] }
}

export function partitionOf(authorization: string | undefined): Partition {
  const credential = parseCredential(authorization)
  const account = credential && /^\d{12}$/.test(credential.accessKeyId) ? credential.accessKeyId : DEFAULT_ACCOUNT
  const region = credential && REGION.test(credential.region) ? credential.region : DEFAULT_REGION
  return { account, region }
}
