// Company → Webhooks: every subscription with its events, on/off switch and the outcome of its last delivery.
// Members see the list; only admins see the buttons that change it.
import { Button, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { messageOf } from '../api/client.js';
import { webhooks } from '../api/endpoints.js';
import type { Webhook } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageHeader } from '../components/page-header.js';
import { useAsync } from '../lib/use-async.js';
import { WebhookFormModal } from './webhook-form-modal.js';
import { WebhookList } from './webhook-list.js';

export function WebhooksPage() {
  const { isAdmin } = useSession();
  const list = useAsync(() => webhooks.list(), []);
  const [editing, setEditing] = useState<Webhook | null>(null);
  const [formOpen, setFormOpen] = useState(false);

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

  const remove = async (webhook: Webhook) => {
    await webhooks.remove(webhook.id);
    notifications.show({ color: 'green', message: 'Webhook deleted' });
    await list.reload();
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
      <WebhookList items={list.data?.items ?? []} loading={list.loading} isAdmin={isAdmin} onEdit={open} onToggle={toggle} onDelete={remove} onDelivered={() => void list.reload()} />
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
