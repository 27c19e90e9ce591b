import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { SentinelHealthIndicator } from '../../src/health/index.js';
import { SERVICE } from './config.js';

/** `GET /health`: 200 when everything is up, 503 with the reasons otherwise. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sentinel: SentinelHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.sentinel.check('sentinels', { service: SERVICE }),
      () => this.sentinel.pingCheck('master', { service: SERVICE }),
      () => this.sentinel.pingCheck('replica', { service: SERVICE, role: 'slave' }),
    ]);
  }
}
