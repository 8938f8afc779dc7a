import { Cut, PATIENCE, type Patience } from './stream-again.js';
import { managerAway } from './stream-end.js';

/** A wait's pauses are never cut short: Ctrl-C ends the whole command. */
const NEVER = new AbortController().signal;

/**
 * The looks of a service's `--wait` while its manager is away (stopped and started again, killed
 * and restarted, a leader change): the rollout or the replicas it watches go on without it, so the
 * wait asks again, pausing as a followed stream does (Cut), said once on stderr, until a manager
 * answers or the window passes with none (then the first error is the command's). A manager that
 * never answered (a first look that fails) fails the wait at once: a wrong address or CA is not away.
 */
export class AwayLooks {
  #cut: Cut;
  #answered = false;
  #away = false;

  constructor(
    private readonly note: (line: string) => void = (line) => process.stderr.write(`poseidon: ${line}\n`),
    private readonly patience: Patience = PATIENCE,
  ) {
    this.#cut = new Cut(patience);
  }

  /** `ask`'s answer, asked again while the manager is away; `what` names what goes on meanwhile. */
  async look<T>(ask: () => Promise<T>, what: string): Promise<T> {
    for (;;) {
      try {
        const answer = await ask();
        if (this.#away) this.note('the manager answers again; the wait goes on');
        this.#answered = true;
        this.#away = false;
        this.#cut.progress();
        return answer;
      } catch (err) {
        if (!this.#answered || !managerAway(err)) throw err;
        if (!this.#away)
          this.note(
            `the manager did not answer (it stopped, or restarts); ${what} goes on without it, and the wait ` +
              `asks again for up to ${Math.round(this.patience.windowMs / 1000)} s`,
          );
        this.#away = true;
        await this.#cut.hit(() => err, NEVER);
      }
    }
  }
}
