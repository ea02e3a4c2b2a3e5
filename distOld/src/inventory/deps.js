export const systemClock = { now: () => new Date() };
export const defaultLimits = {
    maxCustomTypes: 20,
    maxAttributesPerType: 50,
    maxItemSizeBytes: 200 * 1024,
    maxTotalSizeBytes: 1024 * 1024,
    maxSubTypesPerType: 100,
};
//# sourceMappingURL=deps.js.map