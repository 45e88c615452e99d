// Picks linked records with search as you type: each keystroke (debounced) asks the list endpoint for matches;
// the labels of records already linked are fetched once so chips show names, not ids.
import { MultiSelect } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { records } from '../api/endpoints.js';
import type { RecordType } from '../api/types.js';
import { useDebounced } from '../lib/use-async.js';
import { titleOf } from './record-config.js';

const SUGGESTIONS = 20;
const LABEL_FETCH_CAP = 50;

interface LinkPickerProps {
  label: string;
  target: RecordType;
  value: string[];
  onChange: (ids: string[]) => void;
  error?: string;
}

export function LinkPicker({ label, target, value, onChange, error }: LinkPickerProps) {
  const [labels, setLabels] = useState<Record<string, string>>({});
  const [options, setOptions] = useState<string[]>([]);
  const [search, setSearch] = useState('');
  const [searching, setSearching] = useState(false);
  const term = useDebounced(search.trim(), 200);

  useEffect(() => {
    const missing = value.filter((id) => !(id in labels)).slice(0, LABEL_FETCH_CAP);
    if (missing.length === 0) return;
    let cancelled = false;
    void Promise.all(missing.map((id) => records.get(target, id).then((r) => [id, titleOf(target, r)] as const, () => [id, id] as const))).then((pairs) => {
      if (!cancelled) setLabels((current) => ({ ...current, ...Object.fromEntries(pairs) }));
    });
    return () => {
      cancelled = true;
    };
    // `labels` is left out on purpose: the fetch adds to it, and re-running on that would loop.
  }, [target, value]);

  useEffect(() => {
    let cancelled = false;
    setSearching(true);
    records
      .list(target, { searchTerm: term, page: 1, pageSize: SUGGESTIONS })
      .then((page) => {
        if (cancelled) return;
        setLabels((current) => ({ ...current, ...Object.fromEntries(page.items.map((r) => [r.id, titleOf(target, r)])) }));
        setOptions(page.items.map((r) => r.id));
      })
      .catch(() => !cancelled && setOptions([]))
      .finally(() => !cancelled && setSearching(false));
    return () => {
      cancelled = true;
    };
  }, [target, term]);

  // Server-side search decides what matches; the selected ids stay in the data so their chips render.
  const data = useMemo(() => {
    const ids = [...new Set([...value, ...options])];
    return ids.map((id) => ({ value: id, label: labels[id] ?? '…' }));
  }, [value, options, labels]);

  return (
    <MultiSelect
      label={label}
      placeholder={value.length ? undefined : 'Search to link'}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: all }) => all}
      nothingFoundMessage={searching ? 'Searching…' : 'Nothing found'}
      hidePickedOptions
      clearable
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
