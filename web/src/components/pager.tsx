// Pagination under a table: "41–60 of 312" and page buttons.
import { Group, Pagination, Text } from '@mantine/core';

/** `capped`: the server stopped counting at `total` (the delivery log over 10,000 matches): shown as "10000+". */
export function Pager({ page, pageSize, total, capped = false, onChange }: { page: number; pageSize: number; total: number; capped?: boolean; onChange: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <Group justify="space-between" mt="md" gap="xs">
      <Text size="sm" c="dimmed" aria-live="polite">
        {first}–{last} of {total}
        {capped ? '+' : ''}
      </Text>
      {pages > 1 && <Pagination total={pages} value={page} onChange={onChange} size="sm" siblings={1} boundaries={1} aria-label="Pages" />}
    </Group>
  );
}
