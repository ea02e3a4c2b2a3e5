/**
 * Bounds the GetInventory answers a server holds at once. One page is bounded by its content
 * (at most 16 Mi characters, store/page-budget.ts), but each answer lives from the start of its
 * page's read until the client has taken the last of it, and many clients paging large
 * inventory at once multiplied it (measured: 20 clients paging 17 MB pages took the server to
 * ~600 MiB RSS on either store).
 *
 * A page reserves its content budget before it is read: what is left of the capacity, at most
 * the 16 Mi of a page alone, at least 1 Mi so that every page still makes progress. Once its
 * answer is serialised the reservation becomes the answer's size (larger than the budget when
 * the last instance went past it), given back when the last of the answer has been handed to
 * the kernel (or the connection closed). Pages asked while the capacity is taken end sooner,
 * with a NextToken: AWS documents that a page may hold fewer results than MaxResults, and
 * every SDK and the CLI follow the token. Nobody waits.
 */
import { Reservation } from './body-budget.js'

/** The smallest content budget a page is given, however much is held. */
export const MIN_PAGE_CONTENT_CHARS = 1024 * 1024

export class AnswerBudget {
  private held = 0

  constructor(
    /** Characters of answers held at once, beyond which pages are given the minimum. */
    private readonly capacityChars: number,
    /** The budget of a page read alone. */
    private readonly maxPageChars: number,
  ) {}

  /** Characters of content reserved by pages being read, or of their answers not yet sent. */
  get heldChars(): number {
    return this.held
  }

  /** A page's content budget, held until released; `bytes` is the budget given. */
  reserve(): Reservation {
    const chars = Math.min(this.maxPageChars, Math.max(MIN_PAGE_CONTENT_CHARS, this.capacityChars - this.held))
    this.held += chars
    return new Reservation(this, chars)
  }

  /** Holds an answer of `chars` until released (the reservation its page read with given back before). */
  hold(chars: number): Reservation {
    this.held += chars
    return new Reservation(this, chars)
  }

  giveBack(chars: number): void {
    this.held -= chars
  }
}
