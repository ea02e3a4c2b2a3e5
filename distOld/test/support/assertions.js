/** Assertions shared by the end-to-end tests. */
import assert from 'node:assert/strict';
/** The call fails with this AWS error name (as the SDK v3 reports it), HTTP 400 and, if given, a matching message. */
export async function rejects(promise, name, message) {
    try {
        await promise;
    }
    catch (error) {
        assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
        assert.equal(error.$metadata?.httpStatusCode, 400);
        if (message)
            assert.match(error.message, message);
        return error;
    }
    assert.fail(`expected ${name}, but the call succeeded`);
}
//# sourceMappingURL=assertions.js.map