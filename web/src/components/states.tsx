// Loading and empty states for tables.
import { Center, Loader, Table, Text } from '@mantine/core';

export function TableStatusRow({ colSpan, loading, empty, emptyText }: { colSpan: number; loading: boolean; empty: boolean; emptyText: string }) {
  if (!empty) return null;
  return (
    <Table.Tr>
      <Table.Td colSpan={colSpan}>
        <Center py="lg">{loading ? <Loader size="sm" aria-label="Loading" /> : <Text c="dimmed">{emptyText}</Text>}</Center>
      </Table.Td>
    </Table.Tr>
  );
}

export function PageLoader() {
  return (
    <Center py="xl">
      <Loader aria-label="Loading" />
    </Center>
  );
}
