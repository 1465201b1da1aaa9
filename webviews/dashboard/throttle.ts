/**
 * Redraw coalescing. Messages may arrive far faster than the screen refreshes (a live run sends layer statistics
 * and metrics several times a second, each possibly for 1000 layers): a message only marks what it changed, and one
 * requestAnimationFrame callback redraws each dirty view at most once per frame. A view that is hidden (another
 * tab) stays dirty and is drawn when it is shown; a view nothing marked is never redrawn.
 */

export interface Renderable {
  /** Draws what changed since the last call. */
  render(): void;
  /** Whether the view is on screen now (hidden tabs are drawn when shown). */
  visible(): boolean;
}

export class FrameScheduler {
  private readonly dirty = new Set<Renderable>();
  private frame = 0;
  /** Called after each frame's redraws with the time they took (ms), for diagnostics and the stress benchmark. */
  onFrame?: (ms: number, views: number) => void;

  /** Marks `view` for redraw in the next frame. */
  invalidate(view: Renderable): void {
    this.dirty.add(view);
    this.request();
  }

  /** Something became visible: dirty views that were waiting for it are drawn in the next frame. */
  request(): void {
    if (this.frame !== 0 || this.dirty.size === 0) return;
    this.frame = requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = 0;
    const start = performance.now();
    let drawn = 0;
    for (const view of [...this.dirty]) {
      if (!view.visible()) continue;
      this.dirty.delete(view);
      drawn++;
      try {
        view.render();
      } catch (e) {
        console.error(e);
      }
    }
    if (drawn > 0) this.onFrame?.(performance.now() - start, drawn);
  }
}
