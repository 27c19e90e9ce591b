import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SentinelHealthIndicator } from './sentinel-health.indicator.js';

/** Provides SentinelHealthIndicator; import it beside SentinelModule and TerminusModule. */
@Module({
  imports: [TerminusModule],
  providers: [SentinelHealthIndicator],
  exports: [SentinelHealthIndicator],
})
export class SentinelHealthModule {}
