// "Send current state" on a webhook: choose the record types, start a backfill (one X.snapshot per matching
// record, to this webhook only, through the webhook's own filter), watch its progress, cancel it, and read the
// final count. The job runs on the server: closing the dialog does not stop it.
import { Alert, Button, Checkbox, Group, Modal, Progress, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { webhooks } from '../api/endpoints.js';
import type { RecordType, Webhook, WebhookBackfill } from '../api/types.js';
import { ErrorAlert } from '../components/error-alert.js';

const TYPES: { value: RecordType; label: string }[] = [
  { value: 'contact', label: 'Contacts' },
  { value: 'organization', label: 'Organizations' },
  { value: 'deal', label: 'Deals' },
  { value: 'service', label: 'Services' },
  { value: 'task', label: 'Tasks' },
];
const POLL_MS = 500;

export function BackfillButton({ webhook, onFinished }: { webhook: Webhook; onFinished?: () => void }) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpened(true)} disabled={!webhook.enabled} aria-label={`Send current state to ${webhook.url}`}>
        Send current state…
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title="Send current state" size="lg">
        {opened && <BackfillForm webhook={webhook} onFinished={onFinished} />}
      </Modal>
    </>
  );
}

function subscribedTypes(webhook: Webhook): RecordType[] {
  return [...new Set(webhook.events.map((event) => event.split('.')[0] as RecordType))];
}

function BackfillForm({ webhook, onFinished }: { webhook: Webhook; onFinished?: () => void }) {
  const [types, setTypes] = useState<RecordType[]>(() => subscribedTypes(webhook));
  const [job, setJob] = useState<WebhookBackfill | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // Poll the job while it runs.
  useEffect(() => {
    if (!job || job.status !== 'running') return;
    const timer = setTimeout(() => {
      webhooks.backfill(webhook.id, job.id).then(
        (next) => {
          setJob(next);
          if (next.status !== 'running') onFinished?.();
        },
        setError,
      );
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [job, webhook.id, onFinished]);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      setJob(await webhooks.startBackfill(webhook.id, { types }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    if (!job) return;
    setBusy(true);
    try {
      setJob(await webhooks.cancelBackfill(webhook.id, job.id));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (!job) {
    return (
      <Stack>
        <Text size="sm">
          Sends one <code>X.snapshot</code> event with the current state of every record of the chosen types to <b>{webhook.url}</b> only
          {webhook.filter ? ', if it matches this webhook’s filter' : ''}. Other webhooks keep receiving their live deliveries at full speed.
        </Text>
        <Checkbox.Group label="Record types" value={types} onChange={(value) => setTypes(value as RecordType[])}>
          <Group mt="xs">
            {TYPES.map((type) => (
              <Checkbox key={type.value} value={type.value} label={type.label} />
            ))}
          </Group>
        </Checkbox.Group>
        <ErrorAlert error={error} title="Not started" />
        <Group justify="flex-end">
          <Button onClick={start} loading={busy} disabled={types.length === 0}>
            Send current state
          </Button>
        </Group>
      </Stack>
    );
  }

  const done = job.sent + job.failed;
  const percent = job.total === 0 ? 100 : Math.min(100, (done / job.total) * 100);
  return (
    <Stack data-testid="backfill-job" data-status={job.status}>
      <Progress value={job.status === 'completed' ? 100 : percent} animated={job.status === 'running'} aria-label="Backfill progress" />
      <Text size="sm" data-testid="backfill-counts">
        {job.sent.toLocaleString()} sent · {job.failed.toLocaleString()} failed · {job.queued.toLocaleString()} queued of {job.total.toLocaleString()} records
      </Text>
      {job.status === 'running' && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            Running. You can close this dialog: the job goes on.
          </Text>
          <Button color="red" variant="light" onClick={cancel} loading={busy}>
            Cancel
          </Button>
        </Group>
      )}
      {job.status === 'completed' && (
        <Alert color="green" title="Completed">
          {job.sent.toLocaleString()} snapshots delivered, {job.failed.toLocaleString()} failed.
        </Alert>
      )}
      {job.status === 'cancelled' && (
        <Alert color="yellow" title="Cancelled">
          Nothing more is queued; {job.queued.toLocaleString()} snapshots were queued before the cancel and are still sent.
        </Alert>
      )}
      {job.status === 'failed' && (
        <Alert color="red" title="Stopped">
          {job.error}
        </Alert>
      )}
      <ErrorAlert error={error} title="Could not refresh" />
    </Stack>
  );
}
