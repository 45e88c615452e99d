// One delivery in full: what was sent (headers, pretty JSON body), what came back (status, body excerpt), the
// error kind and message, timings, the links between a resend and its original, and the chain of automatic
// retries (attempt, when the next one is due). Admins can Resend from here.
import { Alert, Anchor, Button, Code, Drawer, Group, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { deliveries } from '../api/endpoints.js';
import type { Delivery, DeliveryDetail, DeliveryTrigger, RecordType } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageLoader } from '../components/states.js';
import { formatDateTime, formatDuration, prettyJson } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useAsync } from '../lib/use-async.js';
import { RECORD_CONFIG } from '../records/record-config.js';
import { ExplainButton } from '../webhooks/explain-button.js';
import { EventChip, STATUS_LABELS, StatusChip } from './status-chip.js';

/** Long ids, URLs and JSON lines wrap instead of widening the drawer past a phone's screen. */
const WRAP = { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } as const;

const TRIGGER_LABELS: Record<DeliveryTrigger, string> = { event: 'Event', resend: 'Resend', retry: 'Automatic retry', recover: 'Recover', test: 'Test event', backfill: 'Send current state' };

interface DeliveryDrawerProps {
  id: string | null;
  onClose: () => void;
  onOpen: (id: string) => void;
  onResent: (created: Delivery) => void;
}

export function DeliveryDrawer({ id, onClose, onOpen, onResent }: DeliveryDrawerProps) {
  const narrow = useMediaQuery('(max-width: 48em)');
  return (
    <Drawer opened={id !== null} onClose={onClose} position="right" size={narrow ? '100%' : 'xl'} title="Delivery" scrollAreaComponent={ScrollArea.Autosize}>
      {id && <DeliveryDetailView key={id} id={id} onOpen={onOpen} onResent={onResent} />}
    </Drawer>
  );
}

