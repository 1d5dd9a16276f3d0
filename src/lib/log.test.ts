import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from './errors.ts';
import { createLogger } from './log.ts';

const capture = (level: 'debug' | 'info' | 'warn' | 'error' = 'info') => {
  const lines: string[] = [];
  const log = createLogger({ level, write: (l) => lines.push(l), now: () => new Date(0) });
  return { log, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), lines };
};

describe('logger', () => {
  it('writes one JSON object a line with level, time, msg and fields', () => {
    const { log, lines, records } = capture();
    log.info('hello', { a: 1 });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.endsWith('\n'));
    assert.deepEqual(records(), [{ level: 'info', time: '1970-01-01T00:00:00.000Z', msg: 'hello', a: 1 }]);
  });

  it('drops lines below its level', () => {
    const { log, records } = capture('warn');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    assert.deepEqual(
      records().map((r) => r.msg),
      ['w', 'e'],
    );
    assert.equal(log.enabled('info'), false);
    assert.equal(log.enabled('error'), true);
  });

  it('children add fields; errors render as messages (with codes)', () => {
    const { log, records } = capture();
    const child = log.child({ component: 'api' });
    child.error('failed', { err: new BerthError('not-found', 'No such container: x'), plain: new Error('boom') });
    assert.deepEqual(records()[0], {
      level: 'error',
      time: '1970-01-01T00:00:00.000Z',
      msg: 'failed',
      component: 'api',
      err: { message: 'No such container: x', code: 'not-found' },
      plain: 'boom',
    });
  });

  it('survives unserializable fields', () => {
    const { log, records } = capture();
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    log.info('x', { loop });
    assert.equal(records()[0]?.msg, 'x');
  });
});
