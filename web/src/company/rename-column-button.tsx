// Rename a custom column (admins). Values stay on every record: they are keyed by the column id, not its name.
import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';
import { fieldError } from '../api/client.js';
import { customColumns } from '../api/endpoints.js';
import type { CustomColumn } from '../api/types.js';
import { ErrorAlert } from '../components/error-alert.js';

export function RenameColumnButton({ column, onRenamed }: { column: CustomColumn; onRenamed: () => void }) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpened(true)} aria-label={`Rename ${column.name}`}>
        Rename
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title="Rename custom field">
        {opened && (
          <RenameForm
            column={column}
            onDone={() => {
              setOpened(false);
              onRenamed();
            }}
          />
        )}
      </Modal>
    </>
  );
}

function RenameForm({ column, onDone }: { column: CustomColumn; onDone: () => void }) {
  const [name, setName] = useState(column.name);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === column.name) return onDone();
    setBusy(true);
    setError(null);
    try {
      const renamed = await customColumns.update(column.id, { name: name.trim() });
      notifications.show({ color: 'green', message: `“${column.name}” is now “${renamed.name}”` });
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Rename custom field">
      <Stack>
        <TextInput label="Field name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(error, 'name')} data-autofocus />
        <ErrorAlert error={error} shownFields={['name']} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
