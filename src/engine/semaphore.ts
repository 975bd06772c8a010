/** A counting semaphore with a FIFO queue: at most `size` holders at once. */
export class Semaphore {
  private held = 0;
  private queue: Array<() => void> = [];

  constructor(private readonly size: number) {}

  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.held++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held--;
          this.queue.shift()?.();
        });
      };
      if (this.held < this.size) grant();
      else this.queue.push(grant);
    });
  }
}
