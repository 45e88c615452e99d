// Pieces of a webhook row shared by the table (wide screens) and the cards (phones).
import { Anchor, Badge, Button, Group, Switch, Text, Tooltip } from '@mantine/core';
import type { Webhook } from '../api/types.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { EventChip, StatusChip } from '../deliveries/status-chip.js';
import { formatDateTime } from '../lib/format.js';
import { Link } from '../lib/router.js';

const CHIPS_SHOWN = 3;

export interface WebhookRowActions {
  isAdmin: boolean;
  onEdit: (webhook: Webhook) => void;
  onToggle: (webhook: Webhook, enabled: boolean) => void;
  onDelete: (webhook: Webhook) => Promise<void>;
}

export function EventChips({ events }: { events: string[] }) {
  return (
    <Group gap={4}>
      {events.slice(0, CHIPS_SHOWN).map((event) => (
        <EventChip key={event} event={event} />
      ))}
      {events.length > CHIPS_SHOWN && (
        <Tooltip label={events.slice(CHIPS_SHOWN).join(', ')} multiline maw={300}>
          <Badge variant="default" tt="none">
            +{events.length - CHIPS_SHOWN} more
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

export function EnabledSwitch({ webhook, isAdmin, onToggle }: { webhook: Webhook } & Pick<WebhookRowActions, 'isAdmin' | 'onToggle'>) {
  return <Switch checked={webhook.enabled} disabled={!isAdmin} onChange={(e) => onToggle(webhook, e.currentTarget.checked)} aria-label={`Enabled: ${webhook.url}`} />;
}

export function WebhookButtons({ webhook, isAdmin, onEdit, onDelete }: { webhook: Webhook } & Omit<WebhookRowActions, 'onToggle'>) {
  return (
    <Group gap={6} wrap="nowrap" justify="flex-end">
      <Button component={Link} to={`/company/deliveries?webhookId=${webhook.id}`} size="xs" variant="subtle">
        Deliveries
      </Button>
      {isAdmin && (
        <Button size="xs" variant="default" onClick={() => onEdit(webhook)} aria-label={`Edit ${webhook.url}`}>
          Edit
        </Button>
      )}
      {isAdmin && (
        <ConfirmButton
          label="Delete"
          ariaLabel={`Delete ${webhook.url}`}
          title="Delete webhook?"
          message={`${webhook.url} will get no more deliveries. Its delivery log stays.`}
          onConfirm={() => onDelete(webhook)}
        />
      )}
    </Group>
  );
}

/** The webhook's newest delivery (the server includes it in every webhook). */
export function LastDelivery({ webhook }: { webhook: Webhook }) {
  const last = webhook.lastDelivery;
  if (!last) return <Text size="xs" c="dimmed">None yet</Text>;
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
