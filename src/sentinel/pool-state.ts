/** The states of a managed pool (see ManagedPool for what each means). */
export type PoolState = 'idle' | 'discovering' | 'connected' | 'holding' | 'closed';

/**
 * Every transition a managed pool may make, and what causes it:
 *
 * | from        | to          | when |
 * |-------------|-------------|------|
 * | idle        | discovering | the first command (or a refill to minsize) starts a discovery |
 * | idle        | holding     | a failover event before any command: writes that come will wait |
 * | discovering | connected   | discovery found the server and a connection is open |
 * | discovering | holding     | a failover event while no server is known |
 * | discovering | idle        | discovery failed and nothing waits any more |
 * | connected   | discovering | a connection was lost, READONLY / UNBLOCKED / MASTERDOWN, +odown, +switch-master, a periodic check found another master |
 * | connected   | holding     | a failover event (+try-failover, +elected-leader, +failover-state-*, +selected-slave, +promoted-slave) |
 * | holding     | discovering | +switch-master (connections to the old master closed), or the hold ended with no connection open |
 * | holding     | connected   | -failover-abort-* (a lost election only while no leader is seen), or failoverTimeout passed, with a connection still open (-odown ends no hold: Sentinel goes on with a started failover) |
 * | any         | closed      | close() |
 */
const TRANSITIONS: Readonly<Record<PoolState, readonly PoolState[]>> = {
  idle: ['discovering', 'holding', 'closed'],
  discovering: ['connected', 'holding', 'idle', 'closed'],
  connected: ['discovering', 'holding', 'closed'],
  holding: ['discovering', 'connected', 'closed'],
  closed: [],
};

export function canMove(from: PoolState, to: PoolState): boolean {
  return TRANSITIONS[from].includes(to);
}
