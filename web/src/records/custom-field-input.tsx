// One input per custom column, by its type. Values travel as strings (spec §3); the server validates them.
import { Select, TextInput } from '@mantine/core';
import type { CustomColumn } from '../api/types.js';

interface CustomFieldInputProps {
  column: CustomColumn;
  value: string;
  onChange: (value: string) => void;
  error?: string;
}

const INPUT_TYPE: Partial<Record<CustomColumn['type'], string>> = {
  number: 'number',
  currency: 'number',
  date: 'date',
  email: 'email',
  phone: 'tel',
  link: 'url',
};

export function CustomFieldInput({ column, value, onChange, error }: CustomFieldInputProps) {
  if (column.type === 'singleSelect') {
    return (
      <Select
        label={column.name}
        data={(column.options ?? []).map((option) => ({ value: option.value, label: option.label }))}
        value={value || null}
        onChange={(next) => onChange(next ?? '')}
        clearable
        error={error}
      />
    );
  }
  return (
    <TextInput
      label={column.name}
      type={INPUT_TYPE[column.type] ?? 'text'}
      step={column.type === 'currency' ? '0.01' : undefined}
      value={value}
      onChange={(event) => onChange(event.currentTarget.value)}
      error={error}
    />
  );
}
