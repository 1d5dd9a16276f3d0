/** The docker CLI's confirmation prompt for destructive commands (prune): `y` or `yes` goes on. */
import type { CommandContext } from './command.ts';

/** Writes `question` to stdout (as docker does) and reads one line of stdin: true for y/yes. */
export async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  ctx.stdout.write(question);
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (chunk: Buffer | string) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl));
    };
    const finish = (text: string) => {
      ctx.stdin.off('data', onData);
      ctx.stdin.off('end', onEnd);
      ctx.stdin.pause();
      resolve(text);
    };
    const onEnd = () => finish(buf);
    ctx.stdin.on('data', onData);
    ctx.stdin.once('end', onEnd);
    ctx.stdin.resume();
  });
  const answer = line.trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}
