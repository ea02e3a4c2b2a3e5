export function toSummary(versions) {
    const SummaryItems = versions.map((v) => ({ Version: v.Version, Count: v.Count, RemainingCount: v.RemainingCount }));
    return {
        TotalCount: SummaryItems.reduce((sum, v) => sum + v.Count, 0),
        RemainingCount: SummaryItems.reduce((sum, v) => sum + v.RemainingCount, 0),
        SummaryItems,
    };
}
export function statusMessage(deletion) {
    if (deletion.status === 'Complete')
        return 'Deletion is successful';
    const done = deletion.totalCount - deletion.remainingCount;
    return `Deletion in progress: ${done} of ${deletion.totalCount} items deleted, ${deletion.remainingCount} remaining`;
}
export function toStatusItem(deletion) {
    return {
        DeletionId: deletion.deletionId,
        TypeName: deletion.typeName,
        DeletionStartTime: deletion.startTime / 1000,
        LastStatus: deletion.status,
        LastStatusMessage: statusMessage(deletion),
        DeletionSummary: toSummary(deletion.versions),
        LastStatusUpdateTime: deletion.lastUpdateTime / 1000,
    };
}
//# sourceMappingURL=deletion-summary.js.map