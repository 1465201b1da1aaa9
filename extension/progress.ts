/**
 * A run's `$/progress` (LSP WorkDoneProgress begin / report / end) as a cancellable `window.withProgress`
 * notification. The trainer reports absolute percentages; VS Code wants increments, computed here.
 */
import * as vscode from 'vscode';
import type { WorkDoneProgressValue } from '../protocol/trainer';

export class RunProgress {
  private report: ((v: { message?: string; increment?: number }) => void) | undefined;
  private finish: (() => void) | undefined;
  private percentage = 0;
  private begun = false;
  private ended = false;

  /** `onCancel` runs when the user presses Cancel on the notification (it sends `run/cancel`). */
  constructor(private readonly onCancel: () => void) {}

  /** Feed every `$/progress` value of the run here, in order. */
  readonly handle = (value: WorkDoneProgressValue): void => {
    switch (value.kind) {
      case 'begin':
        if (this.begun || this.ended) return;
        this.begun = true;
        void vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: value.title, cancellable: value.cancellable ?? false },
          (progress, token) => {
            token.onCancellationRequested(() => this.onCancel());
            this.report = (v) => progress.report(v);
            return new Promise<void>((resolve) => {
              if (this.ended) return resolve();
              this.finish = resolve;
              this.update(value.message, value.percentage);
            });
          },
        );
        return;
      case 'report':
        this.update(value.message, value.percentage);
        return;
      case 'end':
        this.end();
        return;
    }
  };

  /** Closes the notification (the run ended, or the trainer went away). */
  end(): void {
    this.ended = true;
    this.finish?.();
    this.finish = this.report = undefined;
  }

  private update(message: string | undefined, percentage: number | undefined): void {
    if (!this.report) return;
    const increment = percentage === undefined ? undefined : Math.max(0, Math.min(100, percentage) - this.percentage);
    if (increment !== undefined) this.percentage += increment;
    this.report({ message, increment: increment || undefined });
  }
}
