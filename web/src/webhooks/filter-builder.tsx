// The webhook form's filter builder: conditions joined by "all" or "any" (field, op, value), the ops and values
// each field allows (the same tables the server validates with), a JSON editor for nested filters, and a live
// preview of which recent events the draft would match (debounced; the server's validation message when not).
import { ActionIcon, Alert, Anchor, Badge, Button, Group, NativeSelect, Paper, SegmentedControl, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useMemo, useState } from 'react';
import { KIND_OF_COLUMN, OPS_BY_KIND, OWN_FIELDS, CUSTOM_PREFIX, type FieldKind } from '../../../src/webhooks/filter/fields.js';
import { messageOf } from '../api/client.js';
import { customColumns, webhooks } from '../api/endpoints.js';
import type { CustomColumn, EventName, FilterPreview, RecordType, WebhookFilter } from '../api/types.js';
import { formatDateTime } from '../lib/format.js';
import { useAsync } from '../lib/use-async.js';

const NO_VALUE = new Set(['changed', 'isNull', 'notNull']);
const PREVIEW_LIMIT = 100;

interface Row {
  field: string;
  op: string;
  value: string;
}

interface FieldChoice {
  value: string;
  label: string;
  kind: FieldKind;
  options?: { value: string; label: string }[];
}

function fieldChoices(types: RecordType[], columns: CustomColumn[]): FieldChoice[] {
  if (types.length === 0) return [];
  const own = Object.entries(OWN_FIELDS[types[0]!])
    .filter(([name]) => types.every((type) => name in OWN_FIELDS[type]))
    .map(([name, spec]) => ({
      value: name,
      label: name,
      kind: spec.kind,
      ...(spec.options ? { options: spec.options.map((o) => ({ value: o, label: o })) } : {}),
    }));
  const custom = types.length === 1 ? columns.filter((c) => c.entityType === types[0]) : [];
  return [
    ...own,
    ...custom.map((c) => ({
      value: `${CUSTOM_PREFIX}${c.id}`,
      label: `${c.name} (custom)`,
      kind: KIND_OF_COLUMN[c.type],
      ...(c.type === 'singleSelect' ? { options: c.options } : {}),
    })),
  ];
}

const isCondition = (node: WebhookFilter): node is { field: string; op: string; value?: unknown } => 'op' in node;

/** The rows of a flat filter (one condition, or all/any of conditions), or null when it nests deeper. */
function rowsOf(filter: WebhookFilter | null): { mode: 'all' | 'any'; rows: Row[] } | null {
  if (filter === null) return { mode: 'all', rows: [] };
  const toRow = (c: { field: string; op: string; value?: unknown }): Row => ({ field: c.field, op: c.op, value: Array.isArray(c.value) ? c.value.join(', ') : c.value === undefined || c.value === null ? '' : String(c.value) });
  if (isCondition(filter)) return { mode: 'all', rows: [toRow(filter)] };
  const mode = 'all' in filter ? 'all' : 'any' in filter ? 'any' : null;
  if (!mode) return null;
  const nodes = (filter as Record<string, WebhookFilter[]>)[mode]!;
  if (!nodes.every(isCondition)) return null;
  return { mode, rows: nodes.map((n) => toRow(n as { field: string; op: string; value?: unknown })) };
}

function filterOf(mode: 'all' | 'any', rows: Row[]): WebhookFilter | null {
  const conditions = rows
    .filter((r) => r.field && r.op)
    .map((r) => {
      if (NO_VALUE.has(r.op)) return { field: r.field, op: r.op };
      if (r.op === 'in') return { field: r.field, op: r.op, value: r.value.split(',').map((v) => v.trim()).filter(Boolean) };
      return { field: r.field, op: r.op, value: r.value };
    });
  if (conditions.length === 0) return null;
  return mode === 'all' ? { all: conditions } : { any: conditions };
}

interface FilterBuilderProps {
  events: EventName[];
  value: WebhookFilter | null;
  onChange: (filter: WebhookFilter | null) => void;
  /** The server's message when saving refused the filter. */
  error?: string;
}

