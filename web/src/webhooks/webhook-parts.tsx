// Pieces of a webhook row shared by the table (wide screens) and the cards (phones).
import { Anchor, Badge, Button, Group, Stack, Switch, Text, Tooltip } from '@mantine/core';
import type { Webhook } from '../api/types.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { EventChip, StatusChip } from '../deliveries/status-chip.js';
import { formatDateTime } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { BackfillButton } from './backfill-modal.js';
import { RecoverButton } from './recover-modal.js';
import { RotateSecretButton } from './rotate-secret-modal.js';
import { SendTestButton } from './send-test-button.js';

const CHIPS_SHOWN = 3;

export interface WebhookRowActions {
  isAdmin: boolean;
  onEdit: (webhook: Webhook) => void;
  onToggle: (webhook: Webhook, enabled: boolean) => void;
  onDelete: (webhook: Webhook) => Promise<void>;
  /** A test delivery finished or a recover queued deliveries: the list's last delivery has moved. */
  onDelivered?: () => void;
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

const DISABLED_LABELS: Record<NonNullable<Webhook['disabledReason']>, { badge: string; why: string }> = {
  manual: { badge: 'Disabled', why: 'Disabled by a user' },
  gone: { badge: 'Gone', why: 'Disabled because the receiver answered 410 Gone' },
  failing: { badge: 'Failing', why: 'Disabled because every delivery failed for too long (WEBHOOK_DISABLE_AFTER)' },
};

export function EnabledSwitch({ webhook, isAdmin, onToggle }: { webhook: Webhook } & Pick<WebhookRowActions, 'isAdmin' | 'onToggle'>) {
  return (
    <Stack gap={4} align="flex-start">
      <Switch checked={webhook.enabled} disabled={!isAdmin} onChange={(e) => onToggle(webhook, e.currentTarget.checked)} aria-label={`Enabled: ${webhook.url}`} />
      <DisabledBadge webhook={webhook} isAdmin={isAdmin} onToggle={onToggle} />
    </Stack>
  );
}

/** Why a webhook is disabled (manual, gone, failing) and since when, with a re-enable action for admins. */
export function DisabledBadge({ webhook, isAdmin, onToggle }: { webhook: Webhook } & Pick<WebhookRowActions, 'isAdmin' | 'onToggle'>) {
  if (webhook.enabled || !webhook.disabledReason) return null;
  const label = DISABLED_LABELS[webhook.disabledReason];
  return (
    <Stack gap={2} align="flex-start" data-disabled-reason={webhook.disabledReason}>
      <Tooltip label={`${label.why}${webhook.disabledAt ? `, ${formatDateTime(webhook.disabledAt)}` : ''}`} multiline maw={300}>
        <Badge color={webhook.disabledReason === 'manual' ? 'gray' : 'red'} variant="light" tt="none" style={{ flexShrink: 0 }}>
          {label.badge}
        </Badge>
      </Tooltip>
      {isAdmin && (
        <Button size="compact-xs" variant="subtle" onClick={() => onToggle(webhook, true)} aria-label={`Re-enable ${webhook.url}`}>
          Re-enable
        </Button>
      )}
    </Stack>
  );
}

export function WebhookButtons({ webhook, isAdmin, onEdit, onDelete, onDelivered }: { webhook: Webhook } & Omit<WebhookRowActions, 'onToggle'>) {
  return (
    <Group gap={6} justify="flex-end">
      <Button component={Link} to={`/company/deliveries?webhookId=${webhook.id}`} size="xs" variant="subtle">
        Deliveries
      </Button>
      {isAdmin && <SendTestButton webhook={webhook} onFinished={onDelivered} />}
      {isAdmin && <RecoverButton webhook={webhook} onQueued={onDelivered} />}
      {isAdmin && <BackfillButton webhook={webhook} onFinished={onDelivered} />}
      {isAdmin && <RotateSecretButton webhook={webhook} onRotated={onDelivered} />}
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
