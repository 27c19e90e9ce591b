export { SentinelKeyvStore, type SentinelKeyvStoreOptions } from './sentinel-keyv-store.js';
