/** SchemaVersion is `major.minor` (the model's pattern); versions compare numerically, so 1.10 > 1.9. */
export function compareSchemaVersions(a, b) {
    const [aMajor, aMinor] = a.split('.').map(Number);
    const [bMajor, bMinor] = b.split('.').map(Number);
    return aMajor - bMajor || aMinor - bMinor;
}
//# sourceMappingURL=schema-version.js.map