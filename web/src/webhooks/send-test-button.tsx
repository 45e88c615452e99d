// "Send test" on a webhook: queues a signed webhook.test to this webhook only, then follows the delivery until
// it is no longer pending and shows the outcome (HTTP status, or the error kind and message) beside the button.
import { Anchor, Button, Popover, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { messageOf } from '../api/client.js';
import { deliveries, webhooks } from '../api/endpoints.js';
import type { Delivery, Webhook } from '../api/types.js';
import { StatusChip } from '../deliveries/status-chip.js';
import { formatDuration } from '../lib/format.js';
import { Link } from '../lib/router.js';

const POLL_MS = 700;
/** Stop following after this long; the delivery log still shows the result later. */
const FOLLOW_FOR_MS = 60_000;

type TestState = { phase: 'idle' } | { phase: 'sending'; delivery: Delivery | null } | { phase: 'done'; delivery: Delivery } | { phase: 'error'; message: string };

const finished = (d: Delivery) => d.status === 'success' || d.status === 'failed';

export function SendTestButton({ webhook, onFinished }: { webhook: Webhook; onFinished?: () => void }) {
  const [state, setState] = useState<TestState>({ phase: 'idle' });
  const [opened, setOpened] = useState(false);
  const run = useRef(0);
  useEffect(() => () => void run.current++, []);

  const send = async () => {
    const mine = ++run.current;
    setOpened(true);
    setState({ phase: 'sending', delivery: null });
    try {
      let delivery = await webhooks.sendTest(webhook.id);
      const until = Date.now() + FOLLOW_FOR_MS;
      while (!finished(delivery) && Date.now() < until) {
        if (run.current !== mine) return;
        setState({ phase: 'sending', delivery });
        await new Promise((r) => setTimeout(r, POLL_MS));
        delivery = await deliveries.get(delivery.id);
      }
      if (run.current !== mine) return;
      setState(finished(delivery) ? { phase: 'done', delivery } : { phase: 'sending', delivery });
      onFinished?.();
    } catch (caught) {
      if (run.current === mine) setState({ phase: 'error', message: messageOf(caught) });
    }
  };

  return (
    <Popover opened={opened && state.phase !== 'idle'} onChange={setOpened} position="bottom-end" withArrow width={300} shadow="md">
      <Popover.Target>
        <Button size="xs" variant="default" onClick={() => void send()} loading={state.phase === 'sending'} aria-label={`Send test to ${webhook.url}`}>
          Send test
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <TestOutcome state={state} onClose={() => setOpened(false)} />
      </Popover.Dropdown>
    </Popover>
  );
}

function TestOutcome({ state, onClose }: { state: TestState; onClose: () => void }) {
  if (state.phase === 'idle') return null;
  if (state.phase === 'error') {
    return (
      <Text size="sm" c="red" role="status" data-testid="test-outcome" data-status="error">
        Not sent: {state.message}
      </Text>
    );
  }
  const delivery = state.delivery;
  const status = delivery?.status ?? 'pending';
  return (
    <Stack gap={6} role="status" aria-label="Test result" data-testid="test-outcome" data-status={status}>
      <Text size="sm" fw={500}>
        Test event (webhook.test)
      </Text>
      <StatusChip status={status} />
      {state.phase === 'sending' && (
        <Text size="sm" c="dimmed">
          {delivery && delivery.status !== 'pending' && delivery.status !== 'processing' ? 'Still waiting for the result…' : 'Waiting for the receiver…'}
        </Text>
      )}
      {state.phase === 'done' && delivery?.status === 'success' && (
        <Text size="sm">
          The receiver answered HTTP {delivery.statusCode} in {formatDuration(delivery.durationMs)}.
        </Text>
      )}
      {state.phase === 'done' && delivery?.status === 'failed' && (
        <>
          <Text size="sm" fw={500}>
            {delivery.statusCode !== null ? `HTTP ${delivery.statusCode} — ` : ''}
            {delivery.error?.kind}
          </Text>
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {delivery.error?.message}
          </Text>
        </>
      )}
      {delivery && (
        <Anchor component={Link} to={`/company/deliveries?webhookId=${delivery.webhookId}&id=${delivery.id}`} size="sm" onClick={onClose}>
          Open in the delivery log
        </Anchor>
      )}
    </Stack>
  );
}
