// The list of one record type: search as you type, pagination, and a link to each record's form. A table on wide
// screens; on a phone each record is a card, so nothing scrolls sideways.
import { Anchor, Button, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useState } from 'react';
import { records } from '../api/endpoints.js';
import type { RecordData, RecordType } from '../api/types.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageHeader } from '../components/page-header.js';
import { Pager } from '../components/pager.js';
import { TableStatusRow } from '../components/states.js';
import { formatDateTime } from '../lib/format.js';
import { Link, navigate } from '../lib/router.js';
import { useAsync, useDebounced } from '../lib/use-async.js';
import { RECORD_CONFIG, titleOf } from './record-config.js';

const PAGE_SIZE = 25;

export function RecordListPage({ type }: { type: RecordType }) {
  const config = RECORD_CONFIG[type];
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const searchTerm = useDebounced(search.trim());
  const list = useAsync(() => records.list(type, { searchTerm, page, pageSize: PAGE_SIZE }), [type, searchTerm, page]);
  const items = list.data?.items ?? [];
  const narrow = useMediaQuery('(max-width: 48em)');
  const emptyText = searchTerm ? `No ${config.plural.toLowerCase()} match “${searchTerm}”.` : `No ${config.plural.toLowerCase()} yet.`;

  return (
    <>
      <PageHeader title={config.plural}>
        <Button onClick={() => navigate(`${config.path}/new`)}>New {config.singular.toLowerCase()}</Button>
      </PageHeader>
      <TextInput
        label={`Search ${config.plural.toLowerCase()}`}
        placeholder="Type to search"
        value={search}
        onChange={(event) => {
          setSearch(event.currentTarget.value);
          setPage(1);
        }}
        mb="md"
        maw={420}
      />
      <ErrorAlert error={list.error} />
      {narrow ? (
        <RecordCards type={type} items={items} loading={list.loading} emptyText={emptyText} />
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table striped highlightOnHover aria-label={config.plural} aria-busy={list.loading}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                {config.columns.map((column) => (
                  <Table.Th key={column.label}>{column.label}</Table.Th>
                ))}
                <Table.Th>Updated</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((record) => (
                <Table.Tr key={record.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`${config.path}/${record.id}`}>
                      {titleOf(type, record)}
                    </Anchor>
                  </Table.Td>
                  {config.columns.map((column) => (
                    <Table.Td key={column.label}>{column.value(record)}</Table.Td>
                  ))}
                  <Table.Td>{formatDateTime(record.updatedAt as string)}</Table.Td>
                </Table.Tr>
              ))}
              <TableStatusRow
                colSpan={config.columns.length + 2}
                loading={list.loading}
                empty={items.length === 0}
                emptyText={emptyText}
              />
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {list.data && <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} onChange={setPage} />}
    </>
  );
}

/** Phone layout: one card per record with its name (a link), the list columns as label–value lines and the update time. */
function RecordCards({ type, items, loading, emptyText }: { type: RecordType; items: RecordData[]; loading: boolean; emptyText: string }) {
  const config = RECORD_CONFIG[type];
  if (items.length === 0) {
    return (
      <Text c="dimmed" ta="center" py="lg">
        {loading ? 'Loading…' : emptyText}
      </Text>
    );
  }
  return (
    <Stack gap="xs" role="list" aria-label={config.plural} aria-busy={loading}>
      {items.map((record) => (
        <Paper key={record.id} withBorder p="sm" role="listitem" data-record-id={record.id}>
          <Anchor component={Link} to={`${config.path}/${record.id}`} fw={500} style={{ overflowWrap: 'anywhere' }}>
            {titleOf(type, record)}
          </Anchor>
          {config.columns.map((column) => {
            const value = column.value(record);
            return value ? (
              <Text key={column.label} size="sm" style={{ overflowWrap: 'anywhere' }}>
                <Text span c="dimmed" size="sm">
                  {column.label}:
                </Text>{' '}
                {value}
              </Text>
            ) : null;
          })}
          <Text size="xs" c="dimmed">
            Updated {formatDateTime(record.updatedAt as string)}
          </Text>
        </Paper>
      ))}
    </Stack>
  );
}
