// Create or edit one record: own fields, links (search as you type), assigned users, custom fields and notes.
// Saves go through the same REST API as every other client, so they produce the same events.
import { Anchor, Button, Group, MultiSelect, Paper, SimpleGrid, Stack, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';
import { fieldError } from '../api/client.js';
import { customColumns, records, users } from '../api/endpoints.js';
import type { CustomColumn, RecordData, RecordType } from '../api/types.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageLoader } from '../components/states.js';
import { formatDateTime } from '../lib/format.js';
import { Link, navigate } from '../lib/router.js';
import { useAsync } from '../lib/use-async.js';
import { CustomFieldInput } from './custom-field-input.js';
import { DealServicesInput, type DealService } from './deal-services-input.js';
import { LinkPicker } from './link-picker.js';
import { OwnFieldInput } from './own-field-input.js';
import { RECORD_CONFIG, titleOf } from './record-config.js';
import { buildPayload, initialForm, type FormState } from './record-payload.js';
import { ExplainButton } from '../webhooks/explain-button.js';

export function RecordEditPage({ type, id }: { type: RecordType; id: string | null }) {
  const loaded = useAsync(async () => {
    const [record, columns, team] = await Promise.all([
      id ? records.get(type, id) : Promise.resolve(null),
      customColumns.list(type).then((r) => r.items.filter((c) => c.entityType === type)).catch(() => [] as CustomColumn[]),
      users.list().then((r) => r.items),
    ]);
    return { record, columns, team };
  }, [type, id]);

  if (loaded.error) return <ErrorAlert error={loaded.error} title="This record could not be loaded" />;
  if (!loaded.data) return <PageLoader />;
  return <RecordForm type={type} {...loaded.data} />;
}

function RecordForm({ type, record, columns, team }: { type: RecordType; record: RecordData | null; columns: CustomColumn[]; team: { id: string; firstName: string; lastName: string }[] }) {
  const config = RECORD_CONFIG[type];
  const [form, setForm] = useState<FormState>(() => initialForm(type, record));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const setValue = (key: string, value: unknown) => setForm((f) => ({ ...f, values: { ...f.values, [key]: value } }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const payload = buildPayload(form, record, config.fields.filter((f) => f.required).map((f) => f.key));
      if (record && Object.keys(payload).length === 0) {
        notifications.show({ message: 'Nothing changed' });
      } else if (record) {
        await records.update(type, record.id, payload);
        notifications.show({ color: 'green', message: `${config.singular} saved` });
      } else {
        await records.create(type, payload);
        notifications.show({ color: 'green', message: `${config.singular} created` });
      }
      navigate(config.path);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const shownFields = [...config.fields.map((f) => f.key), ...config.links.map((l) => l.key)];
  return (
    <form onSubmit={submit} noValidate aria-label={`${config.singular} form`}>
      <Group justify="space-between" mb="md">
        <div>
          <Anchor component={Link} to={config.path} size="sm">
            ← {config.plural}
          </Anchor>
          <Title order={2}>{record ? titleOf(type, record) : `New ${config.singular.toLowerCase()}`}</Title>
          {record && (
            <Text size="xs" c="dimmed">
              Created {formatDateTime(record.createdAt as string)} · updated {formatDateTime(record.updatedAt as string)}
            </Text>
          )}
        </div>
        {record && (
          <Group gap="xs">
            <ExplainButton recordType={type} entityId={record.id} />
            <ConfirmButton
              label="Delete"
              title={`Delete ${config.singular.toLowerCase()}?`}
              message={`“${titleOf(type, record)}” will be deleted and unlinked from every related record.`}
              onConfirm={async () => {
                await records.remove(type, record.id);
                notifications.show({ color: 'green', message: `${config.singular} deleted` });
                navigate(config.path);
              }}
            />
          </Group>
        )}
      </Group>
      <Stack maw={860}>
        <Paper withBorder p="md">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {config.fields.map((field) => (
              <OwnFieldInput key={field.key} field={field} value={form.values[field.key]} onChange={(v) => setValue(field.key, v)} error={fieldError(error, field.key)} />
            ))}
          </SimpleGrid>
        </Paper>
        <Paper withBorder p="md">
          <Stack>
            <Title order={4}>Links</Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {config.links.map((link) => (
                <LinkPicker key={link.key} label={link.label} target={link.target} value={form.values[link.key] as string[]} onChange={(ids) => setValue(link.key, ids)} error={fieldError(error, link.key)} />
              ))}
              <MultiSelect
                label="Assigned users"
                data={team.map((u) => ({ value: u.id, label: `${u.firstName} ${u.lastName}` }))}
                value={form.values.userIds as string[]}
                onChange={(ids) => setValue('userIds', ids)}
                searchable
              />
            </SimpleGrid>
            {type === 'deal' && <DealServicesInput value={form.values.services as DealService[]} onChange={(rows) => setValue('services', rows)} />}
          </Stack>
        </Paper>
        {columns.length > 0 && (
          <Paper withBorder p="md">
            <Title order={4} mb="sm">
              Custom fields
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {columns.map((column) => (
                <CustomFieldInput
                  key={column.id}
                  column={column}
                  value={form.custom[column.id] ?? ''}
                  onChange={(value) => setForm((f) => ({ ...f, custom: { ...f.custom, [column.id]: value } }))}
                />
              ))}
            </SimpleGrid>
          </Paper>
        )}
        <Textarea label="Notes" autosize minRows={3} value={form.notes} onChange={(e) => setForm({ ...form, notes: e.currentTarget.value })} />
        <ErrorAlert error={error} shownFields={shownFields} title="Not saved" />
        <Group>
          <Button type="submit" loading={busy}>
            {record ? 'Save' : 'Create'}
          </Button>
          <Button variant="default" onClick={() => navigate(config.path)}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
