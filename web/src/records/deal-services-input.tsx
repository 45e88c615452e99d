// A deal's services: which service and how many of it. The server derives the deal's totals from these.
import { ActionIcon, Button, Group, NumberInput, Select, Stack, Text } from '@mantine/core';
import { records } from '../api/endpoints.js';
import type { DealService } from '../api/types.js';
import { useAsync } from '../lib/use-async.js';
import { titleOf } from './record-config.js';

export type { DealService };

export function DealServicesInput({ value, onChange }: { value: DealService[]; onChange: (value: DealService[]) => void }) {
  const services = useAsync(() => records.list('service', { page: 1, pageSize: 100 }), []);
  const options = (services.data?.items ?? []).map((s) => ({ value: s.id, label: `${titleOf('service', s)} (${String(s.amount)})` }));
  const update = (index: number, patch: Partial<DealService>) => onChange(value.map((row, i) => (i === index ? { ...row, ...patch } : row)));

  return (
    <Stack gap="xs">
      <Text size="sm" fw={500}>
        Services
      </Text>
      {value.map((row, index) => (
        <Group key={index} gap="xs" align="flex-end" wrap="nowrap">
          <Select
            label={`Service ${index + 1}`}
            data={options}
            value={row.serviceId || null}
            onChange={(id) => update(index, { serviceId: id ?? '' })}
            searchable
            style={{ flex: 1 }}
          />
          <NumberInput label="Quantity" min={1} value={row.quantity} onChange={(q) => update(index, { quantity: Number(q) || 1 })} w={110} />
          <ActionIcon variant="subtle" color="red" size="lg" aria-label={`Remove service ${index + 1}`} onClick={() => onChange(value.filter((_, i) => i !== index))}>
            ×
          </ActionIcon>
        </Group>
      ))}
      <Button variant="default" size="xs" w="fit-content" onClick={() => onChange([...value, { serviceId: '', quantity: 1 }])}>
        Add service
      </Button>
    </Stack>
  );
}
