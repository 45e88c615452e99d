// The rows of the delivery log: a table on wide screens, a stack of cards on a phone (where seven columns would
// need sideways scrolling to reach the status).
import { Anchor, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { Delivery } from '../api/types.js';
import { TableStatusRow } from '../components/states.js';
import { formatDateTime, formatDuration } from '../lib/format.js';
import { EventChip, StatusChip } from './status-chip.js';

interface DeliveryListProps {
  items: Delivery[];
  loading: boolean;
  onOpen: (id: string) => void;
}

const EMPTY = 'No deliveries match. Deliveries appear here when a subscribed record changes.';

function TimeLink({ delivery, onOpen }: { delivery: Delivery; onOpen: (id: string) => void }) {
  return (
    <Anchor
      href={`/company/deliveries?id=${delivery.id}`}
      size="sm"
      onClick={(e) => {
        e.preventDefault();
        e.stopPropagation();
        onOpen(delivery.id);
      }}
    >
      {formatDateTime(delivery.createdAt)}
    </Anchor>
  );
}

export function DeliveryList(props: DeliveryListProps) {
  const narrow = useMediaQuery('(max-width: 48em)');
  return narrow ? <DeliveryCards {...props} /> : <DeliveryTable {...props} />;
}

function DeliveryCards({ items, loading, onOpen }: DeliveryListProps) {
  if (items.length === 0) return <Text c="dimmed" ta="center" py="lg">{loading ? 'Loading…' : EMPTY}</Text>;
  return (
    <Stack gap="xs" role="list" aria-label="Deliveries">
      {items.map((d) => (
        <Paper key={d.id} withBorder p="sm" role="listitem" data-delivery-id={d.id} data-status={d.status} onClick={() => onOpen(d.id)} style={{ cursor: 'pointer' }}>
          <Group justify="space-between" gap="xs">
            <TimeLink delivery={d} onOpen={onOpen} />
            <StatusChip status={d.status} />
          </Group>
          <Group gap="xs" mt={6}>
            <EventChip event={d.event} />
            <Text size="xs">HTTP {d.statusCode ?? '—'}</Text>
            <Text size="xs">{formatDuration(d.durationMs)}</Text>
            {d.trigger !== 'event' && <Text size="xs" c="dimmed">{triggerText(d)}</Text>}
          </Group>
          <Text size="xs" c="dimmed" truncate="end" mt={4}>
            {d.url}
          </Text>
        </Paper>
      ))}
    </Stack>
  );
}

function DeliveryTable({ items, loading, onOpen }: DeliveryListProps) {
  return (
    <Table.ScrollContainer minWidth={860}>
      <Table striped highlightOnHover aria-label="Deliveries" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Time</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th>Record</Table.Th>
            <Table.Th>URL</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>HTTP</Table.Th>
            <Table.Th>Duration</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((d) => (
            <Table.Tr key={d.id} data-delivery-id={d.id} data-status={d.status} style={{ cursor: 'pointer' }} onClick={() => onOpen(d.id)}>
              <Table.Td>
                <TimeLink delivery={d} onOpen={onOpen} />
                {d.trigger !== 'event' && (
                  <Text size="xs" c="dimmed">
                    {triggerText(d)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <EventChip event={d.event} />
              </Table.Td>
              <Table.Td>
                <Text size="xs" ff="monospace" title={d.entityId}>
                  {d.entityId.slice(0, 8)}
                </Text>
              </Table.Td>
              <Table.Td maw={260}>
                <Text size="xs" truncate="end" title={d.url}>
                  {d.url}
                </Text>
              </Table.Td>
              <Table.Td>
                <StatusChip status={d.status} />
              </Table.Td>
              <Table.Td>{d.statusCode ?? '—'}</Table.Td>
              <Table.Td>{formatDuration(d.durationMs)}</Table.Td>
            </Table.Tr>
          ))}
          <TableStatusRow colSpan={7} loading={loading} empty={items.length === 0} emptyText={EMPTY} />
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** "resend", "retry · attempt 2", …: how a delivery that is not an event's first came to be. */
function triggerText(d: Delivery): string {
  return d.trigger === 'retry' ? `retry · attempt ${d.attempt}` : d.trigger;
}
