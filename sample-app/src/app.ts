import type { AddressInfo } from 'node:net';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import type { SampleAppConfig } from './config.js';

export interface StartOptions extends SampleAppConfig {
  /** HTTP port; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Nest's logger. Default: warnings and errors. */
  logger?: LoggerService | LogLevel[] | false;
}

export interface StartedApp {
  app: INestApplication;
  /** `http://host:port` the app listens on. */
  url: string;
}

/** Creates the sample app and starts listening. */
export async function startApp(options: StartOptions): Promise<StartedApp> {
  const { port = 0, host = '127.0.0.1', logger = ['warn', 'error'], ...config } = options;
  // abortOnError false: a start-up error (no sentinel answers) is thrown to the caller, not process.abort().
  // forceCloseConnections: app.close() does not wait for idle keep-alive connections.
  const app = await NestFactory.create(AppModule.forRoot(config), {
    logger,
    abortOnError: false,
    forceCloseConnections: true,
  });
  try {
    await app.listen(port, host);
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://${host}:${address.port}` };
}
