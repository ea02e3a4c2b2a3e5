export const DEFAULT_ACCOUNT = '000000000000';
export const DEFAULT_REGION = 'us-east-1';
const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;
const REGION = /^[a-z0-9-]{1,64}$/;
export function parseCredential(authorization) {
    if (!authorization)
        return undefined;
    const match = CREDENTIAL.exec(authorization);
    if (!match)
        return undefined;
    return { accessKeyId: match[1], date: match[2], region: match[3], service: match[4] };
}
export function partitionOf(authorization) {
    const credential = parseCredential(authorization);
    const account = credential && /^\d{12}$/.test(credential.accessKeyId) ? credential.accessKeyId : DEFAULT_ACCOUNT;
    const region = credential && REGION.test(credential.region) ? credential.region : DEFAULT_REGION;
    return { account, region };
}
//# sourceMappingURL=partition.js.map