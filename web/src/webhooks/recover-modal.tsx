// "Recover failed…" on a webhook: pick a time range (by event time), preview how many events would be re-sent
// (a dry run), then queue exactly those. The queue button only appears for the range that was previewed, so
// what is queued is what the person saw counted.
import { Alert, Button, Group, Modal, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { fieldError } from '../api/client.js';
import { webhooks } from '../api/endpoints.js';
import type { Webhook } from '../api/types.js';
import { ErrorAlert } from '../components/error-alert.js';
import { fromLocalInput, toLocalInput } from '../lib/local-time.js';
import { Link } from '../lib/router.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The server re-sends at most this many per call and says when more remain. */
const PER_CALL = 10_000;

interface Preview {
  since: string;
  until: string | undefined;
  count: number;
  hasMore: boolean;
}

export function RecoverButton({ webhook, onQueued }: { webhook: Webhook; onQueued?: () => void }) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpened(true)} aria-label={`Recover failed deliveries of ${webhook.url}`}>
        Recover failed…
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title="Recover failed deliveries" size="lg">
        {opened && <RecoverForm webhook={webhook} onDone={() => setOpened(false)} onQueued={onQueued} />}
      </Modal>
    </>
  );
}

function countText(count: number, hasMore: boolean): string {
  if (hasMore) return `More than ${PER_CALL.toLocaleString()} events`;
  return count === 1 ? '1 event' : `${count.toLocaleString()} events`;
}

function RecoverForm({ webhook, onDone, onQueued }: { webhook: Webhook; onDone: () => void; onQueued?: () => void }) {
  const [from, setFrom] = useState(() => toLocalInput(new Date(Date.now() - DAY_MS)));
  const [to, setTo] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [queued, setQueued] = useState<{ count: number; hasMore: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'preview' | 'queue' | null>(null);
  const since = fromLocalInput(from);
  const until = fromLocalInput(to);
  const current = preview !== null && preview.since === since && preview.until === until;

  const run = async (dryRun: boolean) => {
    if (!since) {
      setError(new Error('Choose the start of the time range.'));
      return;
    }
    setBusy(dryRun ? 'preview' : 'queue');
    setError(null);
    try {
      const result = await webhooks.recover(webhook.id, { since, until, dryRun });
      if (dryRun) {
        setPreview({ since, until, count: result.count, hasMore: result.hasMore });
        setQueued(null);
      } else {
        setQueued({ count: result.count, hasMore: result.hasMore });
        setPreview(null);
        notifications.show({ color: 'green', message: `Queued ${countText(result.count, false)} for ${webhook.url}` });
        if (result.count > 0) onQueued?.();
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack>
      <Text size="sm">
        Re-sends every event of the time range that <b>{webhook.url}</b> never received: events whose deliveries to it all failed, with nothing delivered, pending
        or waiting for a retry. Each gets one new delivery with the same body. Running it again does not send anything twice.
      </Text>
      <SimpleGrid cols={{ base: 1, xs: 2 }}>
        <TextInput
          type="datetime-local"
          label="Events from"
          description="Included"
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
          error={fieldError(error, 'since')}
          required
        />
        <TextInput type="datetime-local" label="Events until" description="Excluded; empty means now" value={to} onChange={(e) => setTo(e.currentTarget.value)} error={fieldError(error, 'until')} />
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        At most 30 days per run, and {PER_CALL.toLocaleString()} events per run.
      </Text>
      <ErrorAlert error={error} shownFields={['since', 'until']} />
      {current && preview && (
        <Alert color={preview.count === 0 ? 'gray' : 'blue'} variant="light" role="status" aria-label="Preview" data-testid="recover-preview">
          {preview.count === 0
            ? 'Nothing to recover in this range: every event was delivered, or is still on its way.'
            : `${countText(preview.count, preview.hasMore)} would be re-sent.${preview.hasMore ? ` One run queues the first ${PER_CALL.toLocaleString()}; run it again for the rest.` : ''}`}
        </Alert>
      )}
      {queued && (
        <Alert color="green" variant="light" role="status" aria-label="Queued" data-testid="recover-queued">
          Queued {countText(queued.count, false)}.{queued.hasMore ? ' More remain: run it again to queue the next ones.' : ''}{' '}
          <Link to={`/company/deliveries?webhookId=${webhook.id}`} onClick={onDone}>
            See the deliveries
          </Link>
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Close
        </Button>
        <Button variant={current ? 'default' : 'filled'} onClick={() => void run(true)} loading={busy === 'preview'} disabled={busy === 'queue'}>
          Preview
        </Button>
        {current && preview && preview.count > 0 && (
          <Button color="blue" onClick={() => void run(false)} loading={busy === 'queue'}>
            Re-send {countText(preview.count, false)}
          </Button>
        )}
      </Group>
    </Stack>
  );
}
