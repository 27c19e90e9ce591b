// The package root: the client and the Nest module (API.md). Client-only code can import
// `nestjs-redis-sentinel/client` instead, which does not load NestJS.
export * from './client.js';
export * from './nest/index.js';
