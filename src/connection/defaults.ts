/** Defaults of the connection options that have one. */
export const CONNECTION_DEFAULTS = {
  /** ms to open the socket and finish AUTH / SELECT / CLIENT SETNAME. */
  connectTimeout: 10_000,
  /** ms of idle before the first TCP keep-alive probe: a dead peer is noticed in well under a minute. */
  keepAlive: 10_000,
  /** ms of silence before an idle connection sends PING (and as long again for the reply). */
  pingInterval: 30_000,
} as const;
