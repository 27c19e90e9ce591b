import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Put,
} from '@nestjs/common';
import { InjectRedis, Redis } from '../../src/index.js';
import { SERVICE } from './config.js';

const COUNTER_KEY = 'sample:counter';
const KV_PREFIX = 'sample:kv:';

/** Writes go to the master, reads to a replica (so a read right after a write may lag a little). */
@Controller()
export class AppController {
  constructor(
    @InjectRedis(SERVICE) private readonly master: Redis,
    @InjectRedis(SERVICE, 'slave') private readonly replica: Redis,
  ) {}

  @Post('counter/incr')
  @HttpCode(200)
  async increment(): Promise<{ value: number }> {
    return { value: await this.master.incr(COUNTER_KEY) };
  }

  @Get('counter')
  async counter(): Promise<{ value: number }> {
    const value = await this.replica.get(COUNTER_KEY);
    return { value: value === null ? 0 : Number(value) };
  }

  @Put('kv/:key')
  async put(
    @Param('key') key: string,
    @Body() body: { value?: unknown } | undefined,
  ): Promise<{ key: string; value: string }> {
    const value = body?.value;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new BadRequestException('Send a JSON body { "value": "..." }');
    }
    await this.master.set(KV_PREFIX + key, String(value));
    return { key, value: String(value) };
  }

  @Get('kv/:key')
  async get(@Param('key') key: string): Promise<{ key: string; value: string }> {
    const value = await this.replica.get(KV_PREFIX + key);
    if (value === null) throw new NotFoundException(`No value for ${key} (yet: replicas may lag behind the master)`);
    return { key, value };
  }
}
