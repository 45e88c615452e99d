// Company → Webhooks: every subscription with its events, on/off switch and the outcome of its last delivery.
// Members see the list; only admins see the buttons that change it.
import { Anchor, Badge, Button, Group, Switch, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { messageOf } from '../api/client.js';
import { deliveries, webhooks } from '../api/endpoints.js';
import type { Webhook } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageHeader } from '../components/page-header.js';
import { TableStatusRow } from '../components/states.js';
import { EventChip, StatusChip } from '../deliveries/status-chip.js';
import { formatDateTime } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useAsync } from '../lib/use-async.js';
import { WebhookFormModal } from './webhook-form-modal.js';

const CHIPS_SHOWN = 3;

export function WebhooksPage() {
  const { isAdmin } = useSession();
  const list = useAsync(() => webhooks.list(), []);
  const [editing, setEditing] = useState<Webhook | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const items = list.data?.items ?? [];

  const open = (webhook: Webhook | null) => {
    setEditing(webhook);
    setFormOpen(true);
  };

  const toggle = async (webhook: Webhook, enabled: boolean) => {
    try {
      await webhooks.update(webhook.id, { enabled });
      await list.reload();
    } catch (caught) {
      notifications.show({ color: 'red', title: 'Not saved', message: messageOf(caught) });
    }
  };

  return (
    <>
      <PageHeader title="Webhooks">{isAdmin && <Button onClick={() => open(null)}>New webhook</Button>}</PageHeader>
      {!isAdmin && (
        <Text size="sm" c="dimmed" mb="sm">
          Only admins can change webhooks.
        </Text>
      )}
      <ErrorAlert error={list.error} />
      <Table.ScrollContainer minWidth={900}>
        <Table striped highlightOnHover aria-label="Webhooks" verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>URL</Table.Th>
              <Table.Th>Events</Table.Th>
              <Table.Th>Enabled</Table.Th>
              <Table.Th>Last delivery</Table.Th>
              <Table.Th>Created / updated</Table.Th>
              <Table.Th aria-label="Actions" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((webhook) => (
              <Table.Tr key={webhook.id} data-webhook-id={webhook.id}>
                <Table.Td maw={320}>
                  <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                    {webhook.url}
                  </Text>
                  {webhook.description && (
                    <Text size="xs" c="dimmed">
                      {webhook.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {webhook.events.slice(0, CHIPS_SHOWN).map((event) => (
                      <EventChip key={event} event={event} />
                    ))}
                    {webhook.events.length > CHIPS_SHOWN && (
                      <Tooltip label={webhook.events.slice(CHIPS_SHOWN).join(', ')} multiline maw={300}>
                        <Badge variant="default" tt="none">
                          +{webhook.events.length - CHIPS_SHOWN} more
                        </Badge>
                      </Tooltip>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Switch checked={webhook.enabled} disabled={!isAdmin} onChange={(e) => toggle(webhook, e.currentTarget.checked)} aria-label={`Enabled: ${webhook.url}`} />
                </Table.Td>
                <Table.Td>
                  <LastDelivery webhook={webhook} />
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{formatDateTime(webhook.createdAt)}</Text>
                  <Text size="xs" c="dimmed">
                    {formatDateTime(webhook.updatedAt)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap" justify="flex-end">
                    <Button component={Link} to={`/company/deliveries?webhookId=${webhook.id}`} size="xs" variant="subtle">
                      Deliveries
                    </Button>
                    {isAdmin && (
                      <Button size="xs" variant="default" onClick={() => open(webhook)} aria-label={`Edit ${webhook.url}`}>
                        Edit
                      </Button>
                    )}
                    {isAdmin && (
                      <ConfirmButton
                        label="Delete"
                        ariaLabel={`Delete ${webhook.url}`}
                        title="Delete webhook?"
                        message={`${webhook.url} will get no more deliveries. Its delivery log stays.`}
                        onConfirm={async () => {
                          await webhooks.remove(webhook.id);
                          notifications.show({ color: 'green', message: 'Webhook deleted' });
                          await list.reload();
                        }}
                      />
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
            <TableStatusRow colSpan={6} loading={list.loading} empty={items.length === 0} emptyText="No webhooks yet. Create one to receive an HTTPS POST for every change." />
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <WebhookFormModal
        webhook={editing}
        opened={formOpen}
        onClose={() => setFormOpen(false)}
        onSaved={() => {
          setFormOpen(false);
          void list.reload();
        }}
      />
    </>
  );
}

/** The webhook's newest delivery, from the delivery log (newest first). */
function LastDelivery({ webhook }: { webhook: Webhook }) {
  const fromLog = useAsync(() => deliveries.list({ webhookId: webhook.id, page: 1, pageSize: 25 }).then((p) => p.items[0] ?? null), [webhook.id, webhook.updatedAt]);
  const last = fromLog.data;
  if (!last) return <Text size="xs" c="dimmed">{fromLog.loading ? '…' : 'None yet'}</Text>;
  return (
    <Anchor component={Link} to={`/company/deliveries?webhookId=${webhook.id}`} underline="never">
      <Group gap={4} wrap="nowrap">
        <StatusChip status={last.status} />
        {last.statusCode !== null && <Text size="xs">{last.statusCode}</Text>}
      </Group>
      <Text size="xs" c="dimmed">
        {formatDateTime(last.createdAt)}
      </Text>
    </Anchor>
  );
}
