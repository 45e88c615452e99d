// Company → Custom fields: columns defined per record type. A single-select keeps stable option values, so a
// deal pipeline "stage" can be relabelled without touching the deals. Admins add and delete fields; members see
// the list without those controls (the API refuses them with 403 anyway).
import { Badge, Button, Group, Paper, Select, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';
import { fieldError } from '../api/client.js';
import { customColumns } from '../api/endpoints.js';
import { CUSTOM_COLUMN_TYPES, RECORD_TYPES, type CustomColumnType, type RecordType } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageHeader } from '../components/page-header.js';
import { TableStatusRow } from '../components/states.js';
import { useAsync } from '../lib/use-async.js';
import { RECORD_CONFIG } from '../records/record-config.js';
import { RenameColumnButton } from './rename-column-button.js';

const TYPE_LABELS: Record<CustomColumnType, string> = {
  text: 'Text',
  number: 'Number',
  currency: 'Currency',
  date: 'Date',
  singleSelect: 'Single select',
  email: 'Email',
  phone: 'Phone',
  link: 'Link',
};
const entityOptions = RECORD_TYPES.map((t) => ({ value: t, label: RECORD_CONFIG[t].plural }));

export function CustomFieldsPage() {
  const { isAdmin } = useSession();
  const [entityType, setEntityType] = useState<RecordType>('contact');
  const list = useAsync(() => customColumns.list(entityType).then((r) => r.items.filter((c) => c.entityType === entityType)), [entityType]);
  const items = list.data ?? [];

  return (
    <>
      <PageHeader title="Custom fields" />
      <Select label="Record type" data={entityOptions} value={entityType} onChange={(v) => setEntityType((v ?? 'contact') as RecordType)} allowDeselect={false} maw={260} mb="md" />
      {isAdmin ? (
        <NewColumnForm key={entityType} entityType={entityType} onCreated={() => void list.reload()} />
      ) : (
        <Text size="sm" c="dimmed" mb="md">
          Only admins can add, change or delete custom fields.
        </Text>
      )}
      <ErrorAlert error={list.error} />
      <Table.ScrollContainer minWidth={480}>
        <Table striped aria-label="Custom fields">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Options</Table.Th>
              {isAdmin && <Table.Th aria-label="Actions" />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((column) => (
              <Table.Tr key={column.id}>
                <Table.Td>{column.name}</Table.Td>
                <Table.Td>{TYPE_LABELS[column.type]}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {column.options.map((o) => (
                      <Badge key={o.value} variant="light" tt="none">
                        {o.label}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                {isAdmin && (
                  <Table.Td>
                    <Group gap={6} wrap="nowrap" justify="flex-end">
                      <RenameColumnButton column={column} onRenamed={() => void list.reload()} />
                      <ConfirmButton
                        label="Delete"
                        ariaLabel={`Delete ${column.name}`}
                        title="Delete custom field?"
                        message={`“${column.name}” and its value on every ${RECORD_CONFIG[entityType].singular.toLowerCase()} will be removed.`}
                        onConfirm={async () => {
                          await customColumns.remove(column.id);
                          await list.reload();
                        }}
                      />
                    </Group>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
            <TableStatusRow colSpan={isAdmin ? 4 : 3} loading={list.loading} empty={items.length === 0} emptyText={`No custom fields for ${RECORD_CONFIG[entityType].plural.toLowerCase()} yet.`} />
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}

function NewColumnForm({ entityType, onCreated }: { entityType: RecordType; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState<CustomColumnType>('text');
  const [options, setOptions] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await customColumns.create({ entityType, name: name.trim(), type, ...(type === 'singleSelect' ? { options: options.map((label) => ({ label })) } : {}) });
      notifications.show({ color: 'green', message: `Field “${name.trim()}” added` });
      setName('');
      setOptions([]);
      onCreated();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" mb="md" maw={760}>
      <form onSubmit={submit} noValidate aria-label="New custom field">
        <Title order={5} mb="xs">
          New field for {RECORD_CONFIG[entityType].plural.toLowerCase()}
        </Title>
        <Group align="flex-start" gap="sm">
          <TextInput label="Field name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(error, 'name')} style={{ flex: 1, minWidth: 160 }} />
          <Select label="Type" data={CUSTOM_COLUMN_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))} value={type} onChange={(v) => setType((v ?? 'text') as CustomColumnType)} allowDeselect={false} w={160} />
          {type === 'singleSelect' && (
            <TagsInput label="Options" description="Press Enter after each" value={options} onChange={setOptions} error={fieldError(error, 'options')} style={{ flex: 1, minWidth: 200 }} />
          )}
          <Button type="submit" loading={busy} mt={25}>
            Add field
          </Button>
        </Group>
        <ErrorAlert error={error} shownFields={['name', 'options']} />
      </form>
    </Paper>
  );
}