export function FilterBuilder({ events, value, onChange, error }: FilterBuilderProps) {
  const [initial] = useState(() => rowsOf(value));
  const [enabled, setEnabled] = useState(value !== null);
  const [advanced, setAdvanced] = useState(initial === null);
  const [mode, setMode] = useState<'all' | 'any'>(initial?.mode ?? 'all');
  const [rows, setRows] = useState<Row[]>(initial?.rows.length ? initial.rows : [{ field: '', op: '', value: '' }]);
  const [json, setJson] = useState(value ? JSON.stringify(value, null, 2) : '');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const columns = useAsync(() => customColumns.list().then((r) => r.items), []);
  const types = useMemo(() => [...new Set(events.map((e) => e.split('.')[0] as RecordType))], [events]);
  const choices = useMemo(() => fieldChoices(types, columns.data ?? []), [types, columns.data]);

  const update = (nextMode: 'all' | 'any', nextRows: Row[]) => {
    setMode(nextMode);
    setRows(nextRows);
    onChange(filterOf(nextMode, nextRows));
  };
  const setRow = (index: number, patch: Partial<Row>) => update(mode, rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));

  const toggle = (on: boolean) => {
    setEnabled(on);
    onChange(on ? (advanced ? parsedJson() : filterOf(mode, rows)) : null);
  };
  const parsedJson = (text = json): WebhookFilter | null => {
    if (!text.trim()) return null;
    try {
      return JSON.parse(text) as WebhookFilter;
    } catch {
      return null;
    }
  };
  const switchToJson = () => {
    const current = filterOf(mode, rows);
    setJson(current ? JSON.stringify(current, null, 2) : '');
    setAdvanced(true);
  };

  return (
    <Stack gap={6}>
      <Switch
        label="Only deliver events that match a filter"
        description="Conditions on the record's fields and how they changed, e.g. a deal's stage becomes Won"
        checked={enabled}
        onChange={(e) => toggle(e.currentTarget.checked)}
      />
      {enabled && (
        <Paper withBorder p="sm" role="group" aria-label="Filter">
          <Stack gap="xs">
            {events.length === 0 && <Text size="sm" c="dimmed">Pick the events first: the fields you can filter on depend on them.</Text>}
            {!advanced && (
              <>
                <Group gap="xs">
                  <Text size="sm">Match</Text>
                  <SegmentedControl
                    size="xs"
                    aria-label="Match all or any"
                    value={mode}
                    onChange={(m) => update(m as 'all' | 'any', rows)}
                    data={[
                      { value: 'all', label: 'all conditions' },
                      { value: 'any', label: 'any condition' },
                    ]}
                  />
                </Group>
                {rows.map((row, index) => (
                  <ConditionRow key={index} index={index} row={row} choices={choices} onChange={(patch) => setRow(index, patch)} onRemove={rows.length > 1 ? () => update(mode, rows.filter((_, i) => i !== index)) : undefined} />
                ))}
                <Group justify="space-between">
                  <Button size="xs" variant="light" type="button" onClick={() => update(mode, [...rows, { field: '', op: '', value: '' }])}>
                    Add condition
                  </Button>
                  <Anchor component="button" type="button" size="xs" onClick={switchToJson}>
                    Edit as JSON (nested all / any / not)
                  </Anchor>
                </Group>
              </>
            )}
            {advanced && (
              <Textarea
                label="Filter (JSON)"
                description='Nodes: {"all": […]}, {"any": […]}, {"not": node} or {"field", "op", "value"}'
                autosize
                minRows={4}
                ff="monospace"
                value={json}
                onChange={(e) => {
                  const text = e.currentTarget.value;
                  setJson(text);
                  const parsed = parsedJson(text);
                  setJsonError(text.trim() && parsed === null ? 'not valid JSON' : null);
                  onChange(parsed);
                }}
                error={jsonError}
              />
            )}
            {error && (
              <Text size="sm" c="red" role="alert">
                {error}
              </Text>
            )}
            <FilterPreviewPanel events={events} filter={value} />
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

function ConditionRow({ index, row, choices, onChange, onRemove }: { index: number; row: Row; choices: FieldChoice[]; onChange: (patch: Partial<Row>) => void; onRemove?: () => void }) {
  const choice = choices.find((c) => c.value === row.field);
  const ops = choice ? OPS_BY_KIND[choice.kind] : [];
  const label = `Condition ${index + 1}`;
  return (
    <Group gap="xs" align="flex-end" wrap="wrap" aria-label={label} role="group">
      <NativeSelect
        label="Field"
        aria-label={`${label} field`}
        data={[{ value: '', label: 'Choose a field…' }, ...choices.map((c) => ({ value: c.value, label: c.label }))]}
        value={row.field}
        onChange={(e) => {
          const next = choices.find((c) => c.value === e.currentTarget.value);
          onChange({ field: e.currentTarget.value, op: next ? OPS_BY_KIND[next.kind][0]! : '', value: '' });
        }}
        style={{ flex: '2 1 10rem' }}
      />
      <NativeSelect label="Op" aria-label={`${label} op`} data={ops.map((op) => ({ value: op, label: op }))} value={row.op} onChange={(e) => onChange({ op: e.currentTarget.value })} disabled={!choice} style={{ flex: '1 1 7rem' }} />
      {!NO_VALUE.has(row.op) &&
        (choice?.options && row.op !== 'in' ? (
          <NativeSelect
            label="Value"
            aria-label={`${label} value`}
            data={[{ value: '', label: 'Choose…' }, ...choice.options.map((o) => ({ value: o.value, label: o.label }))]}
            value={row.value}
            onChange={(e) => onChange({ value: e.currentTarget.value })}
            style={{ flex: '2 1 9rem' }}
          />
        ) : (
          <TextInput
            label="Value"
            aria-label={`${label} value`}
            placeholder={row.op === 'in' ? 'a, b, c' : choice?.kind === 'date' ? 'YYYY-MM-DD' : ''}
            value={row.value}
            onChange={(e) => onChange({ value: e.currentTarget.value })}
            style={{ flex: '2 1 9rem' }}
          />
        ))}
      {onRemove && (
        <ActionIcon variant="subtle" color="gray" aria-label={`Remove condition ${index + 1}`} onClick={onRemove} mb={4}>
          ×
        </ActionIcon>
      )}
    </Group>
  );
}

/** Live: which of the newest events of the subscribed names the draft filter matches. */
function FilterPreviewPanel({ events, filter }: { events: EventName[]; filter: WebhookFilter | null }) {
  const key = JSON.stringify({ events, filter });
  const [debounced] = useDebouncedValue(key, 400);
  const [state, setState] = useState<{ preview?: FilterPreview; error?: string; loading: boolean }>({ loading: false });

  useEffect(() => {
    const draft = JSON.parse(debounced) as { events: EventName[]; filter: WebhookFilter | null };
    if (draft.events.length === 0 || draft.filter === null) {
      setState({ loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    webhooks
      .previewFilter({ events: draft.events, filter: draft.filter, limit: PREVIEW_LIMIT })
      .then((preview) => live && setState({ preview, loading: false }))
      .catch((caught) => live && setState({ error: messageOf(caught), loading: false }));
    return () => {
      live = false;
    };
  }, [debounced]);

  if (!state.preview && !state.error) return state.loading ? <Text size="xs" c="dimmed">Checking recent events…</Text> : null;
  if (state.error) {
    return (
      <Alert color="orange" variant="light" title="Preview" data-testid="filter-preview">
        {state.error}
      </Alert>
    );
  }
  const { matches, scanned } = state.preview!;
  return (
    <Paper bg="var(--mantine-color-gray-light)" p="xs" data-testid="filter-preview" aria-live="polite">
      <Text size="sm" fw={500}>
        {matches.length} of the last {scanned} events would be delivered
      </Text>
      <Stack gap={2} mt={4}>
        {matches.slice(0, 5).map((m) => (
          <Group key={m.eventId} gap="xs" wrap="nowrap">
            <Badge size="xs" variant="light">
              {m.event}
            </Badge>
            <Text size="xs" c="dimmed" truncate>
              {formatDateTime(m.timestamp)} · {m.entityId.slice(0, 8)}
            </Text>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}
