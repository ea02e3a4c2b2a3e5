/**
 * How much item content one GetInventory page carries. MaxResults bounds a page's instances, not
 * its size: an instance may hold ~30 items of up to 200 KB each, so 50 instances could make a
 * response of 300 MB (measured before this bound: 183 MiB answered in 2 s with the server at
 * 861 MiB RSS, and 549 MiB at 1.7 GB with raised type limits, the event loop held meanwhile).
 * A page ends early, with a NextToken, after the instance during which its content reached the
 * budget; it always holds at least one instance. AWS documents that a page may hold fewer
 * results than MaxResults; every SDK and the CLI follow the token.
 */
export const PAGE_CONTENT_BUDGET_CHARS = 16 * 1024 * 1024

/** Counts a page's documents as the store reads them, in instance order. */
export class PageContentBudget {
  private chars = 0
  private current: string | undefined

  constructor(private readonly budgetChars: number) {}

  /** Whether a row of `instanceId` is still read: the rest of the instance being read always, a new instance only under the budget. */
  admits(instanceId: string): boolean {
    return instanceId === this.current || this.chars < this.budgetChars
  }

  /** Characters the budget still has room for (0 or less once reached). */
  get remainingChars(): number {
    return this.budgetChars - this.chars
  }

  /** A document kept on the page. */
  add(instanceId: string, contentChars: number): void {
    this.current = instanceId
    this.chars += contentChars
  }
}

/**
 * The page cut before `firstLeftOut` (the first instance whose rows were not read), if any:
 * the instances before it, and the next page starting after the last of them.
 */
export function cutPage<T extends { instanceId: string }>(instances: T[], next: string | undefined, firstLeftOut: string | undefined): { instances: T[]; next: string | undefined } {
  // Never the first instance: the budget admits it whatever its size.
  const at = firstLeftOut === undefined ? -1 : instances.findIndex((i) => i.instanceId === firstLeftOut)
  if (at <= 0) return { instances, next }
  return { instances: instances.slice(0, at), next: instances[at - 1].instanceId }
}
