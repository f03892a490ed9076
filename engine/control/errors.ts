/**
 * AMP's modeled exceptions. Each carries its AWS error code (sent as `x-amzn-ErrorType`), HTTP
 * status and the extra members the model requires; routes/ turns them into responses.
 */

/** Base class of every AWS-modeled error. */
export abstract class AwsServiceError extends Error {
  /** The AWS error code, e.g. "ResourceNotFoundException". */
  abstract readonly code: string;
  /** HTTP status of the error response. */
  abstract readonly status: number;

  /** Members of the JSON error body besides `message`. */
  members(): Record<string, unknown> {
    return {};
  }
}

/** Why a request failed validation (AMP ValidationExceptionReason). */
export type ValidationReason =
  | "UNKNOWN_OPERATION"
  | "CANNOT_PARSE"
  | "FIELD_VALIDATION_FAILED"
  | "OTHER";

/** One failed field. */
export interface ValidationField {
  name: string;
  message: string;
}

/** 400: the input fails a constraint. */
export class ValidationException extends AwsServiceError {
  readonly code = "ValidationException";
  readonly status = 400;
  override name = "ValidationException";

  constructor(
    message: string,
    readonly reason: ValidationReason = "FIELD_VALIDATION_FAILED",
    readonly fieldList: ValidationField[] = [],
  ) {
    super(message);
  }

  /** One failed constraint in AWS's wording: "Value 'x' at 'alias' failed to satisfy constraint: ...". */
  static field(name: string, value: unknown, constraint: string): ValidationException {
    const shown = typeof value === "string" ? value : JSON.stringify(value);
    const message =
      `1 validation error detected: Value '${shown}' at '${name}' failed to satisfy constraint: ${constraint}`;
    return new ValidationException(message, "FIELD_VALIDATION_FAILED", [{
      name,
      message: constraint,
    }]);
  }

  override members(): Record<string, unknown> {
    const m: Record<string, unknown> = { reason: this.reason };
    if (this.fieldList.length > 0) m.fieldList = this.fieldList;
    return m;
  }
}

/** An error about one resource: carries its id and type, as the AMP model requires. */
abstract class ResourceError extends AwsServiceError {
  constructor(message: string, readonly resourceId: string, readonly resourceType: string) {
    super(message);
  }

  override members(): Record<string, unknown> {
    return { resourceId: this.resourceId, resourceType: this.resourceType };
  }
}

/** 404: the named resource does not exist. */
export class ResourceNotFoundException extends ResourceError {
  readonly code = "ResourceNotFoundException";
  readonly status = 404;
  override name = "ResourceNotFoundException";
}

/** 409: the request conflicts with the resource's current state. */
export class ConflictException extends ResourceError {
  readonly code = "ConflictException";
  readonly status = 409;
  override name = "ConflictException";
}

/** 402: a quota would be exceeded. */
export class ServiceQuotaExceededException extends ResourceError {
  readonly code = "ServiceQuotaExceededException";
  readonly status = 402;
  override name = "ServiceQuotaExceededException";

  constructor(
    message: string,
    resourceId: string,
    resourceType: string,
    readonly serviceCode: string,
    readonly quotaCode: string,
  ) {
    super(message, resourceId, resourceType);
  }

  override members(): Record<string, unknown> {
    return { ...super.members(), serviceCode: this.serviceCode, quotaCode: this.quotaCode };
  }
}

/** 429: too many requests; clients back off. */
export class ThrottlingException extends AwsServiceError {
  readonly code = "ThrottlingException";
  readonly status = 429;
  override name = "ThrottlingException";

  constructor(message: string, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

/** 403: the caller may not do this. */
export class AccessDeniedException extends AwsServiceError {
  readonly code = "AccessDeniedException";
  readonly status = 403;
  override name = "AccessDeniedException";
}

/** 500: an unexpected failure inside the service. */
export class InternalServerException extends AwsServiceError {
  readonly code = "InternalServerException";
  readonly status = 500;
  override name = "InternalServerException";
}
