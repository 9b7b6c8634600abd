/** Whether a process with this id still runs (EPERM: it does, under another user). Used to tell a live lock holder from a stale one. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
