import { Controller, Get, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/** The throttler's window and limit on `GET /limited` (small, so the demo shows 429s). */
export const LIMIT = { ttl: 1_000, limit: 10 } as const;

/** `GET /limited`: at most LIMIT.limit requests per client per window, counted on the master (SentinelThrottlerStorage). */
@Controller('limited')
@UseGuards(ThrottlerGuard)
export class LimitedController {
  @Get()
  limited(): { ok: true } {
    return { ok: true };
  }
}
