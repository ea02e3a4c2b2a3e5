/**
 * One SSM operation over plain HTTP, as the crash and consistency harnesses make them: no
 * SDK between the harness and the server, so that a call cut off by a kill shows as such.
 */
import { request, type Agent } from 'node:http'

export interface RawAnswer {
  status: number
  json: any
}

/** A call that did not reach a server (connection refused): nothing happened. One cut off otherwise: anything may have. */
export class NotDelivered extends Error {}
/** A call not answered within its timeout. */
export class NoAnswer extends Error {}

export interface RawCallOptions {
  /** An Authorization header (its credential scope picks the partition where signatures are not verified). */
  authorization?: string
  /** Fail with NoAnswer after this long; none by default. */
  timeoutMs?: number
}

export function callOperation(url: string, agent: Agent, operation: string, input: object, options: RawCallOptions = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${operation}`, ...(options.authorization ? { authorization: options.authorization } : {}) }
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        try {
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined })
        } catch (error) {
          reject(error)
        }
      })
    })
    const { timeoutMs } = options
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new NoAnswer(`${operation} got no answer in ${timeoutMs / 1000} s`)))
    req.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ECONNREFUSED' ? new NotDelivered(error.message) : error))
    req.end(JSON.stringify(input))
  })
}
