// Search and filters above the delivery log: free text over url and event name, status, event, webhook, and a
// from/to time range (local time in the inputs, ISO-8601 to the API).
import { Select, SimpleGrid, TextInput } from '@mantine/core';
import { EVENT_NAMES, type Webhook } from '../api/types.js';
import { STATUS_LABELS } from './status-chip.js';

export interface DeliveryFilterState {
  search: string;
  status: string | null;
  event: string | null;
  webhookId: string | null;
  /** datetime-local values ("2026-04-22T10:00"); empty for no bound. */
  from: string;
  to: string;
}

export function DeliveryFilters({ value, onChange, webhooks }: { value: DeliveryFilterState; onChange: (next: DeliveryFilterState) => void; webhooks: Webhook[] }) {
  const set = <K extends keyof DeliveryFilterState>(key: K, next: DeliveryFilterState[K]) => onChange({ ...value, [key]: next });
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} mb="md" spacing="sm">
      <TextInput label="Search" placeholder="URL or event name" value={value.search} onChange={(e) => set('search', e.currentTarget.value)} type="search" />
      <Select
        label="Status"
        placeholder="Any status"
        data={Object.entries(STATUS_LABELS).map(([status, label]) => ({ value: status, label }))}
        value={value.status}
        onChange={(next) => set('status', next)}
        clearable
      />
      <Select label="Event" placeholder="Any event" data={EVENT_NAMES} value={value.event} onChange={(next) => set('event', next)} clearable searchable />
      <Select
        label="Webhook"
        placeholder="Any webhook"
        data={webhooks.map((w) => ({ value: w.id, label: w.description ? `${w.description} — ${w.url}` : w.url }))}
        value={value.webhookId}
        onChange={(next) => set('webhookId', next)}
        clearable
        searchable
      />
      <TextInput label="From" description="Created at or after" type="datetime-local" value={value.from} onChange={(e) => set('from', e.currentTarget.value)} />
      <TextInput label="To" description="Created before" type="datetime-local" value={value.to} onChange={(e) => set('to', e.currentTarget.value)} />
    </SimpleGrid>
  );
}
