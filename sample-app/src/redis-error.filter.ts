import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { RedisError } from '../../src/index.js';

/** The part of Express's response the filter uses (no @types/express needed). */
interface JsonResponse {
  status(code: number): { json(body: unknown): void };
}

/**
 * A Redis failure (no master during a failover that took too long, a closed pool, ...) is a 503, with the
 * reason; `mayHaveBeenApplied: true` when a write was in flight as its connection closed (in doubt).
 */
@Catch(RedisError)
export class RedisErrorFilter implements ExceptionFilter {
  catch(error: RedisError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    response.status(HttpStatus.SERVICE_UNAVAILABLE).json({
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: error.name,
      message: error.message,
      // ConnectionClosedError and DurabilityError say whether the write may have happened anyway.
      ...((error as { mayHaveBeenApplied?: boolean }).mayHaveBeenApplied === true && { mayHaveBeenApplied: true }),
    });
  }
}
