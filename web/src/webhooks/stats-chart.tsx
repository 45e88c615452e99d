// A webhook's health in its row: the 24-hour success rate (from the list, no extra request) and a small chart
// of GET /webhooks/{id}/stats — stacked bars of successes (green) and failures (red) per bucket, and a line of
// each bucket's p95 duration — for the last 24 hours (hourly) or 7 days (six-hourly). Plain SVG: no chart library.
import { Group, SegmentedControl, Stack, Text, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { webhooks as webhooksApi } from '../api/endpoints.js';
import type { Webhook, WebhookStats, WebhookStatsWindow } from '../api/types.js';
import { formatDuration } from '../lib/format.js';
import { useAsync } from '../lib/use-async.js';

const WIDTH = 120;
const HEIGHT = 40;
const GAP = 1;
const SUCCESS = 'var(--mantine-color-teal-6)';
const FAILED = 'var(--mantine-color-red-6)';
const P95 = 'var(--mantine-color-blue-7)';

export function formatRate(rate: number | null): string {
  if (rate === null) return 'no deliveries';
  const percent = rate * 100;
  return `${percent === 100 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)}% ok`;
}

function bucketLabel(start: string, window: WebhookStatsWindow): string {
  const date = new Date(start);
  return window === '24h'
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
}

/** The bars and the p95 line; each bucket carries a <title> so hovering (or a screen reader) reads its numbers. */
export function StatsChart({ stats }: { stats: WebhookStats }) {
  const n = stats.buckets.length;
  const barWidth = (WIDTH - GAP * (n - 1)) / n;
  const maxTotal = Math.max(1, ...stats.buckets.map((b) => b.success + b.failed));
  const maxP95 = Math.max(1, ...stats.buckets.map((b) => b.p95DurationMs ?? 0));
  const x = (i: number) => i * (barWidth + GAP);
  const p95Points = stats.buckets
    .map((b, i) => (b.p95DurationMs === null ? null : `${(x(i) + barWidth / 2).toFixed(1)},${(HEIGHT - 1 - (b.p95DurationMs / maxP95) * (HEIGHT - 2)).toFixed(1)}`))
    .filter((p): p is string => p !== null);
  const summary = `${stats.window === '24h' ? 'Last 24 hours' : 'Last 7 days'}: ${stats.success} succeeded, ${stats.failed} failed, p95 ${formatDuration(stats.p95DurationMs)}`;
  return (
    <svg width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} data-testid="webhook-stats-chart">
      <rect x={0} y={HEIGHT - 0.5} width={WIDTH} height={0.5} fill="var(--mantine-color-gray-4)" />
      {stats.buckets.map((b, i) => {
        const okHeight = (b.success / maxTotal) * HEIGHT;
        const failedHeight = (b.failed / maxTotal) * HEIGHT;
        return (
          <g key={b.start} data-bucket-start={b.start} data-success={b.success} data-failed={b.failed}>
            <title>{`${bucketLabel(b.start, stats.window)}: ${b.success} ok, ${b.failed} failed, p95 ${formatDuration(b.p95DurationMs)}`}</title>
            <rect x={x(i)} y={0} width={barWidth} height={HEIGHT} fill="transparent" />
            {b.success > 0 && <rect x={x(i)} y={HEIGHT - okHeight} width={barWidth} height={okHeight} fill={SUCCESS} data-kind="success" />}
            {b.failed > 0 && <rect x={x(i)} y={HEIGHT - okHeight - failedHeight} width={barWidth} height={failedHeight} fill={FAILED} data-kind="failed" />}
          </g>
        );
      })}
      {p95Points.length > 1 && <polyline points={p95Points.join(' ')} fill="none" stroke={P95} strokeWidth={1.25} data-kind="p95" />}
      {p95Points.length === 1 && <circle cx={p95Points[0]!.split(',')[0]} cy={p95Points[0]!.split(',')[1]} r={1.75} fill={P95} data-kind="p95" />}
    </svg>
  );
}

/** The health cell of a webhook row: rate (24 h), the chart, and a 24h/7d switch. */
export function WebhookHealth({ webhook }: { webhook: Webhook }) {
  const [span, setSpan] = useState<WebhookStatsWindow>('24h');
  // Reload when the list reloads (a new lastDelivery or rate means new results).
  const { data, error } = useAsync(() => webhooksApi.stats(webhook.id, span), [webhook.id, span, webhook.lastDelivery?.id, webhook.successRate24h]);
  // Until the chart's answer arrives, the list's successRate24h.
  const rate = data && data.window === span ? data.successRate : span === '24h' ? webhook.successRate24h : null;
  return (
    <Stack gap={2} aria-label={`Health of ${webhook.url}`} data-testid="webhook-health">
      <Group gap={6} wrap="nowrap">
        <Tooltip label={span === '24h' ? 'Share of the last 24 hours’ deliveries that succeeded' : 'Share of the last 7 days’ deliveries that succeeded'}>
          <Text size="xs" fw={500} c={rate === null ? 'dimmed' : rate >= 0.99 ? 'teal.7' : rate >= 0.9 ? 'yellow.8' : 'red.7'} data-testid="webhook-success-rate">
            {formatRate(rate)}
          </Text>
        </Tooltip>
        <SegmentedControl
          size="xs"
          value={span}
          onChange={(value) => setSpan(value as WebhookStatsWindow)}
          data={[
            { value: '24h', label: '24h' },
            { value: '7d', label: '7d' },
          ]}
          aria-label={`Chart window for ${webhook.url}`}
        />
      </Group>
      {data ? (
        <>
          <StatsChart stats={data} />
          <Text size="xs" c="dimmed">
            p50 {formatDuration(data.p50DurationMs)} · p95 {formatDuration(data.p95DurationMs)}
          </Text>
        </>
      ) : error ? (
        <Text size="xs" c="red.7">Stats unavailable</Text>
      ) : (
        <div style={{ width: WIDTH, height: HEIGHT }} />
      )}
    </Stack>
  );
}
