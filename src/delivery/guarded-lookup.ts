// The connect-time address guard: a DNS lookup hook for the HTTPS agent that checks EVERY address a name
// resolves to and hands the socket exactly the addresses it checked (no second lookup, so a DNS answer that
// changes between check and connect — rebinding — cannot slip through). IP-literal hosts never reach a lookup
// hook; the sender checks those itself before connecting. Answers come from the caching c-ares resolver
// (dns-resolver.ts), never from dns.lookup, which would queue on libuv's thread pool.
import type { LookupFunction } from 'node:net';
import { blockedAddressReason, type Cidr } from '../webhooks/address-policy.js';
import { DnsLookupError, type DnsAnswer } from './dns-resolver.js';

/**
 * A refused connection. The message names an IP literal the way the URL holds it, but never the address a name
 * resolved to, nor its range: the message reaches the webhook's owner, and echoing resolved private addresses
 * would turn webhooks into a scanner of the internal network. `address` and `reason` stay on the error for logs.
 */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'ERR_BLOCKED_ADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(
      `${host === address ? `refused to connect to ${address}: ${reason} address` : `refused to connect to ${host}: it resolves to a private address`}; ` +
        'webhooks may only reach public addresses (WEBHOOK_ALLOW_PRIVATE exempts ranges)',
    );
  }
}

export function createGuardedLookup(allowPrivate: readonly Cidr[], lookupAll: (hostname: string) => Promise<DnsAnswer[]>): LookupFunction {
  return (hostname, options, callback) => {
    lookupAll(hostname).then(
      (answers) => {
        // Every answer is checked, not only those of the family asked for: a name with any blocked address is refused.
        for (const answer of answers) {
          const reason = blockedAddressReason(answer.address, allowPrivate);
          if (reason) {
            callback(new BlockedAddressError(hostname, answer.address, reason), '', 0);
            return;
          }
        }
        const wanted = options.family === 4 || options.family === 6 ? answers.filter((a) => a.family === options.family) : answers;
        if (wanted.length === 0) {
          callback(new DnsLookupError('ENOTFOUND', hostname, `no IPv${options.family} address for this name`), '', 0);
          return;
        }
        if (options.all) (callback as unknown as (e: null, all: typeof wanted) => void)(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
