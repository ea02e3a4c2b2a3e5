/** Parsed attribute lists by their JSON text: every put reads its types' records. */
const attributeLists = new Map();
function parseAttributes(json) {
    let attributes = attributeLists.get(json);
    if (!attributes) {
        attributes = JSON.parse(json);
        Object.freeze(attributes);
        if (attributeLists.size >= 1000)
            attributeLists.clear();
        attributeLists.set(json, attributes);
    }
    return attributes;
}
export function toType(row) {
    return {
        typeName: row.type_name,
        version: row.version,
        attributes: parseAttributes(row.attributes),
        state: row.state,
        disabledVersion: row.disabled_version ?? undefined,
        hiddenUpToSeq: row.hidden_seq,
    };
}
export function toInstance(row) {
    return { instanceId: row.instance_id, status: row.status, details: JSON.parse(row.details), firstSeen: row.first_seen, lastSeen: row.last_seen };
}
export function toDeletion(row) {
    return {
        deletionId: row.deletion_id,
        typeName: row.type_name,
        option: (row.option ?? undefined),
        status: row.status,
        startTime: row.start_time,
        lastUpdateTime: row.last_update,
        totalCount: row.total_count,
        remainingCount: row.remaining_count,
        versions: JSON.parse(row.versions),
        entriesDeleted: row.entries_deleted,
    };
}
//# sourceMappingURL=rows.js.map