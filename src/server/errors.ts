import type { FastifyError, FastifyInstance } from "fastify";
import { HostwardError, UserError, OperationalError, ErrorCodes, type UserErrorKind } from "../core/index.ts";

const STATUS: Record<UserErrorKind, number> = { invalid: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, too_large: 413, rate_limited: 429 };

export interface ErrorBody { error: { code: string; message: string; details?: unknown } }

/** The one place errors become HTTP statuses. Business code throws; it never sets a status. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HostwardError, req, reply) => {
    let status = 500;
    let body: ErrorBody;
    if (err instanceof UserError) {
      status = STATUS[err.kind];
      const retry = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (err.kind === "rate_limited" && retry !== undefined) reply.header("retry-after", String(retry));
      body = { error: { code: err.code, message: err.message, details: err.details } };
    } else if (err instanceof OperationalError) {
      status = 503;
      body = { error: { code: err.code, message: err.message } };
    } else if ((err as FastifyError).code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      status = 413;
      body = { error: { code: ErrorCodes.REQUEST_TOO_LARGE, message: `request body over the limit of ${req.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit} bytes` } };
    } else if ((err as FastifyError).validation || (err as FastifyError).code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || (err as FastifyError).code === "FST_ERR_CTP_EMPTY_JSON_BODY" || (err as FastifyError).statusCode === 400) {
      status = 400;
      body = { error: { code: ErrorCodes.REQUEST_INVALID, message: err.message } };
    } else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) {
      status = (err as FastifyError).statusCode!;
      body = { error: { code: ErrorCodes.REQUEST_INVALID, message: err.message } };
    } else {
      req.log.error({ err }, "internal error");
      body = { error: { code: ErrorCodes.INTERNAL, message: "internal error; the server log has the details" } };
    }
    if (status === 401) reply.header("www-authenticate", "Bearer");
    reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: ErrorCodes.NOT_FOUND, message: `no route ${req.method} ${req.url.split("?")[0]}` } });
  });
}
