// vLLM's own process group: vLLM is spawned detached (leader of a new group), so
// a terminal's Ctrl-C reaches only the agent, which drains before stopping it.
// Signals go to the whole group, so vLLM's engine and worker processes go too.
import { onExit } from 'signal-exit';

export class ProcessGroup {
  #pgid: number;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #unhook: () => void;

  /** `pid` leads the group (spawned with `detached: true`, i.e. setsid). */
  constructor(pid: number) {
    this.#pgid = pid;
    // execa's `cleanup` does not cover detached children, so this is ours. It
    // uses execa's own hook (signal-exit): it runs on any exit, and also on a
    // signal nobody handles (SIGHUP when the terminal closes), which Node's
    // 'exit' event misses. process.kill is synchronous, as an exit hook must be.
    this.#unhook = onExit(() => void this.signal('SIGKILL'), { alwaysLast: true });
  }

  /** Sends `signal` to every process in the group; false when none is left. */
  signal(signal: NodeJS.Signals): boolean {
    try {
      process.kill(-this.#pgid, signal);
      return true;
    } catch {
      return false; // ESRCH: the group is empty
    }
  }

  /** SIGTERM now, SIGKILL after `killAfterMs` (execa's forceKillAfterDelay, for the whole group). */
  terminate(killAfterMs: number): void {
    this.signal('SIGTERM');
    this.#killTimer ??= setTimeout(() => this.signal('SIGKILL'), killAfterMs);
  }

  /**
   * The leader exited: kill what is left of the group. vLLM's workers inherit
   * its stdout, so an orphaned one would hold GPU memory and keep the pipe,
   * and with it the exit, from ever ending.
   */
  leaderExited(): void {
    clearTimeout(this.#killTimer);
    this.signal('SIGKILL');
    this.#unhook();
  }
}
