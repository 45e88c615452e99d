// Company → Import: upload a CSV of contacts or organizations, map its columns to fields (or custom fields),
// check it with a dry run (per-row errors, nothing written), then import: the valid rows are written together
// or not at all. Every imported row produces the same events as a record created by hand. The server's limits
// (size, columns, rows) are checked here first, so an oversized file is refused before it is uploaded.
import { Alert, Button, FileInput, Group, Paper, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { customColumns, imports } from '../api/endpoints.js';
import type { ImportReport } from '../api/types.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PageHeader } from '../components/page-header.js';
import { useAsync } from '../lib/use-async.js';
import { IMPORT_MAX_COLUMNS, IMPORT_MAX_CSV_BYTES, IMPORT_MAX_ROWS } from '../../../src/crm/import/limits.js';
import { readCsvHeader } from './csv-header.js';

type Entity = 'contact' | 'organization';
const OWN_FIELDS: Record<Entity, { value: string; label: string }[]> = {
  contact: [
    { value: 'firstName', label: 'First name' },
    { value: 'lastName', label: 'Last name' },
    { value: 'emails', label: 'Email(s)' },
    { value: 'notes', label: 'Notes' },
  ],
  organization: [
    { value: 'name', label: 'Name' },
    { value: 'notes', label: 'Notes' },
  ],
};
const ROW_ERRORS_SHOWN = 50;
const LIMITS = `at most ${IMPORT_MAX_CSV_BYTES / 1024 / 1024} MiB, ${IMPORT_MAX_COLUMNS} columns and ${IMPORT_MAX_ROWS.toLocaleString('en-US')} rows`;

/** Maps a CSV header to a field when the names obviously match ("First Name" → firstName). */
function guessTarget(header: string, targets: { value: string; label: string }[]): string | null {
  const simplify = (text: string) => text.toLowerCase().replace(/^custom: /, '').replace(/[^a-z0-9]/g, '');
  const plain = simplify(header);
  const hit = targets.find((t) => simplify(t.value) === plain || simplify(t.label) === plain || (plain === 'email' && t.value === 'emails'));
  return hit?.value ?? null;
}

export function ImportPage() {
  const [entity, setEntity] = useState<Entity>('contact');
  const [file, setFile] = useState<File | null>(null);
  const [csv, setCsv] = useState('');
  const [headers, setHeaders] = useState<string[]>([]);
  /** The user's own choices; a column without one uses the guess (which may improve once custom fields load). */
  const [chosen, setChosen] = useState<Record<string, string | null>>({});
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'dry' | 'real' | null>(null);
  const [tooLarge, setTooLarge] = useState<string | null>(null);
  const columns = useAsync(() => customColumns.list(entity).then((r) => r.items.filter((c) => c.entityType === entity)), [entity]);

  const targets = useMemo(
    () => [...OWN_FIELDS[entity], ...(columns.data ?? []).map((c) => ({ value: `custom:${c.id}`, label: `Custom: ${c.name}` }))],
    [entity, columns.data],
  );

  const load = async (next: File | null) => {
    setFile(next);
    setReport(null);
    setError(null);
    setChosen({});
    if (next && next.size > IMPORT_MAX_CSV_BYTES) {
      setTooLarge(`This file is ${(next.size / 1024 / 1024).toFixed(1)} MiB; an import takes ${LIMITS}. Split the file.`);
      setCsv('');
      setHeaders([]);
      return;
    }
    const text = next ? await next.text() : '';
    const found = readCsvHeader(text);
    const wide = found.length > IMPORT_MAX_COLUMNS;
    setTooLarge(wide ? `This file has ${found.length} columns; an import takes ${LIMITS}.` : null);
    setCsv(wide ? '' : text);
    setHeaders(wide ? [] : found);
  };
  const mapping: Record<string, string | null> = Object.fromEntries(headers.map((h) => [h, h in chosen ? (chosen[h] ?? null) : guessTarget(h, targets)]));

  const run = async (dryRun: boolean) => {
    setBusy(dryRun ? 'dry' : 'real');
    setError(null);
    try {
      // Unmapped columns are sent as null: the server then ignores them instead of guessing.
      setReport(await imports.run(entity, csv, mapping, dryRun));
    } catch (caught) {
      setError(caught);
      setReport(null);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <PageHeader title="Import" />
      <Stack maw={860}>
        <Paper withBorder p="md">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Import into"
              data={[{ value: 'contact', label: 'Contacts' }, { value: 'organization', label: 'Organizations' }]}
              value={entity}
              onChange={(v) => {
                setEntity((v ?? 'contact') as Entity);
                void load(null);
              }}
              allowDeselect={false}
            />
            <FileInput label="CSV file" description={`First row: column names; ${LIMITS}`} accept=".csv,text/csv" placeholder="Choose a file" value={file} onChange={(f) => void load(f)} clearable />
          </SimpleGrid>
        </Paper>
        {tooLarge && <Alert color="orange">{tooLarge}</Alert>}
        {file && !tooLarge && headers.length === 0 && <Alert color="orange">This file has no header row.</Alert>}
        {headers.length > 0 && (
          <Paper withBorder p="md">
            <Title order={4} mb="sm">
              Map columns
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {headers.map((header) => (
                <Select
                  key={header}
                  label={`Column “${header}”`}
                  placeholder="Skip this column"
                  data={targets}
                  value={mapping[header] ?? null}
                  onChange={(v) => {
                    setChosen({ ...chosen, [header]: v });
                    setReport(null);
                  }}
                  clearable
                />
              ))}
            </SimpleGrid>
            <Group mt="md">
              <Button variant="default" loading={busy === 'dry'} disabled={busy !== null} onClick={() => run(true)}>
                Check (dry run)
              </Button>
              <Button loading={busy === 'real'} disabled={busy !== null} onClick={() => run(false)}>
                Import
              </Button>
            </Group>
          </Paper>
        )}
        <ErrorAlert error={error} title="Import failed: nothing was imported" />
        {report && <ImportReportView report={report} />}
      </Stack>
    </>
  );
}

function ImportReportView({ report }: { report: ImportReport }) {
  return (
    <Paper withBorder p="md" aria-label="Import report" role="region">
      <Title order={4} mb="xs">
        {report.dryRun ? 'Dry run: nothing was written' : 'Import finished'}
      </Title>
      <Text size="sm" data-testid="import-summary">
        {report.total} rows · {report.valid} valid · {report.errors.length} with errors{report.dryRun ? '' : ` · ${report.created} created`}
      </Text>
      {report.errors.length > 0 && (
        <Text size="xs" c="dimmed">
          {report.dryRun ? 'Rows with errors are skipped by the import; the valid rows are written together or not at all.' : 'Rows with errors were skipped: fix them and import only those rows.'}
        </Text>
      )}
      {report.errors.length > 0 && (
        <Table mt="sm" fz="sm" aria-label="Row errors">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={80}>Row</Table.Th>
              <Table.Th>Problem</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.errors.slice(0, ROW_ERRORS_SHOWN).map((e, i) => (
              <Table.Tr key={i}>
                <Table.Td>{e.row}</Table.Td>
                <Table.Td>{e.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {report.errors.length > ROW_ERRORS_SHOWN && (
        <Text size="xs" c="dimmed">
          …and {report.errors.length - ROW_ERRORS_SHOWN} more
        </Text>
      )}
    </Paper>
  );
}
