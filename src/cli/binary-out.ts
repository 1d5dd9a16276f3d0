/** Binary output (tar streams) to the CLI's stdout. */
import type { CommandContext } from './command.ts';

/**
 * Writes every chunk of `src` to stdout, waiting when the reader lags, and
 * resolves only once the last byte is handed to the OS: stdout to a pipe is
 * asynchronous, and the CLI exits right after its command returns.
 */
export async function streamToStdout(ctx: CommandContext, src: AsyncIterable<Uint8Array>): Promise<void> {
  const out = ctx.stdout as unknown as NodeJS.WritableStream;
  for await (const chunk of src) {
    if (!ctx.stdout.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.write(new Uint8Array(0), () => resolve()));
}
