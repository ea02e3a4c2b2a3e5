/** The PostgreSQL string encoding (src/store/postgres/text-encoding.ts) on generated strings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromDb, jsonFromDb, jsonToDb, parseJsonFromDb, toDb } from '../src/store/postgres/text-encoding.js';
// Small alphabet, so that the characters that matter meet each other often.
const ALPHABET = ['\u0000', '\u0001', '\u0002', 'a', '\\', 'u', '0', '1', '"', '\u00e9', '\u{1F600}'];
function* strings(count, seed) {
    let state = seed;
    // xorshift32
    const next = () => {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        return state >>> 0;
    };
    for (let i = 0; i < count; i++) {
        let text = '';
        const length = next() % 8;
        for (let j = 0; j < length; j++)
            text += ALPHABET[next() % ALPHABET.length];
        yield text;
    }
}
const codePointOrder = (a, b) => {
    const x = [...a].map((c) => c.codePointAt(0));
    const y = [...b].map((c) => c.codePointAt(0));
    for (let i = 0; i < Math.min(x.length, y.length); i++)
        if (x[i] !== y[i])
            return Math.sign(x[i] - y[i]);
    return Math.sign(x.length - y.length);
};
describe('text encoding for PostgreSQL', () => {
    const sample = [...strings(400, 7)];
    it('leaves strings without U+0000 or U+0001 as they are and never writes U+0000', () => {
        assert.ok(sample.filter((text) => text.includes('\u0000')).length > 50 && sample.filter((text) => text.includes('\u0001')).length > 50, 'the sample has both characters');
        assert.equal(toDb('plain \u00e9 text'), 'plain \u00e9 text');
        assert.equal(fromDb('plain'), 'plain');
        for (const text of sample) {
            assert.ok(!toDb(text).includes('\u0000'));
            assert.equal(fromDb(toDb(text)), text);
        }
    });
    it('keeps equality, prefixes and code-point order', () => {
        for (const a of sample.slice(0, 120)) {
            for (const b of sample.slice(0, 120)) {
                assert.equal(toDb(a) === toDb(b), a === b);
                assert.equal(toDb(a).startsWith(toDb(b)), a.startsWith(b), JSON.stringify([a, b]));
                assert.equal(codePointOrder(toDb(a), toDb(b)), codePointOrder(a, b), JSON.stringify([a, b]));
            }
        }
    });
    it('encodes the strings of JSON documents, keys included, and only real escapes', () => {
        for (const [key, value] of [...strings(300, 11)].map((k, i) => [k, sample[i]])) {
            const document = [{ [key]: value, plain: 'x' }];
            const stored = jsonToDb(JSON.stringify(document));
            assert.deepEqual(JSON.parse(stored), [{ [toDb(key)]: toDb(value), plain: 'x' }]);
            assert.deepEqual(JSON.parse(jsonFromDb(stored)), document);
            assert.equal(jsonFromDb(stored), JSON.stringify(document));
            assert.deepEqual(parseJsonFromDb(stored), document);
        }
        // A backslash followed by the text u0000 is not the character.
        assert.equal(jsonToDb(JSON.stringify(['\\u0000'])), JSON.stringify(['\\u0000']));
    });
});
//# sourceMappingURL=text-encoding.test.js.map