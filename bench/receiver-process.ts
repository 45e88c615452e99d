// The benchmark's HTTPS receiver, in its own process so its CPU is not the benchmark's. RECEIVER_MODE=ok answers
// 200 at once (body "ok", or RECEIVER_BODY_BYTES of JSON: the log keeps up to 16 KiB of it); RECEIVER_MODE=tarpit
// never answers; RECEIVER_MODE=fail answers 503 at once. Receipts go to the parent in batches: [entityId, epochMs].
import { startHttpsReceiver } from '../test/helpers/https-receiver.js';

const mode = process.env.RECEIVER_MODE ?? 'ok';
const now = () => performance.timeOrigin + performance.now();
let receipts: Array<[string, number]> = [];
const bodyBytes = Number(process.env.RECEIVER_BODY_BYTES ?? 0);
const okBody = bodyBytes > 0 ? JSON.stringify({ received: true, note: 'x'.repeat(Math.max(0, bodyBytes - 30)) }) : 'ok';
const ENTITY = /"entityId":"([0-9a-f-]{36})"/;

const receiver = await startHttpsReceiver({
  record: false,
  responder: (request) => {
    const entity = ENTITY.exec(request.body)?.[1] ?? '';
    receipts.push([entity, now()]);
    if (mode === 'fail') return { status: 503, body: 'down' };
    return mode === 'tarpit' ? { hang: true } : { status: 200, body: okBody };
  },
});
setInterval(() => {
  if (receipts.length === 0) return;
  process.send!({ type: 'receipts', receipts });
  receipts = [];
}, 10);
process.send!({ type: 'ready', url: receiver.url, caCertPath: receiver.caCertPath });
process.on('disconnect', () => process.exit(0));
