// Delivery status as a coloured chip, with the words a person uses.
import { Badge } from '@mantine/core';
import type { DeliveryStatus } from '../api/types.js';

export const STATUS_LABELS: Record<DeliveryStatus, string> = { success: 'Delivered', pending: 'Pending', processing: 'Sending', failed: 'Failed' };
const COLORS: Record<DeliveryStatus, string> = { success: 'green', pending: 'gray', processing: 'blue', failed: 'red' };

export function StatusChip({ status }: { status: DeliveryStatus }) {
  return (
    <Badge color={COLORS[status]} variant="light" data-status={status}>
      {STATUS_LABELS[status]}
    </Badge>
  );
}

export function EventChip({ event }: { event: string }) {
  const action = event.split('.')[1];
  const color = action === 'created' ? 'teal' : action === 'deleted' ? 'orange' : 'indigo';
  return (
    <Badge color={color} variant="outline" tt="none" radius="sm">
      {event}
    </Badge>
  );
}
