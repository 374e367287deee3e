/** stdout may be a pipe that is slower than the broker: wait for it instead of buffering without bound. */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}
