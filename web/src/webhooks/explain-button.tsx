// "Why?": why a webhook did or did not get a delivery for an event. In the delivery drawer the event is the
// delivery's (and any webhook can be asked about it); on a record's page it is one of the record's recent
// events. Answers from POST /webhooks/{id}/explain: delivered or not, and each reason with the actual values.
import { Alert, Badge, Button, Code, Group, Modal, NativeSelect, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { messageOf } from '../api/client.js';
import { webhooks } from '../api/endpoints.js';
import type { EventName, RecordType, WebhookExplanation } from '../api/types.js';
import { formatDateTime } from '../lib/format.js';
import { useAsync } from '../lib/use-async.js';

/** How many of the newest events of the record's type are searched for the record's own events. */
const RECORD_EVENTS_SCAN = 1000;

type ExplainTarget = { deliveryId: string; webhookId: string } | { recordType: RecordType; entityId: string };

export function ExplainButton(props: ExplainTarget) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button type="button" variant="default" onClick={() => setOpened(true)}>
        Why?
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title="Why was it (not) delivered?" size="lg">
        {opened && <ExplainView target={props} />}
      </Modal>
    </>
  );
}

function ExplainView({ target }: { target: ExplainTarget }) {
  const hooks = useAsync(() => webhooks.list().then((r) => r.items), []);
  const [webhookId, setWebhookId] = useState<string>('deliveryId' in target ? target.webhookId : '');
  const recordEvents = useAsync(async () => {
    if (!('recordType' in target)) return [];
    const events = (['created', 'updated', 'deleted'] as const).map((a) => `${target.recordType}.${a}` as EventName);
    const preview = await webhooks.previewFilter({ events, filter: { field: 'id', op: 'eq', value: target.entityId }, limit: RECORD_EVENTS_SCAN });
    return preview.matches;
  }, []);
  const [eventId, setEventId] = useState('');
  const [answer, setAnswer] = useState<{ result?: WebhookExplanation; error?: string } | null>(null);

  useEffect(() => {
    if (!webhookId && hooks.data?.length) setWebhookId(hooks.data[0]!.id);
  }, [hooks.data, webhookId]);
  useEffect(() => {
    if (!eventId && recordEvents.data?.length) setEventId(recordEvents.data[0]!.eventId);
  }, [recordEvents.data, eventId]);

  const ready = webhookId && ('deliveryId' in target || eventId);
  useEffect(() => {
    if (!ready) return;
    let live = true;
    setAnswer(null);
    webhooks
      .explain(webhookId, 'deliveryId' in target ? { deliveryId: target.deliveryId } : { eventId })
      .then((result) => live && setAnswer({ result }))
      .catch((caught) => live && setAnswer({ error: messageOf(caught) }));
    return () => {
      live = false;
    };
  }, [webhookId, eventId, ready]);

  if (hooks.data?.length === 0) return <Text size="sm">This company has no webhooks.</Text>;
  return (
    <Stack gap="sm" data-testid="explain">
      <NativeSelect label="Webhook" value={webhookId} onChange={(e) => setWebhookId(e.currentTarget.value)} data={(hooks.data ?? []).map((h) => ({ value: h.id, label: h.description ? `${h.description} — ${h.url}` : h.url }))} />
      {'recordType' in target &&
        (recordEvents.data?.length === 0 ? (
          <Text size="sm" c="dimmed">No recent events of this record.</Text>
        ) : (
          <NativeSelect
            label="Event"
            value={eventId}
            onChange={(e) => setEventId(e.currentTarget.value)}
            data={(recordEvents.data ?? []).map((m) => ({ value: m.eventId, label: `${m.event} · ${formatDateTime(m.timestamp)}` }))}
          />
        ))}
      {answer?.error && (
        <Alert color="red" role="alert">
          {answer.error}
        </Alert>
      )}
      {answer?.result && <ExplanationView result={answer.result} />}
    </Stack>
  );
}

const show = (value: unknown) => (value === undefined ? '—' : JSON.stringify(value));

function ExplanationView({ result }: { result: WebhookExplanation }) {
  return (
    <Stack gap="xs" data-testid="explanation">
      <Group gap="xs">
        <Badge color={result.delivered ? 'green' : 'gray'} size="lg">
          {result.delivered ? 'Delivered' : 'Not delivered'}
        </Badge>
        <Text size="xs" c="dimmed">
          event <Code>{result.eventId}</Code>
        </Text>
      </Group>
      {result.reasons.map((reason, index) => (
        <Alert key={index} color={reason.code === 'delivered' ? 'green' : reason.code === 'changed_since_event' ? 'yellow' : 'blue'} variant="light" title={reason.code}>
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {reason.message}
          </Text>
          {reason.condition && (
            <Text size="xs" mt={4} ff="monospace" style={{ overflowWrap: 'anywhere' }}>
              {reason.condition.field} {reason.condition.op} {show(reason.condition.value)} · previous {show(reason.condition.previous)} · current {show(reason.condition.current)}
            </Text>
          )}
        </Alert>
      ))}
    </Stack>
  );
}
