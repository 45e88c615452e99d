// Company → Webhook Deliveries: the searchable log of every POST, newest first. While anything on the page is
// pending or sending, the page refreshes itself (every 1.5 s) so results appear without a reload.
import { Anchor, Group, Select, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { deliveries, webhooks } from '../api/endpoints.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageHeader } from '../components/page-header.js';
import { Pager } from '../components/pager.js';
import { TableStatusRow } from '../components/states.js';
import { formatDateTime, formatDuration } from '../lib/format.js';
import { navigate, useLocation } from '../lib/router.js';
import { useAsync, useDebounced } from '../lib/use-async.js';
import { DeliveryDrawer } from './delivery-drawer.js';
import { DeliveryFilters, type DeliveryFilterState } from './delivery-filters.js';
import { EventChip, StatusChip } from './status-chip.js';

const LIVE_REFRESH_MS = 1500;

export function DeliveriesPage() {
  const { query } = useLocation();
  const [filters, setFilters] = useState<DeliveryFilterState>({ search: '', status: null, event: null, webhookId: query.get('webhookId') });
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(25);
  const openId = query.get('id');
  const searchTerm = useDebounced(filters.search.trim());
  const hooks = useAsync(() => webhooks.list(), []);
  const list = useAsync(
    () => deliveries.list({ searchTerm, status: filters.status ?? undefined, event: filters.event ?? undefined, webhookId: filters.webhookId ?? undefined, page, pageSize }),
    [searchTerm, filters.status, filters.event, filters.webhookId, page, pageSize],
  );
  const items = list.data?.items ?? [];
  const live = items.some((d) => d.status === 'pending' || d.status === 'processing');

  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => void list.reload(), LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [live, list.reload]);

  const openDelivery = (id: string | null) => {
    const next = new URLSearchParams(query);
    if (id) next.set('id', id);
    else next.delete('id');
    navigate(`/company/deliveries${next.size ? `?${next}` : ''}`);
  };

  return (
    <>
      <PageHeader title="Webhook Deliveries">
        {live && (
          <Text size="xs" c="blue" aria-live="polite">
            Refreshing while deliveries are in flight…
          </Text>
        )}
      </PageHeader>
      <DeliveryFilters
        value={filters}
        webhooks={hooks.data?.items ?? []}
        onChange={(next) => {
          setFilters(next);
          setPage(1);
        }}
      />
      <ErrorAlert error={list.error} />
      <Table.ScrollContainer minWidth={860}>
        <Table striped highlightOnHover aria-label="Deliveries" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Time</Table.Th>
              <Table.Th>Event</Table.Th>
              <Table.Th>Record</Table.Th>
              <Table.Th>URL</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>HTTP</Table.Th>
              <Table.Th>Duration</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((delivery) => (
              <Table.Tr key={delivery.id} data-delivery-id={delivery.id} data-status={delivery.status} style={{ cursor: 'pointer' }} onClick={() => openDelivery(delivery.id)}>
                <Table.Td>
                  <Anchor
                    href={`/company/deliveries?id=${delivery.id}`}
                    size="sm"
                    onClick={(e) => {
                      e.preventDefault();
                      e.stopPropagation();
                      openDelivery(delivery.id);
                    }}
                  >
                    {formatDateTime(delivery.createdAt)}
                  </Anchor>
                  {delivery.trigger === 'resend' && (
                    <Text size="xs" c="dimmed">
                      resend
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <EventChip event={delivery.event} />
                </Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace">
                    {delivery.entityId.slice(0, 8)}
                  </Text>
                </Table.Td>
                <Table.Td maw={260}>
                  <Text size="xs" truncate="end">
                    {delivery.url}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <StatusChip status={delivery.status} />
                </Table.Td>
                <Table.Td>{delivery.statusCode ?? '—'}</Table.Td>
                <Table.Td>{formatDuration(delivery.durationMs)}</Table.Td>
              </Table.Tr>
            ))}
            <TableStatusRow colSpan={7} loading={list.loading} empty={items.length === 0} emptyText="No deliveries match. Deliveries appear here when a subscribed record changes." />
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="space-between" align="flex-end">
        {list.data && <Pager page={page} pageSize={pageSize} total={list.data.total} onChange={setPage} />}
        <Select
          label="Per page"
          data={['25', '100']}
          value={String(pageSize)}
          onChange={(v) => {
            setPageSize(Number(v ?? 25));
            setPage(1);
          }}
          w={100}
          allowDeselect={false}
        />
      </Group>
      <DeliveryDrawer
        id={openId}
        onClose={() => openDelivery(null)}
        onOpen={openDelivery}
        onResent={(created) => {
          setPage(1);
          void list.reload();
          openDelivery(created.id);
        }}
      />
    </>
  );
}
