import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { AddressInput } from '../../src/index.js';
import { SentinelServer } from '../../src/microservices/index.js';
import { SERVICE } from './config.js';
import { SUM_PATTERN } from './sum.controller.js';

@Controller()
class SumHandler {
  @MessagePattern(SUM_PATTERN)
  sum(@Payload() values: number[]): number {
    return values.reduce((a, b) => a + b, 0);
  }
}

@Module({ controllers: [SumHandler] })
class WorkerModule {}

/** Starts the worker microservice on the service's master; `strategy` gives its events. */
export async function startWorker(
  sentinels: readonly AddressInput[],
): Promise<{ app: INestMicroservice; strategy: SentinelServer }> {
  const strategy = new SentinelServer({ sentinels, service: SERVICE });
  const app = await NestFactory.createMicroservice(WorkerModule, { strategy, logger: ['warn', 'error'] });
  await app.listen();
  return { app, strategy };
}
