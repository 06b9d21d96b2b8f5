/** One entry of a problem's `errors[]`: where the bad input is and what is wrong with it. */
export interface ProblemFieldError {
  in: "body" | "querystring" | "params" | "headers";
  /** JSON Pointer into that part, e.g. "/goal/amount"; "" for the part itself. */
  path: string;
  message: string;
}

export interface AppErrorOptions {
  code?: string;
  cause?: unknown;
  errors?: readonly ProblemFieldError[];
}

/**
 * An error a client may see: it becomes an RFC 9457 problem with this status,
 * stable `code` and `title`; `message` becomes `detail`.
 */
export class AppError extends Error {
  override name = "AppError";
  readonly code: string;
  readonly errors: readonly ProblemFieldError[] | undefined;
  constructor(
    readonly status: number,
    code: string,
    readonly title: string,
    detail: string,
    options: AppErrorOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.code = options.code ?? code;
    this.errors = options.errors;
  }
}

export class InputError extends AppError {
  override name = "InputError";
  constructor(detail: string, options?: AppErrorOptions) {
    super(400, "BH_BAD_REQUEST", "Bad Request", detail, options);
  }
}

export class UnauthorizedError extends AppError {
  override name = "UnauthorizedError";
  constructor(detail: string, options?: AppErrorOptions) {
    super(401, "BH_UNAUTHORIZED", "Unauthorized", detail, options);
  }
}

export class ForbiddenError extends AppError {
  override name = "ForbiddenError";
  constructor(detail: string, options?: AppErrorOptions) {
    super(403, "BH_FORBIDDEN", "Forbidden", detail, options);
  }
}

export class NotFoundError extends AppError {
  override name = "NotFoundError";
  constructor(detail: string, options?: AppErrorOptions) {
    super(404, "BH_NOT_FOUND", "Not Found", detail, options);
  }
}

export class ConflictError extends AppError {
  override name = "ConflictError";
  constructor(detail: string, options?: AppErrorOptions) {
    super(409, "BH_CONFLICT", "Conflict", detail, options);
  }
}

export class UnprocessableError extends AppError {
  override name = "UnprocessableError";
  constructor(detail: string, options?: AppErrorOptions) {
    super(422, "BH_UNPROCESSABLE", "Unprocessable Content", detail, options);
  }
}

export class ServiceUnavailableError extends AppError {
  override name = "ServiceUnavailableError";
  constructor(detail: string, options?: AppErrorOptions) {
    super(503, "BH_UNAVAILABLE", "Service Unavailable", detail, options);
  }
}
