// The events a webhook subscribes to, grouped by record type, with a select-all checkbox per group.
import { Checkbox, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { EVENT_NAMES, RECORD_TYPES, type EventName } from '../api/types.js';

const TYPE_LABELS: Record<string, string> = { contact: 'Contacts', organization: 'Organizations', deal: 'Deals', service: 'Services', task: 'Tasks' };

export function EventsPicker({ value, onChange, error }: { value: EventName[]; onChange: (events: EventName[]) => void; error?: string }) {
  const selected = new Set(value);
  const setMany = (events: EventName[], on: boolean) => {
    const next = new Set(selected);
    for (const event of events) (on ? next.add(event) : next.delete(event));
    onChange(EVENT_NAMES.filter((e) => next.has(e)));
  };

  return (
    <Stack gap={6} role="group" aria-labelledby="webhook-events-label">
      <Group justify="space-between">
        <Text size="sm" fw={500} id="webhook-events-label">
          Events <span aria-hidden>*</span>
        </Text>
        <Checkbox size="xs" label="All events" checked={selected.size === EVENT_NAMES.length} indeterminate={selected.size > 0 && selected.size < EVENT_NAMES.length} onChange={(e) => setMany(EVENT_NAMES, e.currentTarget.checked)} />
      </Group>
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs">
        {RECORD_TYPES.map((type) => {
          const group = EVENT_NAMES.filter((e) => e.startsWith(`${type}.`));
          const count = group.filter((e) => selected.has(e)).length;
          return (
            <Paper key={type} withBorder p="xs">
              <Checkbox
                label={TYPE_LABELS[type]}
                fw={600}
                checked={count === group.length}
                indeterminate={count > 0 && count < group.length}
                onChange={(e) => setMany(group, e.currentTarget.checked)}
                aria-label={`All ${TYPE_LABELS[type]!.toLowerCase()} events`}
                mb={6}
              />
              <Group gap="xs">
                {group.map((event) => (
                  <Checkbox key={event} size="xs" label={event.split('.')[1]} aria-label={event} checked={selected.has(event)} onChange={(e) => setMany([event], e.currentTarget.checked)} />
                ))}
              </Group>
            </Paper>
          );
        })}
      </SimpleGrid>
      {error && (
        <Text size="xs" c="red" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}
