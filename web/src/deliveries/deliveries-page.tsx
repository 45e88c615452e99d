// Company → Webhook Deliveries: the searchable log of every POST, newest first. While anything on the page is
// pending or sending, the page refreshes itself (every 1.5 s) so results appear without a reload.
import { Group, Select, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { deliveries, webhooks } from '../api/endpoints.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageHeader } from '../components/page-header.js';
import { Pager } from '../components/pager.js';
import { fromLocalInput } from '../lib/local-time.js';
import { navigate, useLocation } from '../lib/router.js';
import { useAsync, useDebounced } from '../lib/use-async.js';
import { DeliveryDrawer } from './delivery-drawer.js';
import { DeliveryList } from './delivery-list.js';
import { DeliveryFilters, type DeliveryFilterState } from './delivery-filters.js';

const LIVE_REFRESH_MS = 1500;

export function DeliveriesPage() {
  const { query } = useLocation();
  const [filters, setFilters] = useState<DeliveryFilterState>({ search: '', status: null, event: null, webhookId: query.get('webhookId'), from: '', to: '' });
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(25);
  const openId = query.get('id');
  const searchTerm = useDebounced(filters.search.trim());
  const hooks = useAsync(() => webhooks.list(), []);
  const list = useAsync(
    () =>
      deliveries.list({
        searchTerm,
        status: filters.status ?? undefined,
        event: filters.event ?? undefined,
        webhookId: filters.webhookId ?? undefined,
        from: fromLocalInput(filters.from),
        to: fromLocalInput(filters.to),
        page,
        pageSize,
      }),
    [searchTerm, filters.status, filters.event, filters.webhookId, filters.from, filters.to, page, pageSize],
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
      <DeliveryList items={items} loading={list.loading} onOpen={openDelivery} />
      <Group justify="space-between" align="flex-end">
        {list.data && <Pager page={page} pageSize={pageSize} total={list.data.total} capped={list.data.totalCapped === true} onChange={setPage} />}
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
