const rank = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
export function isLogLevel(value) {
    return value in rank;
}
export function createLogger(level) {
    const write = (at, message, fields) => {
        if (rank[at] < rank[level])
            return;
        const line = JSON.stringify({ time: new Date().toISOString(), level: at, message, ...fields });
        if (rank[at] >= rank.warn)
            process.stderr.write(`${line}\n`);
        else
            process.stdout.write(`${line}\n`);
    };
    return {
        debug: (m, f) => write('debug', m, f),
        info: (m, f) => write('info', m, f),
        warn: (m, f) => write('warn', m, f),
        error: (m, f) => write('error', m, f),
    };
}
//# sourceMappingURL=log.js.map