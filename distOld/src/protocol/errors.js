/**
 * Every error a client can receive, one class per AWS error name. The serializer in
 * protocol/respond.ts writes `{"__type": type, "message": message}` with `status`.
 * Extra members (TypeName on some PutInventory errors) travel in `fields`.
 */
export class AwsError extends Error {
    status = 400;
    fields = {};
}
/** Errors whose shape in the model carries the TypeName of the offending item. */
class ItemError extends AwsError {
    constructor(message, typeName) {
        super(message);
        if (typeName !== undefined)
            this.fields.TypeName = typeName;
    }
}
// ---- protocol-level errors -------------------------------------------------------
export class ValidationException extends AwsError {
    type = 'ValidationException';
}
export class SerializationException extends AwsError {
    type = 'SerializationException';
}
export class UnknownOperationException extends AwsError {
    type = 'UnknownOperationException';
}
export class MissingAuthenticationTokenException extends AwsError {
    type = 'MissingAuthenticationTokenException';
    status = 403;
}
export class IncompleteSignatureException extends AwsError {
    type = 'IncompleteSignatureException';
}
export class InvalidSignatureException extends AwsError {
    type = 'InvalidSignatureException';
}
export class UnrecognizedClientException extends AwsError {
    type = 'UnrecognizedClientException';
}
export class AccessDeniedException extends AwsError {
    type = 'AccessDeniedException';
}
export class UnsupportedMediaTypeException extends AwsError {
    type = 'UnsupportedMediaTypeException';
    status = 415;
}
export class RequestEntityTooLargeException extends AwsError {
    type = 'RequestEntityTooLargeException';
    status = 413;
}
export class RequestTimeoutException extends AwsError {
    type = 'RequestTimeoutException';
    status = 408;
}
export class InternalServerError extends AwsError {
    type = 'InternalServerError';
    status = 500;
}
/** Answered while the server is draining on SIGTERM; clients retry it. */
export class ServiceUnavailableException extends AwsError {
    type = 'ServiceUnavailable';
    status = 503;
}
// ---- errors of the service model ---------------------------------------------------
export class InvalidInstanceId extends AwsError {
    type = 'InvalidInstanceId';
}
export class InvalidTypeNameException extends AwsError {
    type = 'InvalidTypeNameException';
}
export class InvalidItemContentException extends ItemError {
    type = 'InvalidItemContentException';
}
export class ItemContentMismatchException extends ItemError {
    type = 'ItemContentMismatchException';
}
export class ItemSizeLimitExceededException extends ItemError {
    type = 'ItemSizeLimitExceededException';
}
export class TotalSizeLimitExceededException extends AwsError {
    type = 'TotalSizeLimitExceededException';
}
export class CustomSchemaCountLimitExceededException extends AwsError {
    type = 'CustomSchemaCountLimitExceededException';
}
export class UnsupportedInventorySchemaVersionException extends AwsError {
    type = 'UnsupportedInventorySchemaVersionException';
}
export class UnsupportedInventoryItemContextException extends ItemError {
    type = 'UnsupportedInventoryItemContextException';
}
export class InvalidInventoryItemContextException extends AwsError {
    type = 'InvalidInventoryItemContextException';
}
export class SubTypeCountLimitExceededException extends AwsError {
    type = 'SubTypeCountLimitExceededException';
}
export class InvalidFilter extends AwsError {
    type = 'InvalidFilter';
}
export class InvalidNextToken extends AwsError {
    type = 'InvalidNextToken';
}
export class InvalidOptionException extends AwsError {
    type = 'InvalidOptionException';
}
export class InvalidDeleteInventoryParametersException extends AwsError {
    type = 'InvalidDeleteInventoryParametersException';
}
export class InvalidInventoryRequestException extends AwsError {
    type = 'InvalidInventoryRequestException';
}
export class InvalidDeletionIdException extends AwsError {
    type = 'InvalidDeletionIdException';
}
export class InvalidAggregatorException extends AwsError {
    type = 'InvalidAggregatorException';
}
export class InvalidInventoryGroupException extends AwsError {
    type = 'InvalidInventoryGroupException';
}
export class InvalidResultAttributeException extends AwsError {
    type = 'InvalidResultAttributeException';
}
//# sourceMappingURL=errors.js.map