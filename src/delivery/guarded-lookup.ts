// The connect-time address guard: a DNS lookup hook for the HTTPS agent that checks EVERY address a name
// resolves to and hands the socket exactly the addresses it checked (no second lookup, so a DNS answer that
// changes between check and connect — rebinding — cannot slip through). IP-literal hosts never reach a lookup
// hook; the sender checks those itself before connecting.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { blockedAddressReason, type Cidr } from '../webhooks/address-policy.js';
import type { Resolver } from '../webhooks/url-rules.js';

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'ERR_BLOCKED_ADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(
      `refused to connect to ${host === address ? address : `${host} (${address})`}: ${reason} address; ` +
        'webhooks may only reach public addresses (WEBHOOK_ALLOW_PRIVATE exempts ranges)',
    );
  }
}

export function createGuardedLookup(allowPrivate: readonly Cidr[], resolve?: Resolver): LookupFunction {
  const lookupAll: Resolver = resolve ?? ((hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true }));
  return (hostname, options, callback) => {
    lookupAll(hostname).then(
      (answers) => {
        const wanted = options.family === 4 || options.family === 6 ? answers.filter((a) => a.family === options.family) : answers;
        if (wanted.length === 0) {
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
          callback(error, '', 0);
          return;
        }
        for (const answer of wanted) {
          const reason = blockedAddressReason(answer.address, allowPrivate);
          if (reason) {
            callback(new BlockedAddressError(hostname, answer.address, reason), '', 0);
            return;
          }
        }
        if (options.all) (callback as unknown as (e: null, all: typeof wanted) => void)(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
