// The delivery worker: claims pending deliveries and sends them. Filled in by the delivery engine.
import type { AppContext } from '../context.js';

export interface Worker {
  stop(): Promise<void>;
}

export function startWorker(ctx: AppContext): Worker {
  ctx.log.info('delivery worker started');
  return { async stop() {} };
}
