/**
 * Commands of `@ioredis/commands` (and subcommands of Redis 7.2 / Valkey 8) with no typed method, each
 * with the reason. `execute()` still sends any of them. The coverage test and the API reference read
 * this table.
 */
const REPLICATION = 'replication internals: a replica and its master speak it, not an application';
const CLUSTER = 'Redis Cluster: this client follows a Sentinel-managed master, not a cluster';
const SENTINEL_DECIDES = 'changes replication: Sentinel decides who is master here (`sentinel.failover(name)`)';
const DEBUGGING = 'debugging internals of the server';
const CONNECTION_STATE =
  'connection state set up by the client itself (`username` / `password` / `db` options); on a pooled client it would apply to one shared connection only';
const OPERATOR = "an operator's command (redis-cli), not an application's";
const HELP = 'help text for humans (redis-cli)';
const TRANSACTION = 'sent by `multi()`: MULTI ... EXEC leave in one write on one connection';
const SUBSCRIBER = 'a `Redis` method with its listeners (src/client/redis.ts), not in `pipeline()` / `multi()`';
const NEWER = 'newer than Redis 7.2 / Valkey 8 (Redis 7.4+ / 8.x, or a module): not typed yet';
const TRACKING =
  'client-side caching needs RESP3 push messages or a redirect connection, which this client does not keep';

export const LEFT_OUT: Readonly<Record<string, string>> = {
  // Replication, cluster, sentinel.
  sync: REPLICATION,
  psync: REPLICATION,
  replconf: REPLICATION,
  asking: CLUSTER,
  readonly: CLUSTER,
  readwrite: CLUSTER,
  cluster: CLUSTER,
  'restore-asking': CLUSTER,
  migrate: `${CLUSTER}; moves keys between servers`,
  replicaof: SENTINEL_DECIDES,
  slaveof: SENTINEL_DECIDES,
  failover: SENTINEL_DECIDES,
  // Debugging.
  debug: DEBUGGING,
  pfdebug: DEBUGGING,
  pfselftest: DEBUGGING,
  'script debug': `${DEBUGGING} (the Lua debugger of redis-cli --ldb)`,
  monitor: 'turns the connection into a feed of every command the server runs: redis-cli MONITOR',
  // Connection state a pooled client must refuse.
  auth: CONNECTION_STATE,
  select: CONNECTION_STATE,
  hello: `${CONNECTION_STATE}; this client speaks RESP2`,
  reset: CONNECTION_STATE,
  quit: 'closes the connection under the pool: `close()` closes the client (QUIT is deprecated since Redis 7.2)',
  'client reply': 'turns replies off: the in-flight queue would wait forever for them',
  'client tracking': TRACKING,
  'client caching': TRACKING,
  'client getredir': TRACKING,
  'client trackinginfo': TRACKING,
  // Valkey 8: tells the server what the connection can handle (redirects); a client's own set-up.
  'client capa': CONNECTION_STATE,
  // Operators' commands.
  shutdown: OPERATOR,
  module: `${OPERATOR}; loads native code into the server`,
  // Sent for you.
  multi: TRANSACTION,
  exec: TRANSACTION,
  discard: TRANSACTION,
  subscribe: SUBSCRIBER,
  psubscribe: SUBSCRIBER,
  ssubscribe: SUBSCRIBER,
  unsubscribe: SUBSCRIBER,
  punsubscribe: SUBSCRIBER,
  sunsubscribe: SUBSCRIBER,
  // HELP subcommands.
  'acl help': HELP,
  'client help': HELP,
  'command help': HELP,
  'config help': HELP,
  'function help': HELP,
  'latency help': HELP,
  'memory help': HELP,
  'object help': HELP,
  'pubsub help': HELP,
  'script help': HELP,
  'slowlog help': HELP,
  'xgroup help': HELP,
  'xinfo help': HELP,
  // Newer than the servers this client types.
  ...Object.fromEntries(
    [
      'arcount ardel ardelrange arget argetrange argrep arinfo arinsert arlastitems arlen armget armset arnext',
      'arop arring arscan arseek arset backup bless blmovem delex digest hexpire hexpireat hexpiretime',
      'hgetdel hgetex himport hotkeys hpersist hpexpire hpexpireat hpexpiretime hpttl hsetex httl increx',
      'lmovem msetex sdiffcard sunioncard trimslots vadd vcard vdim vemb vgetattr vinfo vismember vlinks',
      'vrandmember vrange vrem vsetattr vsim xackdel xcfgset xdelex xidmprecord xnack',
    ]
      .join(' ')
      .split(' ')
      .map((name) => [name, NEWER]),
  ),
};

/** Commands whose typed methods are their subcommands (`clientList`, `xgroupCreate`, ...). */
export const CONTAINERS: readonly string[] = [
  'acl',
  'client',
  'command',
  'config',
  'function',
  'latency',
  'memory',
  'object',
  'pubsub',
  'script',
  'slowlog',
  'xgroup',
  'xinfo',
];

/** The method name of a command or `container subcommand`: `xgroup createconsumer` -> `xgroupCreateconsumer`, `eval_ro` -> `evalRo`. */
export function methodName(command: string): string {
  return command.toLowerCase().replace(/[ _-]+([a-z])/g, (_, c: string) => c.toUpperCase());
}