function DeliveryDetailView({ id, onOpen, onResent }: { id: string; onOpen: (id: string) => void; onResent: (created: Delivery) => void }) {
  const { isAdmin } = useSession();
  const detail = useAsync(() => deliveries.get(id), [id]);
  const [resendError, setResendError] = useState<unknown>(null);
  const [resending, setResending] = useState(false);
  const d = detail.data;
  const inFlight = d?.status === 'pending' || d?.status === 'processing';
  // A retry waiting or under way changes the chain: keep it fresh until the chain settles.
  const chainMoving = d?.retryChain.some((a) => a.status === 'pending' || a.status === 'processing' || a.nextAttemptAt !== null) ?? false;

  useEffect(() => {
    if (!inFlight && !chainMoving) return;
    const timer = setInterval(() => void detail.reload(), 1000);
    return () => clearInterval(timer);
  }, [inFlight, chainMoving, detail.reload]);

  if (detail.error) return <ErrorAlert error={detail.error} />;
  if (!d) return <PageLoader />;

  const resend = async () => {
    setResending(true);
    setResendError(null);
    try {
      const created = await deliveries.resend(d.id);
      notifications.show({ color: 'green', message: 'Resent: a new delivery was created' });
      onResent(created);
    } catch (caught) {
      setResendError(caught);
    } finally {
      setResending(false);
    }
  };

  const link = (target: string, text: string) => (
    <Anchor component="button" type="button" size="sm" onClick={() => onOpen(target)}>
      {text}
    </Anchor>
  );

  return (
    <Stack gap="md" data-delivery-detail={d.id}>
      <Group justify="space-between">
        <Group gap="xs">
          <StatusChip status={d.status} />
          <EventChip event={d.event} />
        </Group>
        <Group gap="xs">
          {d.trigger !== 'test' && <ExplainButton deliveryId={d.id} webhookId={d.webhookId} />}
          {isAdmin && (
            <Button onClick={resend} loading={resending} disabled={inFlight}>
              Resend
            </Button>
          )}
        </Group>
      </Group>
      <ErrorAlert error={resendError} title="Not resent" />
      <Table variant="vertical" layout="fixed" withTableBorder style={{ overflowWrap: 'anywhere' }}>
        <Table.Tbody>
          <Row label="URL" value={<Text size="sm" style={{ wordBreak: 'break-all' }}>{d.url}</Text>} />
          <Row label="Record" value={<RecordLink event={d.event} id={d.entityId} />} />
          <Row label="Delivery id" value={<Code style={WRAP}>{d.id}</Code>} />
          <Row label="Created" value={formatDateTime(d.createdAt)} />
          <Row label="Completed" value={formatDateTime(d.completedAt)} />
          <Row label="Duration" value={formatDuration(d.durationMs)} />
          <Row label="Trigger" value={TRIGGER_LABELS[d.trigger] ?? d.trigger} />
          <Row label="Attempt" value={String(d.attempt)} />
          {d.retryOf && <Row label="Retry of" value={link(d.retryOf, `Attempt ${d.attempt - 1} (${d.retryOf.slice(0, 8)})`)} />}
          {d.nextAttemptAt && <Row label="Next attempt" value={<span data-testid="next-attempt">{formatDateTime(d.nextAttemptAt)}</span>} />}
          {d.resendOf && <Row label="Resend of" value={link(d.resendOf, `Original delivery ${d.resendOf.slice(0, 8)}`)} />}
          <ResendsRow delivery={d} link={link} />
        </Table.Tbody>
      </Table>
      {d.error && (
        <Alert color="red" title={`Error: ${d.error.kind}`} role="alert">
          {d.error.message}
        </Alert>
      )}
      {d.retryChain.length > 1 && <RetryChain delivery={d} link={link} />}
      <section aria-label="Response">
        <Title order={5} mb={4}>
          Response {d.statusCode !== null ? `— HTTP ${d.statusCode}` : ''}
        </Title>
        {d.responseBody ? <Code block data-testid="response-body" style={WRAP}>{d.responseBody}</Code> : <Text size="sm" c="dimmed">{inFlight ? 'Waiting for the receiver…' : 'No response body'}</Text>}
      </section>
      <section aria-label="Request">
        <Title order={5} mb={4}>
          Request headers
        </Title>
        <Table withTableBorder fz="xs" layout="fixed" style={{ overflowWrap: 'anywhere' }}>
          <Table.Tbody>
            {Object.entries(d.requestHeaders ?? {}).map(([name, value]) => (
              <Table.Tr key={name}>
                <Table.Td ff="monospace" w="40%">{name}</Table.Td>
                <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>{value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Title order={5} mt="sm" mb={4}>
          Request body
        </Title>
        <Code block data-testid="request-body" style={WRAP}>{prettyJson(d.requestBody)}</Code>
      </section>
    </Stack>
  );
}

function Row({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w={110}>{label}</Table.Th>
      <Table.Td>{value}</Table.Td>
    </Table.Tr>
  );
}

/** The record the event is about, linked to its page (a deleted record's page says it is gone). */
function RecordLink({ event, id }: { event: string; id: string }) {
  const type = event.split('.')[0] as RecordType;
  const config = RECORD_CONFIG[type];
  // A test event (webhook.test) is about the webhook itself, not a record.
  if (!config) {
    return (
      <Anchor component={Link} to="/company/webhooks" size="sm" style={WRAP}>
        Webhook {id}
      </Anchor>
    );
  }
  return (
    <Anchor component={Link} to={`${config.path}/${id}`} size="sm" style={WRAP}>
      {config.singular} {id}
    </Anchor>
  );
}

/**
 * The resends made from this delivery. The log has no "resendOf" filter, so this reads the newest 100 deliveries
 * of the same webhook, event and record and keeps those pointing here.
 */
function ResendsRow({ delivery, link }: { delivery: Delivery; link: (id: string, text: string) => React.ReactNode }) {
  const resends = useAsync(
    () =>
      deliveries
        .list({ webhookId: delivery.webhookId, event: delivery.event, entityId: delivery.entityId, page: 1, pageSize: 100 })
        .then((page) => page.items.filter((item) => item.resendOf === delivery.id)),
    [delivery.id],
  );
  if (!resends.data?.length) return null;
  return (
    <Row
      label="Resends"
      value={
        <Stack gap={2}>
          {resends.data.map((r) => (
            <span key={r.id}>{link(r.id, `${formatDateTime(r.createdAt)} — ${STATUS_LABELS[r.status]}`)}</span>
          ))}
        </Stack>
      }
    />
  );
}

/** Every attempt of the delivery's automatic-retry chain, attempt 1 first; the one shown is marked. */
function RetryChain({ delivery, link }: { delivery: DeliveryDetail; link: (id: string, text: string) => React.ReactNode }) {
  return (
    <section aria-label="Retry chain">
      <Title order={5} mb={4}>
        Attempts
      </Title>
      <Table withTableBorder fz="xs" layout="fixed" style={{ overflowWrap: 'anywhere' }}>
        <Table.Tbody>
          {delivery.retryChain.map((a) => (
            <Table.Tr key={a.id} data-attempt={a.attempt} data-status={a.status}>
              <Table.Td w={90}>{a.id === delivery.id ? <Text size="xs" fw={700}>Attempt {a.attempt}</Text> : link(a.id, `Attempt ${a.attempt}`)}</Table.Td>
              <Table.Td>
                <Group gap={6}>
                  <StatusChip status={a.status} />
                  {a.statusCode !== null && <Text size="xs">HTTP {a.statusCode}</Text>}
                  {a.errorKind && a.errorKind !== 'http_status' && <Text size="xs">{a.errorKind}</Text>}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{formatDateTime(a.completedAt ?? a.createdAt)}</Text>
                {a.nextAttemptAt && (
                  <Text size="xs" c="dimmed">
                    next attempt {formatDateTime(a.nextAttemptAt)}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </section>
  );
}
