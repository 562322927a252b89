import { Logger } from '@nestjs/common';

/**
 * Runs `work` every `intervalMs` (real time), never two runs at once. When `work` reports that
 * more is waiting (returns true) the next run starts at once, so a backlog drains without waiting
 * a whole interval. `stop()` waits for the run in progress, so shutdown never cuts a run in half.
 * Errors are logged and the loop goes on.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<boolean | void>,
    private readonly logger = new Logger(PeriodicTask.name),
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, delayMs);
    // A pending tick must not keep the process alive on its own.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let more = false;
    try {
      more = (await this.work()) === true;
    } catch (error) {
      this.logger.error({ task: this.name, reason: (error as Error).message }, 'periodic task failed');
    }
    this.schedule(more ? 0 : this.intervalMs);
  }
}
