/** `berth volume inspect`. */
import { inspectCommand } from '../../inspect.ts';

export const { spec, handler } = inspectCommand({
  placeholder: 'VOLUME',
  nouns: 'volumes',
  lookup: (engine, name) => engine.volumes.inspect(name),
  notFound: (name) => `get ${name}: no such volume`,
});
