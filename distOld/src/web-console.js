/**
 * Serves the web console (built by Vite from web/ into dist/console) at /console. The files
 * are read once at start; the hashed assets are cached for good, index.html never.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
export const CONSOLE_PATH = '/console';
const BUILT_CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));
const CONTENT_TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.ico': 'image/x-icon',
    '.json': 'application/json',
    '.map': 'application/json',
};
// The console only ever talks to this origin; nothing else may run in or frame it.
const SECURITY_HEADERS = {
    'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
};
export class WebConsole {
    assets = new Map();
    constructor(dir = BUILT_CONSOLE_DIR) {
        if (!existsSync(join(dir, 'index.html')))
            return;
        for (const file of listFiles(dir)) {
            const body = readFileSync(file);
            const path = `${CONSOLE_PATH}/${relative(dir, file).split(sep).join('/')}`;
            this.assets.set(path, {
                body,
                contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
                etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
                immutable: path.startsWith(`${CONSOLE_PATH}/assets/`),
            });
        }
    }
    get built() {
        return this.assets.size > 0;
    }
    handles(req) {
        const path = pathOf(req);
        return (req.method === 'GET' || req.method === 'HEAD') && (path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`));
    }
    serve(req, res) {
        const path = pathOf(req);
        if (path === CONSOLE_PATH) {
            res.writeHead(308, { location: `${CONSOLE_PATH}/` }).end();
            return;
        }
        if (!this.built) {
            res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('The web console has not been built: run `npm run build`.\n');
            return;
        }
        const asset = this.assets.get(path === `${CONSOLE_PATH}/` ? `${CONSOLE_PATH}/index.html` : path);
        if (!asset) {
            res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`Nothing is served at ${path}.\n`);
            return;
        }
        const headers = {
            ...SECURITY_HEADERS,
            'content-type': asset.contentType,
            etag: asset.etag,
            'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        };
        if (req.headers['if-none-match'] === asset.etag) {
            res.writeHead(304, headers).end();
            return;
        }
        res.writeHead(200, { ...headers, 'content-length': asset.body.length });
        res.end(req.method === 'HEAD' ? undefined : asset.body);
    }
}
function pathOf(req) {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    return query === -1 ? url : url.slice(0, query);
}
function listFiles(dir) {
    return readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}
//# sourceMappingURL=web-console.js.map