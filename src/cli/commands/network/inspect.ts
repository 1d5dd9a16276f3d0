/** `berth network inspect`. */
import { inspectCommand } from '../../inspect.ts';

export const { spec, handler } = inspectCommand({
  placeholder: 'NETWORK',
  nouns: 'networks',
  lookup: (engine, name) => engine.networks.inspect(name),
  notFound: (name) => `network ${name} not found`,
});
