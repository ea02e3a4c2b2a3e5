/** Reading GET /metrics (Prometheus text) in tests. */
/** The value of one sample, by metric name and exact label set (as written by prom-client). */
export function sample(text, name, labels = '') {
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
//# sourceMappingURL=metrics.js.map