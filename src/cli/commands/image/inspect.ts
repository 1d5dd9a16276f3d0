/** `berth image inspect`. */
import { inspectCommand } from '../../inspect.ts';

export const { spec, handler } = inspectCommand({
  placeholder: 'IMAGE',
  nouns: 'images',
  lookup: (engine, name) => engine.images.inspect(name),
  notFound: (name) => `No such image: ${name}`,
});
