// A Nest microservice app shared by the transport tests (test/integration/microservices-*.test.ts):
// request/response, events and wildcard handlers, started on SentinelServer or on Nest's own Redis
// transporter.
import 'reflect-metadata';
import { Controller, Injectable, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Ctx,
  EventPattern,
  MessagePattern,
  Payload,
  RedisContext,
  Transport,
  type CustomStrategy,
  type RedisOptions,
} from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { from, type Observable } from 'rxjs';

/** What the event handlers received, in order. */
@Injectable()
export class EventLog {
  readonly events: { channel: string; data: unknown }[] = [];
}

@Controller()
export class MathController {
  constructor(private readonly log: EventLog) {}

  @MessagePattern('math.sum')
  sum(@Payload() data: number[]): number {
    return data.reduce((a, b) => a + b, 0);
  }

  @MessagePattern({ cmd: 'echo' })
  echo(@Payload() data: unknown): unknown {
    return data;
  }

  /** Answers after `ms` (a request in flight while something happens). */
  @MessagePattern('math.slow')
  async slow(@Payload() ms: number): Promise<number> {
    await sleep(ms);
    return ms;
  }

  /** Several responses to one request (a stream). */
  @MessagePattern('math.count')
  count(@Payload() n: number): Observable<number> {
    return from(Array.from({ length: n }, (_, i) => i + 1));
  }

  @MessagePattern('math.fail')
  fail(): never {
    throw new Error('handler failed on purpose');
  }

  @EventPattern('math.event')
  onEvent(@Payload() data: unknown, @Ctx() ctx: unknown): void {
    this.log.events.push({ channel: (ctx as RedisContext).getChannel(), data });
  }
}

/** Handlers under wildcard patterns (only a `wildcards: true` server routes them). */
@Controller()
export class UsersController {
  constructor(private readonly log: EventLog) {}

  @MessagePattern('users.*')
  user(@Payload() data: unknown, @Ctx() ctx: RedisContext): { channel: string; data: unknown } {
    return { channel: ctx.getChannel(), data };
  }

  @EventPattern('audit.*')
  audit(@Payload() data: unknown, @Ctx() ctx: unknown): void {
    this.log.events.push({ channel: (ctx as RedisContext).getChannel(), data });
  }
}

@Module({ controllers: [MathController], providers: [EventLog] })
export class MathModule {}

@Module({ controllers: [MathController, UsersController], providers: [EventLog] })
export class WildcardModule {}

/** A microservice on a custom strategy (SentinelServer) or Nest's Redis transporter; listening when it resolves. */
export async function startMicroservice(
  module: typeof MathModule | typeof WildcardModule,
  options: CustomStrategy | RedisOptions,
): Promise<{ app: INestMicroservice; events: EventLog['events'] }> {
  const app = await NestFactory.createMicroservice(module, { ...options, logger: false });
  await app.listen();
  return { app, events: app.get(EventLog).events };
}

export { Transport };
