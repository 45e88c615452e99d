// Custom request headers on the webhook form (e.g. Authorization for a gateway in front of the receiver). Stored
// values are never sent back to the browser: an existing set shows its names with "••••"; changing it means
// entering the values again, because saving replaces the whole set.
import { ActionIcon, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';

interface Row {
  name: string;
  value: string;
}

interface CustomHeadersFieldProps {
  /** Names stored on the webhook (empty for a new one). */
  storedNames: string[];
  /** undefined: keep the stored set; null: remove it; an object: replace it. */
  onChange: (value: Record<string, string> | null | undefined) => void;
  /** The server's message for `headers` or `headers.<name>`. */
  error?: string;
}

const MAX_HEADERS = 10;

export function CustomHeadersField({ storedNames, onChange, error }: CustomHeadersFieldProps) {
  const [rows, setRows] = useState<Row[] | null>(storedNames.length === 0 ? [] : null);
  const [removed, setRemoved] = useState(false);

  const update = (next: Row[]) => {
    setRows(next);
    setRemoved(false);
    const filled = next.filter((r) => r.name.trim() !== '' || r.value !== '');
    if (filled.length === 0) onChange(storedNames.length > 0 ? null : undefined);
    else onChange(Object.fromEntries(filled.map((r) => [r.name.trim(), r.value])));
  };

  return (
    <Stack gap={4} aria-label="Custom headers" role="group">
      <Text size="sm" fw={500}>
        Custom headers
      </Text>
      <Text size="xs" c="dimmed">
        Sent with every delivery, e.g. Authorization for an API gateway. Stored encrypted; only the names are shown again. Switchboard’s own headers
        (Content-Type, User-Agent, X-Webhook-*, webhook-*) and connection headers cannot be set.
      </Text>
      {rows === null ? (
        <>
          {removed ? (
            <Text size="xs" c="orange">
              The custom headers will be removed when you save.
            </Text>
          ) : (
            storedNames.map((name) => (
              <Text key={name} size="sm" ff="monospace" data-testid="stored-header">
                {name}: ••••
              </Text>
            ))
          )}
          <Group gap="xs">
            <Button size="xs" variant="light" onClick={() => update(storedNames.map((name) => ({ name, value: '' })))}>
              Change headers
            </Button>
            {!removed && (
              <Button
                size="xs"
                variant="subtle"
                color="red"
                onClick={() => {
                  setRemoved(true);
                  onChange(null);
                }}
              >
                Remove all
              </Button>
            )}
          </Group>
        </>
      ) : (
        <>
          {rows.map((row, index) => (
            <Group key={index} gap="xs" wrap="nowrap" align="flex-start">
              <TextInput
                aria-label={`Header ${index + 1} name`}
                placeholder="Authorization"
                value={row.name}
                onChange={(e) => update(rows.map((r, i) => (i === index ? { ...r, name: e.currentTarget.value } : r)))}
                style={{ flex: 2 }}
              />
              <TextInput
                aria-label={`Header ${index + 1} value`}
                placeholder="Bearer …"
                type="password"
                value={row.value}
                onChange={(e) => update(rows.map((r, i) => (i === index ? { ...r, value: e.currentTarget.value } : r)))}
                style={{ flex: 3 }}
              />
              <ActionIcon variant="subtle" color="red" aria-label={`Remove header ${index + 1}`} onClick={() => update(rows.filter((_, i) => i !== index))} mt={4}>
                ×
              </ActionIcon>
            </Group>
          ))}
          {rows.length < MAX_HEADERS && (
            <Group>
              <Button size="xs" variant="light" onClick={() => update([...rows, { name: '', value: '' }])}>
                Add header
              </Button>
            </Group>
          )}
        </>
      )}
      {error && (
        <Text size="xs" c="red" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}
