// Company → Users: everyone in the company; admins add members or admins, change roles and remove users.
import { Badge, Button, Group, Modal, PasswordInput, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';
import { fieldError, messageOf } from '../api/client.js';
import { users } from '../api/endpoints.js';
import type { User } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageHeader } from '../components/page-header.js';
import { TableStatusRow } from '../components/states.js';
import { formatDateTime } from '../lib/format.js';
import { useAsync } from '../lib/use-async.js';

export function UsersPage() {
  const { isAdmin, user: me } = useSession();
  const list = useAsync(() => users.list(), []);
  const [adding, setAdding] = useState(false);
  const items = list.data?.items ?? [];

  return (
    <>
      <PageHeader title="Users">{isAdmin && <Button onClick={() => setAdding(true)}>Add user</Button>}</PageHeader>
      <ErrorAlert error={list.error} />
      <Table.ScrollContainer minWidth={560}>
        <Table striped aria-label="Users">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Added</Table.Th>
              {isAdmin && <Table.Th aria-label="Actions" />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((user) => (
              <Table.Tr key={user.id}>
                <Table.Td>
                  {user.firstName} {user.lastName}
                </Table.Td>
                <Table.Td>{user.email}</Table.Td>
                <Table.Td>
                  {isAdmin && user.id !== me?.id ? (
                    <RoleSelect user={user} onChanged={() => void list.reload()} />
                  ) : (
                    <Badge variant="light" color={user.role === 'admin' ? 'indigo' : 'gray'}>
                      {user.role}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{formatDateTime(user.createdAt)}</Table.Td>
                {isAdmin && (
                  <Table.Td>
                    {user.id !== me?.id && (
                      <ConfirmButton
                        label="Remove"
                        ariaLabel={`Remove ${user.email}`}
                        confirmLabel="Remove"
                        title="Remove user?"
                        message={`${user.email} will no longer be able to sign in; their API keys stop working.`}
                        onConfirm={async () => {
                          await users.remove(user.id);
                          await list.reload();
                        }}
                      />
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
            <TableStatusRow colSpan={5} loading={list.loading} empty={items.length === 0} emptyText="No users." />
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {!isAdmin && (
        <Text size="sm" c="dimmed" mt="sm">
          Only admins can add or remove users and change roles.
        </Text>
      )}
      <Modal opened={adding} onClose={() => setAdding(false)} title="Add user">
        {adding && (
          <AddUserForm
            onDone={() => {
              setAdding(false);
              void list.reload();
            }}
          />
        )}
      </Modal>
    </>
  );
}

/** An admin changes another user's role in place; the server's refusal (e.g. the last admin) shows as a notification. */
function RoleSelect({ user, onChanged }: { user: User; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const change = async (role: string | null) => {
    if (!role || role === user.role) return;
    setBusy(true);
    try {
      const updated = await users.update(user.id, { role: role as User['role'] });
      notifications.show({ color: 'green', message: `${updated.email} is now ${updated.role === 'admin' ? 'an admin' : 'a member'}` });
      onChanged();
    } catch (caught) {
      notifications.show({ color: 'red', title: 'Role not changed', message: messageOf(caught) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Select
      aria-label={`Role of ${user.email}`}
      data={[
        { value: 'member', label: 'member' },
        { value: 'admin', label: 'admin' },
      ]}
      value={user.role}
      onChange={(role) => void change(role)}
      allowDeselect={false}
      disabled={busy}
      size="xs"
      w={120}
    />
  );
}

function AddUserForm({ onDone }: { onDone: () => void }) {
  const [form, setForm] = useState({ firstName: '', lastName: '', email: '', password: '', role: 'member' as User['role'] });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: 'firstName' | 'lastName' | 'email' | 'password') => (e: { currentTarget: { value: string } }) => setForm({ ...form, [key]: e.currentTarget.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await users.create(form);
      notifications.show({ color: 'green', message: `${created.email} added as ${created.role}` });
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Add user">
      <Stack>
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput label="First name" required value={form.firstName} onChange={set('firstName')} error={fieldError(error, 'firstName')} data-autofocus />
          <TextInput label="Last name" required value={form.lastName} onChange={set('lastName')} error={fieldError(error, 'lastName')} />
        </SimpleGrid>
        <TextInput label="Email" type="email" required value={form.email} onChange={set('email')} error={fieldError(error, 'email')} />
        <PasswordInput label="Initial password" description="At least 10 characters" required value={form.password} onChange={set('password')} error={fieldError(error, 'password')} />
        <Select
          label="Role"
          data={[{ value: 'member', label: 'Member — records; reads webhooks' }, { value: 'admin', label: 'Admin — everything' }]}
          value={form.role}
          onChange={(role) => setForm({ ...form, role: (role ?? 'member') as User['role'] })}
          allowDeselect={false}
        />
        <ErrorAlert error={error} shownFields={['firstName', 'lastName', 'email', 'password']} />
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>
            Add user
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
