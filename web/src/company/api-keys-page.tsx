// Company → API keys: create (the key is shown once, with a copy button), list by name and first characters,
// revoke. Admins see everyone's keys in the company; members their own.
import { Alert, Button, Code, CopyButton, Group, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';
import { fieldError } from '../api/client.js';
import { apiKeys } from '../api/endpoints.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageHeader } from '../components/page-header.js';
import { TableStatusRow } from '../components/states.js';
import { formatDateTime } from '../lib/format.js';
import { useAsync } from '../lib/use-async.js';

export function ApiKeysPage() {
  const list = useAsync(() => apiKeys.list(), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const items = list.data?.items ?? [];

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await apiKeys.create(name.trim());
      setCreated({ name: result.name, key: result.key });
      setName('');
      await list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title="API keys" />
      <Paper withBorder p="md" mb="md" maw={720}>
        <form onSubmit={create} aria-label="Create API key">
          <Group align="flex-end" gap="sm">
            <TextInput label="Key name" placeholder="e.g. Zapier" value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(error, 'name')} style={{ flex: 1, minWidth: 180 }} />
            <Button type="submit" loading={busy}>
              Create key
            </Button>
          </Group>
          <ErrorAlert error={error} shownFields={['name']} />
        </form>
        {created && (
          <Alert color="green" mt="md" title={`Key “${created.name}” created`} withCloseButton onClose={() => setCreated(null)}>
            <Stack gap="xs">
              <Text size="sm">Copy it now: it will not be shown again.</Text>
              <Code block data-testid="new-api-key" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
                {created.key}
              </Code>
              <CopyButton value={created.key}>
                {({ copied, copy }) => (
                  <Button size="xs" w="fit-content" variant="light" onClick={copy}>
                    {copied ? 'Copied' : 'Copy key'}
                  </Button>
                )}
              </CopyButton>
            </Stack>
          </Alert>
        )}
      </Paper>
      <ErrorAlert error={list.error} />
      <Table.ScrollContainer minWidth={520}>
        <Table striped aria-label="API keys">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Key</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th aria-label="Actions" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((key) => (
              <Table.Tr key={key.id}>
                <Table.Td>{key.name}</Table.Td>
                <Table.Td>
                  <Code>{key.start}…</Code>
                </Table.Td>
                <Table.Td>{formatDateTime(key.createdAt)}</Table.Td>
                <Table.Td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : 'Never'}</Table.Td>
                <Table.Td>
                  <ConfirmButton
                    label="Revoke"
                    ariaLabel={`Revoke ${key.name}`}
                    confirmLabel="Revoke"
                    title="Revoke API key?"
                    message={`Programs using “${key.name}” (${key.start}…) will get 401 from now on.`}
                    onConfirm={async () => {
                      await apiKeys.revoke(key.id);
                      notifications.show({ color: 'green', message: `Key “${key.name}” revoked` });
                      await list.reload();
                    }}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
            <TableStatusRow colSpan={5} loading={list.loading} empty={items.length === 0} emptyText="No API keys yet." />
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}
