import { BadRequestException, Controller, Get, Inject, Query } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';

/** The injection token of the transport client (ClientsModule) that reaches the worker. */
export const WORKER = 'WORKER';

/** The worker's message pattern (sample-app/src/worker.ts answers it). */
export const SUM_PATTERN = { cmd: 'sum' } as const;

/** `GET /sum?values=1,2,3`: asks the worker process over the Sentinel transport. */
@Controller('sum')
export class SumController {
  constructor(@Inject(WORKER) private readonly worker: ClientProxy) {}

  @Get()
  async sum(@Query('values') text: string | undefined): Promise<{ values: number[]; sum: number }> {
    const values = (text ?? '')
      .split(',')
      .filter((s) => s.trim() !== '')
      .map(Number);
    if (values.length === 0 || values.some((v) => !Number.isFinite(v)))
      throw new BadRequestException('Send ?values=1,2,3 (numbers separated by commas)');
    // A lost reply or no worker ends in TimeoutError (a RedisError: the filter makes it a 503).
    const sum = await firstValueFrom(this.worker.send<number, number[]>(SUM_PATTERN, values));
    return { values, sum };
  }
}
