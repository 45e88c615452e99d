// Webhooks as a table on wide screens and as cards on a phone.
import { Group, Paper, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { Webhook } from '../api/types.js';
import { TableStatusRow } from '../components/states.js';
import { formatDateTime } from '../lib/format.js';
import { EnabledSwitch, EventChips, LastDelivery, WebhookButtons, type WebhookRowActions } from './webhook-parts.js';
import { WebhookHealth } from './stats-chart.js';

interface WebhookListProps extends WebhookRowActions {
  items: Webhook[];
  loading: boolean;
}

const EMPTY = 'No webhooks yet. Create one to receive an HTTPS POST for every change.';

function UrlAndDescription({ webhook }: { webhook: Webhook }) {
  return (
    <>
      <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
        {webhook.url}
      </Text>
      {webhook.description && (
        <Text size="xs" c="dimmed">
          {webhook.description}
        </Text>
      )}
      {webhook.headerNames.length > 0 && (
        <Text size="xs" c="dimmed" data-testid="header-names">
          Headers: {webhook.headerNames.join(', ')}
        </Text>
      )}
    </>
  );
}

export function WebhookList(props: WebhookListProps) {
  const narrow = useMediaQuery('(max-width: 48em)');
  return narrow ? <WebhookCards {...props} /> : <WebhookTable {...props} />;
}

function WebhookCards({ items, loading, ...actions }: WebhookListProps) {
  if (items.length === 0) return <Text c="dimmed" ta="center" py="lg">{loading ? 'Loading…' : EMPTY}</Text>;
  return (
    <Stack gap="sm" role="list" aria-label="Webhooks">
      {items.map((webhook) => (
        <Paper key={webhook.id} withBorder p="sm" role="listitem" data-webhook-id={webhook.id}>
          <Group justify="space-between" align="flex-start" wrap="nowrap">
            <div style={{ minWidth: 0 }}>
              <UrlAndDescription webhook={webhook} />
            </div>
            <EnabledSwitch webhook={webhook} {...actions} />
          </Group>
          <Stack gap={6} mt="xs">
            <EventChips events={webhook.events} />
            <LastDelivery webhook={webhook} />
            <WebhookHealth webhook={webhook} />
            <WebhookButtons webhook={webhook} {...actions} />
          </Stack>
        </Paper>
      ))}
    </Stack>
  );
}

function WebhookTable({ items, loading, ...actions }: WebhookListProps) {
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table striped highlightOnHover aria-label="Webhooks" verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>URL</Table.Th>
            <Table.Th>Events</Table.Th>
            <Table.Th>Enabled</Table.Th>
            <Table.Th>Last delivery</Table.Th>
            <Table.Th>Health</Table.Th>
            <Table.Th>Created / updated</Table.Th>
            <Table.Th aria-label="Actions" />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((webhook) => (
            <Table.Tr key={webhook.id} data-webhook-id={webhook.id}>
              <Table.Td maw={320}>
                <UrlAndDescription webhook={webhook} />
              </Table.Td>
              <Table.Td>
                <EventChips events={webhook.events} />
              </Table.Td>
              <Table.Td>
                <EnabledSwitch webhook={webhook} {...actions} />
              </Table.Td>
              <Table.Td>
                <LastDelivery webhook={webhook} />
              </Table.Td>
              <Table.Td>
                <WebhookHealth webhook={webhook} />
              </Table.Td>
              <Table.Td>
                <Text size="xs">{formatDateTime(webhook.createdAt)}</Text>
                <Text size="xs" c="dimmed">
                  {formatDateTime(webhook.updatedAt)}
                </Text>
              </Table.Td>
              <Table.Td>
                <WebhookButtons webhook={webhook} {...actions} />
              </Table.Td>
            </Table.Tr>
          ))}
          <TableStatusRow colSpan={7} loading={loading} empty={items.length === 0} emptyText={EMPTY} />
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
