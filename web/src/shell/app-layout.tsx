// The app shell: a header with the user menu and a navigation bar (records, then the Company section).
// On narrow screens the navigation folds behind a burger button.
import { AppShell, Burger, Button, Group, NavLink, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { useSession } from '../auth/session.js';
import { Link, navigate, useLocation } from '../lib/router.js';

const RECORD_LINKS = [
  { to: '/contacts', label: 'Contacts' },
  { to: '/organizations', label: 'Organizations' },
  { to: '/deals', label: 'Deals' },
  { to: '/services', label: 'Services' },
  { to: '/tasks', label: 'Tasks' },
];
const COMPANY_LINKS = [
  { to: '/company/webhooks', label: 'Webhooks' },
  { to: '/company/deliveries', label: 'Webhook Deliveries' },
  { to: '/company/api-keys', label: 'API keys' },
  { to: '/company/users', label: 'Users' },
  { to: '/company/custom-fields', label: 'Custom fields' },
  { to: '/company/import', label: 'Import' },
];

export function AppLayout({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure(false);
  const { path } = useLocation();
  const { user, signOut } = useSession();

  const item = ({ to, label }: { to: string; label: string }) => (
    <NavLink key={to} component={Link} to={to} label={label} active={path === to || path.startsWith(`${to}/`)} onClick={close} />
  );

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={4}>Switchboard</Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" c="dimmed" visibleFrom="xs" truncate maw={220}>
              {user?.email} · {user?.role}
            </Text>
            <Button
              variant="default"
              size="xs"
              onClick={async () => {
                await signOut();
                navigate('/login', { replace: true });
              }}
            >
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <ScrollArea>
          <Text size="xs" fw={700} c="dimmed" px="sm" py={6} tt="uppercase">
            Records
          </Text>
          {RECORD_LINKS.map(item)}
          <Text size="xs" fw={700} c="dimmed" px="sm" pt="md" pb={6} tt="uppercase">
            Company
          </Text>
          {COMPANY_LINKS.map(item)}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
