/**
 * Every error a client can receive, one class per AWS error name. The serializer in
 * protocol/http-handler.ts writes `{"__type": type, "message": message}` with `status`.
 * Extra members (TypeName on some PutInventory errors) travel in `fields`.
 */
export abstract class AwsError extends Error {
  abstract readonly type: string
  readonly status: number = 400
  readonly fields: Record<string, string> = {}
}

/** Errors whose shape in the model carries the TypeName of the offending item. */
abstract class ItemError extends AwsError {
  constructor(message: string, typeName?: string) {
    super(message)
    if (typeName !== undefined) this.fields.TypeName = typeName
  }
}

// ---- protocol-level errors -------------------------------------------------------

export class ValidationException extends AwsError {
  readonly type = 'ValidationException'
}
export class SerializationException extends AwsError {
  readonly type = 'SerializationException'
}
export class UnknownOperationException extends AwsError {
  readonly type = 'UnknownOperationException'
}
export class MissingAuthenticationTokenException extends AwsError {
  readonly type = 'MissingAuthenticationTokenException'
  override readonly status = 403
}
export class IncompleteSignatureException extends AwsError {
  readonly type = 'IncompleteSignatureException'
}
export class InvalidSignatureException extends AwsError {
  readonly type = 'InvalidSignatureException'
}
export class UnrecognizedClientException extends AwsError {
  readonly type = 'UnrecognizedClientException'
}
export class ExpiredTokenException extends AwsError {
  readonly type = 'ExpiredTokenException'
}
export class AccessDeniedException extends AwsError {
  readonly type = 'AccessDeniedException'
}
export class UnsupportedMediaTypeException extends AwsError {
  readonly type = 'UnsupportedMediaTypeException'
  override readonly status = 415
}
export class RequestEntityTooLargeException extends AwsError {
  readonly type = 'RequestEntityTooLargeException'
  override readonly status = 413
}
export class RequestTimeoutException extends AwsError {
  readonly type = 'RequestTimeoutException'
  override readonly status = 408
}
export class InternalServerError extends AwsError {
  readonly type = 'InternalServerError'
  override readonly status = 500
}
/** Too much is being uploaded at once (see body-budget.ts); the SDKs and the CLI retry it with back-off. */
export class ThrottlingException extends AwsError {
  readonly type = 'ThrottlingException'
}
/** Answered while the server is draining on SIGTERM; clients retry it. */
export class ServiceUnavailableException extends AwsError {
  readonly type = 'ServiceUnavailable'
  override readonly status = 503
}

// ---- errors of the service model ---------------------------------------------------

export class InvalidInstanceId extends AwsError {
  readonly type = 'InvalidInstanceId'
}
export class InvalidTypeNameException extends AwsError {
  readonly type = 'InvalidTypeNameException'
}
export class InvalidItemContentException extends ItemError {
  readonly type = 'InvalidItemContentException'
}
export class ItemContentMismatchException extends ItemError {
  readonly type = 'ItemContentMismatchException'
}
export class ItemSizeLimitExceededException extends ItemError {
  readonly type = 'ItemSizeLimitExceededException'
}
export class TotalSizeLimitExceededException extends AwsError {
  readonly type = 'TotalSizeLimitExceededException'
}
export class CustomSchemaCountLimitExceededException extends AwsError {
  readonly type = 'CustomSchemaCountLimitExceededException'
}
export class UnsupportedInventorySchemaVersionException extends AwsError {
  readonly type = 'UnsupportedInventorySchemaVersionException'
}
export class UnsupportedInventoryItemContextException extends ItemError {
  readonly type = 'UnsupportedInventoryItemContextException'
}
export class InvalidInventoryItemContextException extends AwsError {
  readonly type = 'InvalidInventoryItemContextException'
}
export class SubTypeCountLimitExceededException extends AwsError {
  readonly type = 'SubTypeCountLimitExceededException'
}
export class InvalidFilter extends AwsError {
  readonly type = 'InvalidFilter'
}
export class InvalidNextToken extends AwsError {
  readonly type = 'InvalidNextToken'
}
export class InvalidOptionException extends AwsError {
  readonly type = 'InvalidOptionException'
}
export class InvalidDeleteInventoryParametersException extends AwsError {
  readonly type = 'InvalidDeleteInventoryParametersException'
}
export class InvalidInventoryRequestException extends AwsError {
  readonly type = 'InvalidInventoryRequestException'
}
export class InvalidDeletionIdException extends AwsError {
  readonly type = 'InvalidDeletionIdException'
}
export class InvalidAggregatorException extends AwsError {
  readonly type = 'InvalidAggregatorException'
}
export class InvalidInventoryGroupException extends AwsError {
  readonly type = 'InvalidInventoryGroupException'
}
export class InvalidResultAttributeException extends AwsError {
  readonly type = 'InvalidResultAttributeException'
}
