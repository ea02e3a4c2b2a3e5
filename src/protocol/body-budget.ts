/**
 * Bounds the request bodies a server holds at once, so that many clients uploading large
 * PutInventory calls together cannot take it out of memory (measured before this existed: 256
 * clients each sending ~1 MiB at once took the server to 716 MiB RSS, 64 sending 7 MiB to 861).
 *
 * A call reserves its body's size (the declared Content-Length, or the largest body accepted
 * when it is sent in chunks, cut to its real size once read) before its body is read, and
 * holds it until it is answered: the parsed request, several times the body, lives that long.
 * A reservation that does not fit waits in line, its body left unread in the socket (TCP
 * holds the client back); in first-come order, so that large bodies are not overtaken forever.
 * Small bodies never wait (they are counted, so they delay large ones): a burst of uploads must
 * not stall the small calls that read and report. A call that waits longer than `maxWaitMs`
 * is refused with ThrottlingException, which the SDKs and the CLI retry with back-off.
 */
import { RequestTimeoutException, ServiceUnavailableException, ThrottlingException } from './errors.js'

/** Bodies up to this size are admitted at once, whatever is held. */
export const SMALL_BODY_BYTES = 64 * 1024

export interface BodyBudgetOptions {
  /** Bytes of request bodies held at once; one body larger than this is admitted alone. */
  capacityBytes: number
  /** Longest a call waits for room before it is refused with ThrottlingException. */
  maxWaitMs: number
}

interface Waiter {
  bytes: number
  admit(): void
  refuse(error: Error): void
}

export class BodyBudget {
  private held = 0
  private readonly line: Waiter[] = []
  private refusing: Error | undefined

  constructor(private readonly options: BodyBudgetOptions) {}

  /** Bytes reserved by calls being read or handled. */
  get heldBytes(): number {
    return this.held
  }

  /** Calls waiting for room, their bodies unread. */
  get waitingCalls(): number {
    return this.line.length
  }

  /** A reservation of `bytes` if it fits (or is small) and nobody waits before it; undefined otherwise. */
  tryReserve(bytes: number): Reservation | undefined {
    return this.fits(bytes) && (this.line.length === 0 || bytes <= SMALL_BODY_BYTES) ? this.take(bytes) : undefined
  }

  /** A reservation of `bytes` once it fits, in first-come order. `gone` ends the wait when the client goes away. */
  wait(bytes: number, gone: AbortSignal): Promise<Reservation> {
    if (this.refusing) return Promise.reject(this.refusing)
    if (gone.aborted) return Promise.reject(clientLeft())
    return new Promise<Reservation>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer)
        gone.removeEventListener('abort', onGone)
        const index = this.line.indexOf(waiter)
        if (index >= 0) this.line.splice(index, 1)
      }
      const waiter: Waiter = {
        bytes,
        admit: () => {
          settle()
          resolve(this.take(bytes))
        },
        refuse: (error) => {
          settle()
          reject(error)
          // Those behind it may fit now that it leaves the line.
          this.admitWaiting()
        },
      }
      const timer = setTimeout(() => waiter.refuse(new ThrottlingException(
        `Rate exceeded: the server holds ${mib(this.held)} MiB of request bodies being read or handled (at most `
        + `${mib(this.options.capacityBytes)} MiB, --max-inflight-body-bytes), and this call waited ${this.options.maxWaitMs / 1000} s `
        + `for room for its ${mib(bytes)} MiB. Retry later.`,
      )), this.options.maxWaitMs)
      const onGone = () => waiter.refuse(clientLeft())
      gone.addEventListener('abort', onGone, { once: true })
      this.line.push(waiter)
    })
  }

  /** While the server drains: waiting calls are refused (503, retry elsewhere) and so are those that would wait. */
  refuseAll(): void {
    this.refusing = new ServiceUnavailableException('The server is shutting down; retry on another node or later.')
    // Out of line first, so that none is let in as those before it leave.
    for (const waiter of this.line.splice(0)) waiter.refuse(this.refusing)
  }

  private fits(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.options.capacityBytes || bytes <= SMALL_BODY_BYTES
  }

  private take(bytes: number): Reservation {
    this.held += bytes
    return new Reservation(this, bytes)
  }

  /** Gives back `bytes` of a reservation and lets in whoever now fits. */
  giveBack(bytes: number): void {
    this.held -= bytes
    if (this.line.length > 0) this.admitWaiting()
  }

  private admitWaiting(): void {
    while (this.line.length > 0 && this.fits(this.line[0].bytes)) this.line[0].admit()
  }
}

/** Room held for one call (its body, or its answer) until `release()`. */
export class Reservation {
  constructor(
    private readonly budget: { giveBack(bytes: number): void },
    private held: number,
  ) {}

  get bytes(): number {
    return this.held
  }

  /** Gives back what is not used (a chunked body, reserved at the largest size). */
  shrinkTo(size: number): void {
    if (size >= this.held) return
    this.budget.giveBack(this.held - size)
    this.held = size
  }

  release(): void {
    this.shrinkTo(0)
  }
}

function clientLeft(): RequestTimeoutException {
  return new RequestTimeoutException('The client closed the connection while its call waited for room for its body.')
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1)
}
