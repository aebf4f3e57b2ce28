/** A binary min-heap of (time, id): which ids are due at a given time, earliest first. */
export class EndQueue {
  private readonly at: number[] = [];
  private readonly ids: string[] = [];

  /** Adds an id due at `time`. */
  push(time: number, id: string): void {
    let i = this.at.length;
    this.at.push(time);
    this.ids.push(id);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if ((this.at[up] as number) <= time) break;
      this.swap(i, up);
      i = up;
    }
  }

  /** Removes and returns the earliest entry due at or before `now`, or null when none is. */
  popDue(now: number): { time: number; id: string } | null {
    if (!this.at.length || (this.at[0] as number) > now) return null;
    const top = { time: this.at[0] as number, id: this.ids[0] as string };
    const lastAt = this.at.pop() as number;
    const lastId = this.ids.pop() as string;
    if (this.at.length) {
      this.at[0] = lastAt;
      this.ids[0] = lastId;
      this.sink(0);
    }
    return top;
  }

  /** Forgets every entry. */
  clear(): void {
    this.at.length = 0;
    this.ids.length = 0;
  }

  private sink(i: number): void {
    const n = this.at.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && (this.at[l] as number) < (this.at[min] as number)) min = l;
      if (r < n && (this.at[r] as number) < (this.at[min] as number)) min = r;
      if (min === i) return;
      this.swap(i, min);
      i = min;
    }
  }

  private swap(i: number, j: number): void {
    [this.at[i], this.at[j]] = [this.at[j] as number, this.at[i] as number];
    [this.ids[i], this.ids[j]] = [this.ids[j] as string, this.ids[i] as string];
  }
}
