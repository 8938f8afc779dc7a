/** A pause that an event can cut short; says which ended it. */
export class Wakeup {
  #cut: (() => void) | undefined;
  #pending = false;

  fire(): void {
    if (this.#cut !== undefined) this.#cut();
    else this.#pending = true; // came between two pauses: the next one ends at once
  }

  after(ms: number): Promise<'event' | 'timer'> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve('event');
    }
    return new Promise((resolve) => {
      const end = (why: 'event' | 'timer'): void => {
        clearTimeout(timer);
        this.#cut = undefined;
        resolve(why);
      };
      const timer = setTimeout(() => end('timer'), ms);
      this.#cut = () => end('event');
    });
  }
}
