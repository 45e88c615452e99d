// A background job on timers that never keep the process alive: one run after `firstRunMs`, then one every
// `intervalMs`, never two at once (a run still going when the next is due skips that turn). `stop` tells the run in
// progress through `isStopping` and waits for it, so a shutdown never leaves a half-done batch behind.
export interface PeriodicJob {
  stop(): Promise<void>;
}

export function startPeriodicJob(
  runOnce: (isStopping: () => boolean) => Promise<void>,
  timing: { firstRunMs: number; intervalMs: number },
): PeriodicJob {
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = runOnce(() => stopped).finally(() => {
      running = null;
    });
  };
  const first = setTimeout(run, timing.firstRunMs);
  const timer = setInterval(run, timing.intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
